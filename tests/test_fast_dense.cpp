// nn::fast::dense_forward and dense_backward: a hand case, the reference's
// numbers for LeNet's three dense layers and odd sizes, finite differences,
// identical results for every thread count, and the reference's errors under
// the fast names.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "nn/dense.hpp"
#include "nn/fast/dense.hpp"
#include "nn/fast/thread_pool.hpp"
#include "nn/rng.hpp"
#include "tests/gradcheck.hpp"
#include "tests/test_util.hpp"

using nn::DenseGrads;
using nn::Tensor;
using ::testing::HasSubstr;

namespace {

// The fast passes on a pool of @p threads threads (0 = all cores) started for the call.
Tensor fast_forward(const Tensor& A, const Tensor& W, const Tensor& b, int threads) {
    nn::fast::ThreadPool pool(threads);
    return nn::fast::dense_forward(A, W, b, pool);
}

DenseGrads fast_backward(const Tensor& dZ, const Tensor& A, const Tensor& W, const Tensor& b, int threads) {
    nn::fast::ThreadPool pool(threads);
    return nn::fast::dense_backward(dZ, A, W, b, pool);
}

// This suite's default tolerance for testutil::all_close.
::testing::AssertionResult close(const Tensor& got, const Tensor& want, double tol = 1e-5) {
    return testutil::all_close(got, want, tol);
}

}  // namespace

// A = [1 2], W = [1 2 3; 4 5 6], b = [0.5 0 -1]:
// Z = [1+8, 2+10, 3+12] + b = [9.5 12 14].
// dZ = [1 0 2]: dA = dZ Wᵀ = [1+6, 4+12] = [7 16]; dW = Aᵀ dZ = [1 0 2; 2 0 4]; db = dZ.
TEST(DenseFast, HandCase) {
    const Tensor A({1, 2}, {1, 2}), W({2, 3}, {1, 2, 3, 4, 5, 6}), b({1, 3}, {0.5f, 0, -1});
    EXPECT_EQ(fast_forward(A, W, b, 1).data, (std::vector<float>{9.5f, 12, 14}));
    const DenseGrads g = fast_backward(Tensor({1, 3}, {1, 0, 2}), A, W, b, 1);
    EXPECT_EQ(g.dA_prev.data, (std::vector<float>{7, 16}));
    EXPECT_EQ(g.dW.data, (std::vector<float>{1, 0, 2, 2, 0, 4}));
    EXPECT_EQ(g.db.data, (std::vector<float>{1, 0, 2}));
}

TEST(DenseFast, MatchesReference) {
    nn::Rng rng(41);
    struct Size {
        int m, n_in, n_out;
    };
    for (const Size s : {Size{32, 400, 120}, Size{32, 120, 84}, Size{32, 84, 10}, Size{1, 1, 1}, Size{7, 65, 3},
                         Size{13, 5, 70}}) {
        const Tensor A = gradcheck::random_tensor({s.m, s.n_in}, rng);
        const Tensor W = gradcheck::random_tensor({s.n_in, s.n_out}, rng);
        const Tensor b = gradcheck::random_tensor({1, s.n_out}, rng);
        const Tensor dZ = gradcheck::random_tensor({s.m, s.n_out}, rng);
        const std::string where = "m " + std::to_string(s.m) + " n_in " + std::to_string(s.n_in) + " n_out " +
                                  std::to_string(s.n_out);
        EXPECT_TRUE(close(fast_forward(A, W, b, 2), nn::dense_forward(A, W, b), 1e-4)) << where;
        const DenseGrads want = nn::dense_backward(dZ, A, W, b);
        const DenseGrads got = fast_backward(dZ, A, W, b, 2);
        EXPECT_TRUE(close(got.dA_prev, want.dA_prev, 1e-4)) << where;
        EXPECT_TRUE(close(got.dW, want.dW, 1e-4)) << where;
        EXPECT_TRUE(close(got.db, want.db)) << where;
    }
}

TEST(DenseFast, BackwardMatchesFiniteDifferences) {
    nn::Rng rng(42);
    Tensor A = gradcheck::random_tensor({3, 7}, rng);
    Tensor W = gradcheck::random_tensor({7, 5}, rng);
    Tensor b = gradcheck::random_tensor({1, 5}, rng);
    auto f = [&] { return fast_forward(A, W, b, 2); };
    const Tensor R = gradcheck::random_tensor({3, 5}, rng);
    const DenseGrads g = fast_backward(R, A, W, b, 2);
    EXPECT_TRUE(gradcheck::check_weighted("dA_prev", A, g.dA_prev, f, R));
    EXPECT_TRUE(gradcheck::check_weighted("dW", W, g.dW, f, R));
    EXPECT_TRUE(gradcheck::check_weighted("db", b, g.db, f, R));
}

TEST(DenseFast, IdenticalForEveryThreadCount) {
    nn::Rng rng(43);
    const Tensor A = gradcheck::random_tensor({256, 400}, rng);
    const Tensor W = gradcheck::random_tensor({400, 120}, rng);
    const Tensor b = gradcheck::random_tensor({1, 120}, rng);
    const Tensor dZ = gradcheck::random_tensor({256, 120}, rng);
    const Tensor Z1 = fast_forward(A, W, b, 1);
    const DenseGrads g1 = fast_backward(dZ, A, W, b, 1);
    for (int threads : {2, 3, 0}) {
        nn::fast::ThreadPool pool(threads);
        EXPECT_TRUE(testutil::identical(nn::fast::dense_forward(A, W, b, pool), Z1)) << threads;
        const DenseGrads g = nn::fast::dense_backward(dZ, A, W, b, pool);
        EXPECT_TRUE(testutil::identical(g.dA_prev, g1.dA_prev)) << threads;
        EXPECT_TRUE(testutil::identical(g.dW, g1.dW)) << threads;
        EXPECT_TRUE(testutil::identical(g.db, g1.db)) << threads;
    }
}

TEST(DenseFast, ErrorsAreTheReferences) {
    const Tensor A({4, 3}), W({3, 2}), b({1, 2});
    struct Bad {
        Tensor A, W, b;
        const char* names;
    };
    const std::vector<Bad> bad = {
        {Tensor({4, 3, 1}), W, b, "A_prev"},
        {A, Tensor({3}), b, "W"},
        {A, Tensor({5, 2}), b, "n_in"},
        {A, W, Tensor({2}), "b"},
        {A, W, Tensor({1, 3}), "b"},
    };
    for (const Bad& x : bad) {
        const std::string want = testutil::error_message([&] { nn::dense_forward(x.A, x.W, x.b); });
        const std::string got = testutil::error_message([&] { fast_forward(x.A, x.W, x.b, 2); });
        EXPECT_THAT(got, HasSubstr("fast::dense_forward: "));
        EXPECT_THAT(got, HasSubstr(x.names));
        EXPECT_EQ(got.substr(std::string("fast::dense_forward").size()), want.substr(std::string("dense_forward").size()));
        const std::string want_b = testutil::error_message([&] { nn::dense_backward(Tensor({4, 2}), x.A, x.W, x.b); });
        const std::string got_b = testutil::error_message([&] { fast_backward(Tensor({4, 2}), x.A, x.W, x.b, 2); });
        EXPECT_EQ(got_b.substr(std::string("fast::dense_backward").size()),
                  want_b.substr(std::string("dense_backward").size()));
    }
    const std::string want = testutil::error_message([&] { nn::dense_backward(Tensor({4, 3}), A, W, b); });
    const std::string got = testutil::error_message([&] { fast_backward(Tensor({4, 3}), A, W, b, 2); });
    EXPECT_THAT(got, HasSubstr("dZ"));
    EXPECT_EQ(got.substr(std::string("fast::dense_backward").size()), want.substr(std::string("dense_backward").size()));
}

// A pool of 2 threads gives the 1-thread bits for every layer size of
// LeNet-5 and a few odd ones (db is a sum, so it starts from zero).
TEST(DenseFast, PoolOfTwoGivesOneThreadsBits) {
    nn::Rng rng(34);
    nn::fast::ThreadPool pool(2);
    struct Size {
        int m, n_in, n_out;
    };
    for (const Size s : {Size{32, 400, 120}, Size{32, 120, 84}, Size{32, 84, 10}, Size{7, 13, 5}, Size{1, 1, 1}}) {
        const Tensor A = gradcheck::random_tensor({s.m, s.n_in}, rng);
        const Tensor W = gradcheck::random_tensor({s.n_in, s.n_out}, rng);
        const Tensor b = gradcheck::random_tensor({1, s.n_out}, rng);
        const Tensor dZ = gradcheck::random_tensor({s.m, s.n_out}, rng);
        EXPECT_TRUE(testutil::identical(nn::fast::dense_forward(A, W, b, pool), fast_forward(A, W, b, 1)))
            << s.m << "x" << s.n_in;
        const DenseGrads want = fast_backward(dZ, A, W, b, 1);
        const DenseGrads g = nn::fast::dense_backward(dZ, A, W, b, pool);
        EXPECT_TRUE(testutil::identical(g.dA_prev, want.dA_prev)) << s.m << "x" << s.n_in;
        EXPECT_TRUE(testutil::identical(g.dW, want.dW)) << s.m << "x" << s.n_in;
        EXPECT_TRUE(testutil::identical(g.db, want.db)) << s.m << "x" << s.n_in;
    }
}
