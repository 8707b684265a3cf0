// dense_forward_fast and dense_backward_fast: a hand case, the reference's
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
#include "nn/rng.hpp"
#include "tests/gradcheck.hpp"
#include "tests/test_util.hpp"

using nn::DenseGrads;
using nn::Tensor;
using ::testing::HasSubstr;

namespace {

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
    EXPECT_EQ(nn::dense_forward_fast(A, W, b, 1).data, (std::vector<float>{9.5f, 12, 14}));
    const DenseGrads g = nn::dense_backward_fast(Tensor({1, 3}, {1, 0, 2}), A, W, b, 1);
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
        EXPECT_TRUE(close(nn::dense_forward_fast(A, W, b, 2), nn::dense_forward(A, W, b), 1e-4)) << where;
        const DenseGrads want = nn::dense_backward(dZ, A, W, b);
        const DenseGrads got = nn::dense_backward_fast(dZ, A, W, b, 2);
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
    auto f = [&] { return nn::dense_forward_fast(A, W, b, 2); };
    const Tensor R = gradcheck::random_tensor({3, 5}, rng);
    const DenseGrads g = nn::dense_backward_fast(R, A, W, b, 2);
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
    const Tensor Z1 = nn::dense_forward_fast(A, W, b, 1);
    const DenseGrads g1 = nn::dense_backward_fast(dZ, A, W, b, 1);
    for (int threads : {2, 3, 0}) {
        EXPECT_TRUE(testutil::identical(nn::dense_forward_fast(A, W, b, threads), Z1)) << threads;
        const DenseGrads g = nn::dense_backward_fast(dZ, A, W, b, threads);
        EXPECT_TRUE(testutil::identical(g.dA_prev, g1.dA_prev)) << threads;
        EXPECT_TRUE(testutil::identical(g.dW, g1.dW)) << threads;
        EXPECT_TRUE(testutil::identical(g.db, g1.db)) << threads;
        nn::ThreadPool pool(threads);
        EXPECT_TRUE(testutil::identical(nn::dense_forward_fast(A, W, b, pool), Z1)) << threads << " pooled";
        const DenseGrads gp = nn::dense_backward_fast(dZ, A, W, b, pool);
        EXPECT_TRUE(testutil::identical(gp.dA_prev, g1.dA_prev)) << threads << " pooled";
        EXPECT_TRUE(testutil::identical(gp.dW, g1.dW)) << threads << " pooled";
        EXPECT_TRUE(testutil::identical(gp.db, g1.db)) << threads << " pooled";
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
        const std::string got = testutil::error_message([&] { nn::dense_forward_fast(x.A, x.W, x.b, 2); });
        EXPECT_THAT(got, HasSubstr("dense_forward_fast: "));
        EXPECT_THAT(got, HasSubstr(x.names));
        EXPECT_EQ(got.substr(std::string("dense_forward_fast").size()), want.substr(std::string("dense_forward").size()));
        const std::string want_b = testutil::error_message([&] { nn::dense_backward(Tensor({4, 2}), x.A, x.W, x.b); });
        const std::string got_b = testutil::error_message([&] { nn::dense_backward_fast(Tensor({4, 2}), x.A, x.W, x.b, 2); });
        EXPECT_EQ(got_b.substr(std::string("dense_backward_fast").size()),
                  want_b.substr(std::string("dense_backward").size()));
    }
    const std::string want = testutil::error_message([&] { nn::dense_backward(Tensor({4, 3}), A, W, b); });
    const std::string got = testutil::error_message([&] { nn::dense_backward_fast(Tensor({4, 3}), A, W, b, 2); });
    EXPECT_THAT(got, HasSubstr("dZ"));
    EXPECT_EQ(got.substr(std::string("dense_backward_fast").size()), want.substr(std::string("dense_backward").size()));
}

// The into-forms, as a training loop uses them: one Z and one DenseGrads for
// every size in turn, starting from stale values (NaN before the first).
// db is a sum, so a stale start would show there first.
TEST(DenseFastInto, OverwritesStaleOutputs) {
    nn::Rng rng(34);
    nn::ThreadPool pool(2);
    Tensor Z({9, 9}, NAN);
    DenseGrads g{Tensor({400}, NAN), Tensor({3, 3}, NAN), Tensor({1, 200}, NAN)};
    struct Size {
        int m, n_in, n_out;
    };
    for (const Size s : {Size{32, 400, 120}, Size{32, 120, 84}, Size{32, 84, 10}, Size{7, 13, 5}, Size{1, 1, 1}}) {
        const Tensor A = gradcheck::random_tensor({s.m, s.n_in}, rng);
        const Tensor W = gradcheck::random_tensor({s.n_in, s.n_out}, rng);
        const Tensor b = gradcheck::random_tensor({1, s.n_out}, rng);
        const Tensor dZ = gradcheck::random_tensor({s.m, s.n_out}, rng);
        nn::dense_forward_fast(A, W, b, pool, Z);
        EXPECT_TRUE(testutil::identical(Z, nn::dense_forward_fast(A, W, b, 1))) << s.m << "x" << s.n_in;
        const DenseGrads want = nn::dense_backward_fast(dZ, A, W, b, 1);
        nn::dense_backward_fast(dZ, A, W, b, pool, g);
        EXPECT_TRUE(testutil::identical(g.dA_prev, want.dA_prev)) << s.m << "x" << s.n_in;
        EXPECT_TRUE(testutil::identical(g.dW, want.dW)) << s.m << "x" << s.n_in;
        EXPECT_TRUE(testutil::identical(g.db, want.db)) << s.m << "x" << s.n_in;
    }
}

TEST(DenseFastInto, RefusesAnOutputThatIsAnInput) {
    nn::ThreadPool pool(1);
    Tensor A({2, 3}, 1.0f), W({3, 3}, 1.0f), b({1, 3});
    EXPECT_TRUE(testutil::throws_with([&] { nn::dense_forward_fast(A, W, b, pool, A); },
                                      {"dense_forward_fast", "Z", "inputs"}));
    DenseGrads g;
    g.dW = W;  // e.g. last step's dW handed in as the weights
    EXPECT_TRUE(testutil::throws_with([&] { nn::dense_backward_fast(A, A, g.dW, b, pool, g); },
                                      {"dense_backward_fast", "grads", "inputs"}));
}
