// pool_backward: routing by hand for max and avg, overlapping windows that
// accumulate, ties going to the first maximum, finite differences on tie-free
// inputs, a tie-heavy grid against tests/reference.hpp, and every error.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "nn/pool_backward.hpp"
#include "nn/pool_forward.hpp"
#include "nn/rng.hpp"
#include "tests/gradcheck.hpp"
#include "tests/reference.hpp"
#include "tests/test_util.hpp"

using nn::PoolMode;
using nn::Stride;
using nn::Tensor;
using nn::Window;
using ::testing::AllOf;
using ::testing::HasSubstr;
using testutil::error_message;
using testutil::expect_values;
using testutil::ramp4x4;

TEST(PoolBackward, MaxRoutesToTheMaximum) {
    // 2×2 windows, stride 2: the maxima 6, 8, 14, 16 sit at (1,1), (1,3), (3,1), (3,3).
    Tensor dA({1, 2, 2, 1}, {1, 2, 3, 4});
    expect_values(nn::pool_backward(dA, ramp4x4(), Window{2, 2}, Stride{2, 2}, PoolMode::max), {1, 4, 4, 1},
                  {0, 0, 0, 0,  //
                   0, 1, 0, 2,  //
                   0, 0, 0, 0,  //
                   0, 3, 0, 4});
}

TEST(PoolBackward, AvgSpreadsEvenly) {
    // Each window's dA / 4 goes to its four cells: 1/4, 2/4, 3/4, 4/4 (exact in float).
    Tensor dA({1, 2, 2, 1}, {1, 2, 3, 4});
    expect_values(nn::pool_backward(dA, ramp4x4(), Window{2, 2}, Stride{2, 2}, PoolMode::avg), {1, 4, 4, 1},
                  {0.25f, 0.25f, 0.5f, 0.5f,  //
                   0.25f, 0.25f, 0.5f, 0.5f,  //
                   0.75f, 0.75f, 1.0f, 1.0f,  //
                   0.75f, 0.75f, 1.0f, 1.0f});
}

TEST(PoolBackward, MaxOverlapAccumulates) {
    // 3×3 input whose centre 9 is the largest; the four 2×2 windows (stride 1)
    // all hold it, so the centre collects 1 + 2 + 3 + 4 = 10.
    Tensor A({1, 3, 3, 1}, {1, 2, 3,  //
                            4, 9, 5,  //
                            6, 7, 8});
    Tensor dA({1, 2, 2, 1}, {1, 2, 3, 4});
    expect_values(nn::pool_backward(dA, A, Window{2, 2}, Stride{1, 1}, PoolMode::max), {1, 3, 3, 1},
                  {0, 0, 0, 0, 10, 0, 0, 0, 0});
}

TEST(PoolBackward, MaxOverlapSplitsBetweenWindows) {
    // 1×1×4×1 row [1, 5, 2, 6]; windows (1,2) with stride (1,1): {1,5} {5,2} {2,6}.
    // 5 is the max of the first two windows, 6 of the third: dA_prev = [0, 1+2, 0, 4].
    Tensor A({1, 1, 4, 1}, {1, 5, 2, 6});
    Tensor dA({1, 1, 3, 1}, {1, 2, 4});
    expect_values(nn::pool_backward(dA, A, Window{1, 2}, Stride{1, 1}, PoolMode::max), {1, 1, 4, 1}, {0, 3, 0, 4});
}

TEST(PoolBackward, AvgOverlapAccumulates) {
    // 3×3 input, 2×2 windows, stride 1, dA = 1 everywhere: each cell gets 1/4 per
    // window covering it: corners 1, edges 2, centre 4 windows.
    Tensor A({1, 3, 3, 1}, 0.0f);
    Tensor dA({1, 2, 2, 1}, 1.0f);
    expect_values(nn::pool_backward(dA, A, Window{2, 2}, Stride{1, 1}, PoolMode::avg), {1, 3, 3, 1},
                  {0.25f, 0.5f, 0.25f,  //
                   0.5f, 1.0f, 0.5f,    //
                   0.25f, 0.5f, 0.25f});
}

TEST(PoolBackward, TiesGoToTheFirstMaximumInRowMajorOrder) {
    // One 2×2 window per case, channel by channel (c = 4), dA = 1, 2, 3, 4:
    //   channel 0: [[5,5],[5,5]] → all equal: (0,0)
    //   channel 1: [[1,7],[7,3]] → 7 at (0,1) and (1,0): (0,1) comes first
    //   channel 2: [[2,1],[9,9]] → 9 at (1,0) and (1,1): (1,0)
    //   channel 3: [[7,2],[7,7]] → the first cell is already a maximum: (0,0)
    Tensor A({1, 2, 2, 4});
    const float cells[4][4] = {{5, 5, 5, 5}, {1, 7, 7, 3}, {2, 1, 9, 9}, {7, 2, 7, 7}};  // [channel][p*2+q]
    for (int c = 0; c < 4; ++c)
        for (int j = 0; j < 4; ++j) A.at(0, j / 2, j % 2, c) = cells[c][j];
    Tensor dA({1, 1, 1, 4}, {1, 2, 3, 4});
    Tensor dA_prev = nn::pool_backward(dA, A, Window{2, 2}, Stride{1, 1}, PoolMode::max);
    ASSERT_EQ(dA_prev.shape, A.shape);
    const float want[4][4] = {{1, 0, 0, 0}, {0, 2, 0, 0}, {0, 0, 3, 0}, {4, 0, 0, 0}};
    for (int c = 0; c < 4; ++c)
        for (int j = 0; j < 4; ++j)
            EXPECT_EQ(dA_prev.at(0, j / 2, j % 2, c), want[c][j]) << "channel " << c << " cell " << j;
}

TEST(PoolBackward, TiesMatchTheReferenceOnAGrid) {
    // Values in {0, 1, 2}: nearly every window has ties. The reference picks the
    // first maximum its own way (scanning its im2col row).
    nn::Rng rng(5);
    Tensor A({2, 6, 5, 2});
    for (float& v : A.data) v = static_cast<float>(rng.below(3));
    for (PoolMode mode : {PoolMode::max, PoolMode::avg})
        for (Window k : {Window{2, 2}, Window{3, 3}, Window{2, 3}, Window{1, 1}})
            for (Stride s : {Stride{1, 1}, Stride{2, 2}, Stride{1, 2}, Stride{3, 3}}) {
                SCOPED_TRACE("window (" + std::to_string(k.kh) + "," + std::to_string(k.kw) + ") stride (" +
                             std::to_string(s.sh) + "," + std::to_string(s.sw) + ") " +
                             (mode == PoolMode::max ? "max" : "avg"));
                Tensor Z = nn::pool_forward(A, k, s, mode);
                Tensor dA = gradcheck::random_tensor(Z.shape, rng);
                Tensor got = nn::pool_backward(dA, A, k, s, mode);
                Tensor want = ref::pool_backward(dA, A, k, s, mode == PoolMode::max);
                ASSERT_EQ(got.shape, want.shape);
                for (std::size_t j = 0; j < got.size(); ++j) ASSERT_NEAR(got.data[j], want.data[j], 1e-5);
            }
}

// Exhaustive finite differences. Inputs come from a shuffled ladder with step
// 0.05 > 2 eps, so no perturbation creates or crosses a tie; max pooling is
// then linear around each input and the check is exact up to rounding.
TEST(PoolBackward, FiniteDifferences) {
    struct Case {
        Window k;
        Stride s;
    };
    const Case cases[] = {
        {{2, 2}, {2, 2}},  // tiling
        {{2, 2}, {1, 1}},  // overlap
        {{3, 3}, {2, 2}},  // overlap, odd window
        {{3, 3}, {1, 1}},  // heavy overlap
        {{2, 3}, {1, 2}},  // non-square, overlap in columns only
        {{3, 2}, {3, 1}},  // gaps between row windows
    };
    nn::Rng rng(2024);
    for (PoolMode mode : {PoolMode::max, PoolMode::avg})
        for (const Case& cs : cases) {
            SCOPED_TRACE("window (" + std::to_string(cs.k.kh) + "," + std::to_string(cs.k.kw) + ") stride (" +
                         std::to_string(cs.s.sh) + "," + std::to_string(cs.s.sw) + ") " +
                         (mode == PoolMode::max ? "max" : "avg"));
            Tensor A = gradcheck::distinct_tensor({2, 6, 5, 3}, rng, 0.05);
            auto forward = [&] { return nn::pool_forward(A, cs.k, cs.s, mode); };
            Tensor R = gradcheck::random_tensor(forward().shape, rng);
            Tensor dA_prev = nn::pool_backward(R, A, cs.k, cs.s, mode);
            EXPECT_TRUE(gradcheck::check_weighted("dA_prev", A, dA_prev, forward, R));
        }
}

TEST(PoolBackward, GradientCheckCatchesAWrongRoute) {
    // The checker must be able to fail: send max pooling's gradient to the last
    // cell of each window instead of the maximum.
    nn::Rng rng(3);
    Tensor A = gradcheck::distinct_tensor({1, 4, 4, 1}, rng, 0.05);
    auto forward = [&] { return nn::pool_forward(A, Window{2, 2}, Stride{2, 2}, PoolMode::max); };
    Tensor R = gradcheck::random_tensor({1, 2, 2, 1}, rng, 0.5, 1.0);
    Tensor wrong(A.shape);
    for (int h = 0; h < 2; ++h)
        for (int w = 0; w < 2; ++w) wrong.at(0, 2 * h + 1, 2 * w + 1, 0) = R.at(0, h, w, 0);
    Tensor right = nn::pool_backward(R, A, Window{2, 2}, Stride{2, 2}, PoolMode::max);
    if (right.data == wrong.data) GTEST_SKIP() << "the shuffle put every maximum bottom-right";
    EXPECT_FALSE(gradcheck::check_weighted("dA_prev", A, wrong, forward, R));
}

TEST(PoolBackward, DefaultsAreMaxAndStrideOne) {
    Tensor dA({1, 2, 2, 1}, {1, 2, 3, 4});
    Tensor a = nn::pool_backward(dA, ramp4x4(), Window{3, 3});
    Tensor b = nn::pool_backward(dA, ramp4x4(), Window{3, 3}, Stride{1, 1}, PoolMode::max);
    EXPECT_EQ(a.data, b.data);
    EXPECT_EQ(a.at(0, 3, 3, 0), 4.0f);  // 16 is the max of the last window only
}

TEST(PoolBackwardErrors, DAShapeNamesBothShapes) {
    Tensor dA({1, 3, 3, 1});  // forward with 2×2 / stride 2 gives (1,2,2,1)
    EXPECT_THAT(error_message([&] { nn::pool_backward(dA, ramp4x4(), Window{2, 2}, Stride{2, 2}); }),
                AllOf(HasSubstr("pool_backward: "), HasSubstr("dA has shape (1,3,3,1)"),
                      HasSubstr("forward output is (1,2,2,1)"), HasSubstr("A_prev (1,4,4,1)")));
    EXPECT_THAT(error_message([&] { nn::pool_backward(Tensor({4}), ramp4x4(), Window{2, 2}, Stride{2, 2}); }),
                AllOf(HasSubstr("dA has shape (4)"), HasSubstr("(1,2,2,1)")));
    // channels differ
    EXPECT_THAT(error_message([&] { nn::pool_backward(Tensor({1, 2, 2, 3}), ramp4x4(), Window{2, 2}, Stride{2, 2}); }),
                HasSubstr("dA has shape (1,2,2,3)"));
}

TEST(PoolBackwardErrors, ForwardErrorsNamePoolBackward) {
    Tensor dA({1, 2, 2, 1});
    EXPECT_THAT(error_message([&] { nn::pool_backward(dA, Tensor({4, 4, 1}), Window{2, 2}); }),
                AllOf(HasSubstr("pool_backward: "), HasSubstr("A_prev must have rank 4")));
    EXPECT_THAT(error_message([&] { nn::pool_backward(dA, ramp4x4(), Window{0, 2}); }),
                AllOf(HasSubstr("pool_backward: "), HasSubstr("kernel must be positive")));
    EXPECT_THAT(error_message([&] { nn::pool_backward(dA, ramp4x4(), Window{5, 5}); }),
                AllOf(HasSubstr("pool_backward: "), HasSubstr("larger than")));
    EXPECT_THAT(error_message([&] { nn::pool_backward(dA, ramp4x4(), Window{2, 2}, Stride{0, 0}); }),
                AllOf(HasSubstr("pool_backward: "), HasSubstr("stride must be positive")));
    EXPECT_THAT(error_message([&] {
                    nn::pool_backward(dA, ramp4x4(), Window{2, 2}, Stride{2, 2}, static_cast<PoolMode>(-1));
                }),
                AllOf(HasSubstr("pool_backward: "), HasSubstr("mode")));
}
