// nn::fast::pool_forward and pool_backward: hand cases (ties go to the first
// maximum), the reference passes' numbers on a grid of shapes, windows,
// strides (overlapping ones too), channel counts around a vector's width and
// both modes, finite differences, identical results for every thread count,
// and the reference's errors under the fast names.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "nn/pool_backward.hpp"
#include "nn/fast/pool.hpp"
#include "nn/fast/thread_pool.hpp"
#include "nn/pool_forward.hpp"
#include "nn/rng.hpp"
#include "tests/gradcheck.hpp"
#include "tests/test_util.hpp"

using nn::PoolMode;
using nn::Stride;
using nn::Tensor;
using nn::Window;
using ::testing::HasSubstr;

namespace {

// The fast passes on a pool of @p threads threads (0 = all cores) started for the call.
Tensor fast_forward(const Tensor& A, Window k, Stride s, PoolMode mode, int threads) {
    nn::fast::ThreadPool pool(threads);
    return nn::fast::pool_forward(A, k, s, mode, pool);
}

Tensor fast_backward(const Tensor& dA, const Tensor& A, Window k, Stride s, PoolMode mode, int threads) {
    nn::fast::ThreadPool pool(threads);
    return nn::fast::pool_backward(dA, A, k, s, mode, pool);
}

// This suite's default tolerance for testutil::all_close.
::testing::AssertionResult close(const Tensor& got, const Tensor& want, double tol = 1e-5) {
    return testutil::all_close(got, want, tol);
}

// Values from a small set, so that windows hold ties (as after a relu).
Tensor tied_tensor(const nn::Shape& shape, nn::Rng& rng) {
    Tensor t(shape);
    for (float& v : t.data) v = static_cast<float>(rng.below(4)) - 1.0f;
    return t;
}

}  // namespace

// A (1,2,4,1) = [1 3 | 3 0] / [2 3 | 0 3], 2x2 windows, stride 2.
// Left window: max 3, first at row 0 col 1 (the 3 at row 1 col 1 is a later tie).
// Right window: max 3, first at row 0 col 2. avg: (1+3+2+3)/4 = 2.25, (3+0+0+3)/4 = 1.5.
TEST(PoolFast, HandCaseFirstMaximum) {
    const Tensor A({1, 2, 4, 1}, {1, 3, 3, 0, 2, 3, 0, 3});
    EXPECT_EQ(fast_forward(A, {2, 2}, {2, 2}, PoolMode::max, 1).data, (std::vector<float>{3, 3}));
    EXPECT_EQ(fast_forward(A, {2, 2}, {2, 2}, PoolMode::avg, 1).data, (std::vector<float>{2.25f, 1.5f}));
    const Tensor dA({1, 1, 2, 1}, {10, 20});
    EXPECT_EQ(fast_backward(dA, A, {2, 2}, {2, 2}, PoolMode::max, 1).data,
              (std::vector<float>{0, 10, 20, 0, 0, 0, 0, 0}));
    // avg spreads 10/4 = 2.5 and 20/4 = 5 over each window's four cells.
    EXPECT_EQ(fast_backward(dA, A, {2, 2}, {2, 2}, PoolMode::avg, 1).data,
              (std::vector<float>{2.5f, 2.5f, 5, 5, 2.5f, 2.5f, 5, 5}));
}

// Overlapping windows add up: A (1,1,3,1) = [1 5 2], window 1x2, stride 1:
// both windows' maximum is the 5 in the middle, which receives 1 + 2 = 3.
TEST(PoolFast, OverlappingWindowsAccumulate) {
    const Tensor A({1, 1, 3, 1}, {1, 5, 2});
    const Tensor dA({1, 1, 2, 1}, {1, 2});
    EXPECT_EQ(fast_backward(dA, A, {1, 2}, {1, 1}, PoolMode::max, 1).data, (std::vector<float>{0, 3, 0}));
}

TEST(PoolFast, MatchesReferenceOnGrid) {
    nn::Rng rng(21);
    const std::vector<nn::Shape> inputs = {{2, 6, 6, 1}, {1, 7, 5, 6}, {3, 4, 8, 16}, {1, 5, 5, 17}, {2, 3, 9, 33}};
    const std::vector<Window> windows = {{1, 1}, {2, 2}, {3, 3}, {2, 3}, {3, 1}};
    const std::vector<Stride> strides = {{1, 1}, {2, 2}, {3, 2}, {1, 2}, {3, 3}};
    for (const auto& shape : inputs)
        for (const Window k : windows)
            for (const Stride s : strides)
                for (const PoolMode mode : {PoolMode::max, PoolMode::avg}) {
                    if (shape[1] < k.kh || shape[2] < k.kw) continue;
                    const Tensor A = tied_tensor(shape, rng);
                    const Tensor Z = nn::pool_forward(A, k, s, mode);
                    const Tensor dA = gradcheck::random_tensor(Z.shape, rng);
                    const std::string where = nn::shape_str(shape) + " k (" + std::to_string(k.kh) + "," +
                                              std::to_string(k.kw) + ") s (" + std::to_string(s.sh) + "," +
                                              std::to_string(s.sw) + ") " + (mode == PoolMode::max ? "max" : "avg");
                    EXPECT_TRUE(close(fast_forward(A, k, s, mode, 2), Z)) << where;
                    EXPECT_TRUE(close(fast_backward(dA, A, k, s, mode, 2), nn::pool_backward(dA, A, k, s, mode)))
                        << where;
                }
}

// LeNet's window (max, 2x2, stride 2) has its own kernels, which work on
// rows of cells with several channels' cells in one vector: the reference's
// bits, with ties, NaNs, odd extents (a column and a row that no window
// covers stay zero) and channel counts below, at and above a vector's lanes.
TEST(PoolFast, LenetWindowByRowsIsTheReferenceBitForBit) {
    nn::Rng rng(29);
    const std::vector<nn::Shape> inputs = {{32, 28, 28, 6}, {32, 10, 10, 16}, {3, 7, 9, 1}, {2, 5, 5, 5},
                                           {2, 4, 6, 17}, {1, 6, 3, 33}, {2, 2, 2, 40}};
    for (const auto& shape : inputs) {
        Tensor A = tied_tensor(shape, rng);
        for (std::size_t j = 7; j < A.size(); j += 97) A.data[j] = std::nanf("");  // NaN loses every comparison
        const Tensor dA = gradcheck::random_tensor(nn::pool_forward(A, {2, 2}, {2, 2}, PoolMode::max).shape, rng);
        const Tensor want_Z = nn::pool_forward(A, {2, 2}, {2, 2}, PoolMode::max);
        const Tensor want = nn::pool_backward(dA, A, {2, 2}, {2, 2}, PoolMode::max);
        for (int threads : {1, 2}) {
            EXPECT_TRUE(testutil::identical(fast_forward(A, {2, 2}, {2, 2}, PoolMode::max, threads), want_Z))
                << nn::shape_str(shape) << " on " << threads << " threads";
            EXPECT_TRUE(testutil::identical(fast_backward(dA, A, {2, 2}, {2, 2}, PoolMode::max, threads), want))
                << nn::shape_str(shape) << " on " << threads << " threads";
        }
    }
}

// Central differences on tie-free inputs (values at least 0.1 apart, steps of
// 0.01): non-overlapping and overlapping windows, both modes.
TEST(PoolFast, BackwardMatchesFiniteDifferences) {
    nn::Rng rng(22);
    for (const Stride s : {Stride{2, 2}, Stride{1, 1}})
        for (const PoolMode mode : {PoolMode::max, PoolMode::avg}) {
            Tensor A = gradcheck::distinct_tensor({2, 5, 5, 3}, rng, 0.1);
            auto f = [&] { return fast_forward(A, {2, 2}, s, mode, 2); };
            const Tensor R = gradcheck::random_tensor(f().shape, rng);
            const Tensor dA_prev = fast_backward(R, A, {2, 2}, s, mode, 2);
            EXPECT_TRUE(gradcheck::check_weighted(std::string("dA_prev ") + (mode == PoolMode::max ? "max" : "avg") +
                                                      " stride " + std::to_string(s.sh),
                                                  A, dA_prev, f, R));
        }
}

// Overlapping 3x3 windows on 40 samples: enough work for every thread asked
// for (the passes start fewer threads for small work).
TEST(PoolFast, IdenticalForEveryThreadCount) {
    nn::Rng rng(23);
    const Tensor A = tied_tensor({40, 28, 28, 6}, rng);
    const Tensor dA = gradcheck::random_tensor({40, 26, 26, 6}, rng);
    for (const PoolMode mode : {PoolMode::max, PoolMode::avg}) {
        const Tensor Z1 = fast_forward(A, {3, 3}, {1, 1}, mode, 1);
        const Tensor g1 = fast_backward(dA, A, {3, 3}, {1, 1}, mode, 1);
        for (int threads : {2, 3, 0}) {
            nn::fast::ThreadPool pool(threads);
            EXPECT_TRUE(testutil::identical(nn::fast::pool_forward(A, {3, 3}, {1, 1}, mode, pool), Z1)) << threads;
            EXPECT_TRUE(testutil::identical(nn::fast::pool_backward(dA, A, {3, 3}, {1, 1}, mode, pool), g1)) << threads;
        }
    }
}

TEST(PoolFast, EmptyBatch) {
    const Tensor A({0, 4, 4, 3});
    EXPECT_EQ(fast_forward(A, {2, 2}, {2, 2}, PoolMode::max, 2).shape, (nn::Shape{0, 2, 2, 3}));
    EXPECT_EQ(fast_backward(Tensor({0, 2, 2, 3}), A, {2, 2}, {2, 2}, PoolMode::max, 2).shape, A.shape);
}

TEST(PoolFast, ErrorsAreTheReferences) {
    const Tensor A({2, 4, 4, 3});
    struct Bad {
        Tensor A;
        Window k;
        Stride s;
        PoolMode mode;
        const char* names;
    };
    const std::vector<Bad> bad = {
        {Tensor({4, 4, 3}), {2, 2}, {2, 2}, PoolMode::max, "A_prev"},
        {A, {0, 2}, {2, 2}, PoolMode::max, "kernel"},
        {A, {2, 2}, {2, -1}, PoolMode::avg, "stride"},
        {A, {5, 2}, {1, 1}, PoolMode::max, "kernel"},
        {A, {2, 2}, {2, 2}, static_cast<PoolMode>(7), "mode"},
    };
    for (const Bad& x : bad) {
        const std::string want = testutil::error_message([&] { nn::pool_forward(x.A, x.k, x.s, x.mode); });
        const std::string got = testutil::error_message([&] { fast_forward(x.A, x.k, x.s, x.mode, 2); });
        EXPECT_THAT(got, HasSubstr("fast::pool_forward: "));
        EXPECT_THAT(got, HasSubstr(x.names));
        EXPECT_EQ(got.substr(std::string("fast::pool_forward").size()), want.substr(std::string("pool_forward").size()));
        const Tensor dA({2, 2, 2, 3});
        const std::string want_b = testutil::error_message([&] { nn::pool_backward(dA, x.A, x.k, x.s, x.mode); });
        const std::string got_b = testutil::error_message([&] { fast_backward(dA, x.A, x.k, x.s, x.mode, 2); });
        EXPECT_THAT(got_b, HasSubstr("fast::pool_backward: "));
        EXPECT_EQ(got_b.substr(std::string("fast::pool_backward").size()),
                  want_b.substr(std::string("pool_backward").size()));
    }
    const std::string want = testutil::error_message([&] { nn::pool_backward(Tensor({2, 3, 2, 3}), A, {2, 2}, {2, 2}, PoolMode::max); });
    const std::string got =
        testutil::error_message([&] { fast_backward(Tensor({2, 3, 2, 3}), A, {2, 2}, {2, 2}, PoolMode::max, 2); });
    EXPECT_THAT(got, HasSubstr("dA"));
    EXPECT_THAT(got, HasSubstr("(2,3,2,3)"));
    EXPECT_EQ(got.substr(std::string("fast::pool_backward").size()), want.substr(std::string("pool_backward").size()));
}

// A pool of 2 threads gives the 1-thread bits on a grid of shapes, windows
// and strides: cells no window covers, and windows that overlap, show that
// each sample's dA_prev starts from zero.
TEST(PoolFast, PoolOfTwoGivesOneThreadsBitsOnGrid) {
    nn::Rng rng(24);
    nn::fast::ThreadPool pool(2);
    const std::vector<nn::Shape> inputs = {{2, 6, 6, 1}, {1, 7, 5, 6}, {3, 4, 8, 16}, {1, 5, 5, 17}, {2, 3, 9, 33}};
    const std::vector<Window> windows = {{1, 1}, {2, 2}, {3, 3}, {2, 3}};
    const std::vector<Stride> strides = {{1, 1}, {2, 2}, {3, 2}};
    for (const auto& shape : inputs)
        for (const Window k : windows)
            for (const Stride s : strides)
                for (const PoolMode mode : {PoolMode::max, PoolMode::avg}) {
                    if (shape[1] < k.kh || shape[2] < k.kw) continue;
                    const Tensor A = tied_tensor(shape, rng);
                    const Tensor want_Z = fast_forward(A, k, s, mode, 1);
                    const Tensor dA = gradcheck::random_tensor(want_Z.shape, rng);
                    const std::string where = nn::shape_str(shape) + " k (" + std::to_string(k.kh) + "," +
                                              std::to_string(k.kw) + ") s (" + std::to_string(s.sh) + "," +
                                              std::to_string(s.sw) + ")";
                    EXPECT_TRUE(testutil::identical(nn::fast::pool_forward(A, k, s, mode, pool), want_Z)) << where;
                    EXPECT_TRUE(testutil::identical(nn::fast::pool_backward(dA, A, k, s, mode, pool),
                                                    fast_backward(dA, A, k, s, mode, 1)))
                        << where;
                }
}
