// pool_forward: max and average by hand, overlapping windows, channels and
// batch kept apart, a grid against tests/reference.hpp, parse_pool_mode and
// every error.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

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

TEST(PoolForward, Max2x2Stride2) {
    // windows {1,2,5,6} {3,4,7,8} {9,10,13,14} {11,12,15,16}: the bottom-right of each
    expect_values(nn::pool_forward(ramp4x4(), Window{2, 2}, Stride{2, 2}, PoolMode::max), {1, 2, 2, 1},
                  {6, 8, 14, 16});
}

TEST(PoolForward, Avg2x2Stride2) {
    // (1+2+5+6)/4 = 3.5, (3+4+7+8)/4 = 5.5, (9+10+13+14)/4 = 11.5, (11+12+15+16)/4 = 13.5; all exact in float
    expect_values(nn::pool_forward(ramp4x4(), Window{2, 2}, Stride{2, 2}, PoolMode::avg), {1, 2, 2, 1},
                  {3.5f, 5.5f, 11.5f, 13.5f});
}

TEST(PoolForward, MaxOverlapping) {
    // 2×2 windows with stride 1 overlap: each maximum is A[h+1, w+1].
    expect_values(nn::pool_forward(ramp4x4(), Window{2, 2}, Stride{1, 1}, PoolMode::max), {1, 3, 3, 1},
                  {6, 7, 8, 10, 11, 12, 14, 15, 16});
    // 3×3 windows, stride 1: the maxima are 11, 12, 15, 16.
    expect_values(nn::pool_forward(ramp4x4(), Window{3, 3}, Stride{1, 1}, PoolMode::max), {1, 2, 2, 1},
                  {11, 12, 15, 16});
}

TEST(PoolForward, AvgOverlapping) {
    // A 3×3 window's mean on a linear ramp is its centre: A[1,1] = 6, 7, 10, 11.
    expect_values(nn::pool_forward(ramp4x4(), Window{3, 3}, Stride{1, 1}, PoolMode::avg), {1, 2, 2, 1},
                  {6, 7, 10, 11}, 1e-5f);
}

TEST(PoolForward, MaxOfNegativeValues) {
    // -A: each window's maximum is minus its smallest value, the top-left: -1, -3, -9, -11.
    Tensor A = ramp4x4();
    for (float& v : A.data) v = -v;
    expect_values(nn::pool_forward(A, Window{2, 2}, Stride{2, 2}, PoolMode::max), {1, 2, 2, 1},
                  {-1, -3, -9, -11});
}

TEST(PoolForward, ChannelsAndSamplesStayApart) {
    // m = 2, c = 2: sample 0 channel 0 is the ramp, channel 1 the negated ramp;
    // sample 1 is sample 0 plus 100.
    Tensor A({2, 4, 4, 2});
    for (int i = 0; i < 2; ++i)
        for (int h = 0; h < 4; ++h)
            for (int w = 0; w < 4; ++w) {
                const float v = static_cast<float>(4 * h + w + 1);
                A.at(i, h, w, 0) = v + 100.0f * i;
                A.at(i, h, w, 1) = -v + 100.0f * i;
            }
    Tensor Z = nn::pool_forward(A, Window{2, 2}, Stride{2, 2}, PoolMode::max);
    ASSERT_EQ(Z.shape, (nn::Shape{2, 2, 2, 2}));
    EXPECT_EQ(Z.at(0, 0, 0, 0), 6.0f);
    EXPECT_EQ(Z.at(0, 0, 0, 1), -1.0f);
    EXPECT_EQ(Z.at(0, 1, 1, 0), 16.0f);
    EXPECT_EQ(Z.at(0, 1, 1, 1), -11.0f);
    EXPECT_EQ(Z.at(1, 0, 1, 0), 108.0f);
    EXPECT_EQ(Z.at(1, 1, 0, 1), 91.0f);  // 100 - 9
}

TEST(PoolForward, NonSquareWindowAndLeftoverColumns) {
    // 1×4×5×1 with A[h,w] = 5h + w.
    // Window (2,1), stride (2,2): out ((4-2)/2+1, (5-1)/2+1) = (2,3), columns 0, 2, 4.
    // Window (1,2), stride (1,2): out (4, (5-2)/2+1) = (4,2); column 4 is in no window.
    Tensor A({1, 4, 5, 1});
    for (int h = 0; h < 4; ++h)
        for (int w = 0; w < 5; ++w) A.at(0, h, w, 0) = static_cast<float>(5 * h + w);
    // rows {0,1} and {2,3}, columns 0, 2, 4: maxima A[1,w], A[3,w] = 5,7,9, 15,17,19
    expect_values(nn::pool_forward(A, Window{2, 1}, Stride{2, 2}, PoolMode::max), {1, 2, 3, 1},
                  {5, 7, 9, 15, 17, 19});
    // pairs (0,1), (2,3) of each row; averages 0.5, 2.5, 5.5, 7.5, ...
    expect_values(nn::pool_forward(A, Window{1, 2}, Stride{1, 2}, PoolMode::avg), {1, 4, 2, 1},
                  {0.5f, 2.5f, 5.5f, 7.5f, 10.5f, 12.5f, 15.5f, 17.5f});
}

TEST(PoolForward, WindowAsLargeAsTheInput) {
    expect_values(nn::pool_forward(ramp4x4(), Window{4, 4}, Stride{1, 1}, PoolMode::max), {1, 1, 1, 1}, {16});
    expect_values(nn::pool_forward(ramp4x4(), Window{4, 4}, Stride{3, 3}, PoolMode::avg), {1, 1, 1, 1}, {8.5f});
}

TEST(PoolForward, DefaultsAreMaxAndStrideOne) {
    expect_values(nn::pool_forward(ramp4x4(), Window{3, 3}), {1, 2, 2, 1}, {11, 12, 15, 16});
}

TEST(PoolForward, MatchesReferenceOnAGrid) {
    const Tensor A = testutil::seeded_uniform({2, 7, 6, 3}, 11);
    for (PoolMode mode : {PoolMode::max, PoolMode::avg})
        for (int kh = 1; kh <= 3; ++kh)
            for (int kw = 1; kw <= 3; ++kw)
                for (int sh = 1; sh <= 3; ++sh)
                    for (int sw : {1, 2, 3}) {
                        SCOPED_TRACE("window (" + std::to_string(kh) + "," + std::to_string(kw) + ") stride (" +
                                     std::to_string(sh) + "," + std::to_string(sw) + ") " +
                                     (mode == PoolMode::max ? "max" : "avg"));
                        Tensor Z = nn::pool_forward(A, Window{kh, kw}, Stride{sh, sw}, mode);
                        Tensor R = ref::pool(A, Window{kh, kw}, Stride{sh, sw}, mode == PoolMode::max);
                        ASSERT_EQ(Z.shape, R.shape);
                        for (std::size_t j = 0; j < Z.size(); ++j) ASSERT_NEAR(Z.data[j], R.data[j], 1e-6);
                    }
}

TEST(ParsePoolMode, Names) {
    EXPECT_EQ(nn::parse_pool_mode("max"), PoolMode::max);
    EXPECT_EQ(nn::parse_pool_mode("avg"), PoolMode::avg);
}

TEST(ParsePoolMode, UnknownNamesTheFunctionAndText) {
    for (const char* bad : {"mean", "MAX", "", "average", "max "})
        EXPECT_THAT(error_message([&] { nn::parse_pool_mode(bad, "pool_forward"); }),
                    AllOf(HasSubstr("pool_forward: "), HasSubstr("unknown mode '" + std::string(bad) + "'"),
                          HasSubstr("max or avg")));
    EXPECT_THAT(error_message([] { nn::parse_pool_mode("min"); }), HasSubstr("PoolMode: unknown mode 'min'"));
}

TEST(PoolForwardErrors, RankOfAPrev) {
    EXPECT_THAT(error_message([] { nn::pool_forward(Tensor({4, 4, 1}), Window{2, 2}); }),
                AllOf(HasSubstr("pool_forward: "), HasSubstr("A_prev must have rank 4"), HasSubstr("(4,4,1)")));
}

TEST(PoolForwardErrors, WindowNotPositive) {
    EXPECT_THAT(error_message([] { nn::pool_forward(ramp4x4(), Window{0, 2}); }),
                AllOf(HasSubstr("pool_forward: "), HasSubstr("kernel must be positive"), HasSubstr("(0,2)")));
    EXPECT_THAT(error_message([] { nn::pool_forward(ramp4x4(), Window{2, -1}); }), HasSubstr("(2,-1)"));
}

TEST(PoolForwardErrors, WindowLargerThanInput) {
    EXPECT_THAT(error_message([] { nn::pool_forward(ramp4x4(), Window{5, 2}); }),
                AllOf(HasSubstr("pool_forward: "), HasSubstr("kernel (5,2) is larger than"),
                      HasSubstr("A_prev (1,4,4,1)")));
}

TEST(PoolForwardErrors, StrideNotPositive) {
    EXPECT_THAT(error_message([] { nn::pool_forward(ramp4x4(), Window{2, 2}, Stride{0, 1}); }),
                AllOf(HasSubstr("pool_forward: "), HasSubstr("stride must be positive"), HasSubstr("(0,1)")));
    EXPECT_THAT(error_message([] { nn::pool_forward(ramp4x4(), Window{2, 2}, Stride{2, -2}); }), HasSubstr("(2,-2)"));
}

TEST(PoolForwardErrors, ModeOutOfRange) {
    EXPECT_THAT(error_message([] {
                    nn::pool_forward(ramp4x4(), Window{2, 2}, Stride{1, 1}, static_cast<PoolMode>(7));
                }),
                AllOf(HasSubstr("pool_forward: "), HasSubstr("mode")));
}
