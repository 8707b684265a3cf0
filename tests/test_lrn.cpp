// Tests for nn/lrn: hand-computed values, the window at the channel edges,
// an exhaustive central-difference check of lrn_backward, and bad arguments.
#include "nn/lrn.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "nn/rng.hpp"

using nn::LrnConfig;
using nn::Tensor;
using ::testing::HasSubstr;

namespace {

Tensor random_tensor(const nn::Shape& shape, nn::Rng& rng, double lo, double hi) {
    Tensor t(shape);
    for (float& v : t.data) v = static_cast<float>(lo + (hi - lo) * rng.uniform());
    return t;
}

// sum(R * lrn_forward(A_prev)) in double: the objective whose gradient with
// respect to A_prev is lrn_backward(R, A_prev).
double objective(const Tensor& R, const Tensor& A_prev, const LrnConfig& config) {
    Tensor A = nn::lrn_forward(A_prev, config);
    double sum = 0.0;
    for (std::size_t i = 0; i < A.size(); ++i) sum += static_cast<double>(R.data[i]) * A.data[i];
    return sum;
}

// Perturbs every element of A_prev by +-eps and compares the central
// difference with lrn_backward; returns the number of elements that differ
// by more than tol * max(1, |analytic|, |numeric|).
int gradient_mismatches(const nn::Shape& shape, const LrnConfig& config, unsigned seed) {
    nn::Rng rng(seed);
    Tensor A_prev = random_tensor(shape, rng, -2.0, 2.0);
    Tensor R = random_tensor(shape, rng, -1.0, 1.0);
    Tensor dA_prev = nn::lrn_backward(R, A_prev, config);
    const float eps = 1e-2f;
    const double tol = 2e-3;
    int bad = 0;
    for (std::size_t i = 0; i < A_prev.size(); ++i) {
        float saved = A_prev.data[i];
        A_prev.data[i] = saved + eps;
        double up = objective(R, A_prev, config);
        A_prev.data[i] = saved - eps;
        double down = objective(R, A_prev, config);
        A_prev.data[i] = saved;
        double numeric = (up - down) / (2.0 * eps);
        double analytic = dA_prev.data[i];
        double scale = std::max({1.0, std::fabs(analytic), std::fabs(numeric)});
        if (!(std::fabs(analytic - numeric) <= tol * scale)) {  // a NaN fails too
            ADD_FAILURE() << "element " << i << ": analytic " << analytic << ", numeric " << numeric;
            ++bad;
        }
    }
    return bad;
}

std::string message_of(void (*call)()) {
    try {
        call();
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "(no exception)";
}

}  // namespace

TEST(LrnForward, HandComputedThreeChannels) {
    // One pixel, channels a = (1, 2, 2), n = 3 (r = 1), k = 1, alpha = 1, beta = 0.5:
    //   s0 = 1 + 1 + 4     = 6   -> b0 = 1 / sqrt(6)  = 0.4082483
    //   s1 = 1 + 1 + 4 + 4 = 10  -> b1 = 2 / sqrt(10) = 0.6324555
    //   s2 = 1 + 4 + 4     = 9   -> b2 = 2 / 3        = 0.6666667
    // (the edge channels have only two neighbours in their window)
    Tensor A_prev({1, 1, 1, 3}, {1.0f, 2.0f, 2.0f});
    Tensor A = nn::lrn_forward(A_prev, LrnConfig{1.0f, 3, 1.0f, 0.5f});
    ASSERT_EQ(A.shape, A_prev.shape);
    EXPECT_NEAR(A.data[0], 0.4082483f, 1e-6);
    EXPECT_NEAR(A.data[1], 0.6324555f, 1e-6);
    EXPECT_NEAR(A.data[2], 0.6666667f, 1e-6);
}

TEST(LrnForward, PaperConstantsByDefault) {
    // Two channels (10, -3), k = 2, n = 5, alpha = 1e-4, beta = 0.75: both lie
    // in each other's window, so s = 2 + 1e-4 * (100 + 9) = 2.0109 and
    // s^0.75 = 1.6886625: b = (10, -3) / 1.6886625 = (5.9218465, -1.7765539).
    LrnConfig defaults;
    EXPECT_FLOAT_EQ(defaults.k, 2.0f);
    EXPECT_EQ(defaults.n, 5);
    EXPECT_FLOAT_EQ(defaults.alpha, 1e-4f);
    EXPECT_FLOAT_EQ(defaults.beta, 0.75f);
    Tensor A = nn::lrn_forward(Tensor({1, 1, 1, 2}, {10.0f, -3.0f}));
    EXPECT_NEAR(A.data[0], 5.9218465f, 1e-5);
    EXPECT_NEAR(A.data[1], -1.7765539f, 1e-5);
}

TEST(LrnForward, EachPixelIsNormalisedOnItsOwn) {
    // Two pixels of one channel each with n = 1, k = 1, alpha = 1, beta = 1:
    // b = a / (1 + a^2): 3 -> 3/10 = 0.3, and 1 -> 1/2 = 0.5.
    Tensor A_prev({2, 1, 1, 1}, {3.0f, 1.0f});
    Tensor A = nn::lrn_forward(A_prev, LrnConfig{1.0f, 1, 1.0f, 1.0f});
    EXPECT_NEAR(A.data[0], 0.3f, 1e-7);
    EXPECT_NEAR(A.data[1], 0.5f, 1e-7);
}

TEST(LrnForward, WindowCoversOnlyNeighbours) {
    // Seven channels a = (1, 0, 0, 2, 0, 0, 0), n = 5 (r = 2), k = 1, alpha = 1,
    // beta = 1. Channel 0's window is 0..2, which misses the 2 at channel 3:
    // b0 = 1 / (1 + 1) = 0.5. Channel 3's window 1..5 misses channel 0:
    // b3 = 2 / (1 + 4) = 0.4. Zeros stay zero.
    Tensor A_prev({1, 1, 1, 7}, {1.0f, 0.0f, 0.0f, 2.0f, 0.0f, 0.0f, 0.0f});
    Tensor A = nn::lrn_forward(A_prev, LrnConfig{1.0f, 5, 1.0f, 1.0f});
    EXPECT_NEAR(A.data[0], 0.5f, 1e-7);
    EXPECT_NEAR(A.data[3], 0.4f, 1e-7);
    EXPECT_NEAR(A.data[1], 0.0f, 1e-7);
    // Moving the spike to channel 2 brings it into channel 0's window:
    // b0 = 1 / (1 + 1 + 4) = 1/6.
    A_prev.data[3] = 0.0f;
    A_prev.data[2] = 2.0f;
    A = nn::lrn_forward(A_prev, LrnConfig{1.0f, 5, 1.0f, 1.0f});
    EXPECT_NEAR(A.data[0], 1.0f / 6.0f, 1e-7);
}

TEST(LrnBackward, HandComputedOneChannel) {
    // One channel, n = 1, k = 1, alpha = 1, beta = 1: b = a / (1 + a^2), so
    // db/da = (1 - a^2) / (1 + a^2)^2; at a = 2 that is -3/25 = -0.12, times dA = 5 -> -0.6.
    Tensor dA_prev = nn::lrn_backward(Tensor({1, 1, 1, 1}, {5.0f}), Tensor({1, 1, 1, 1}, {2.0f}),
                                      LrnConfig{1.0f, 1, 1.0f, 1.0f});
    EXPECT_NEAR(dA_prev.data[0], -0.6f, 1e-6);
}

TEST(LrnBackward, MatchesFiniteDifferencesWithPaperConstants) {
    EXPECT_EQ(gradient_mismatches({2, 3, 3, 7}, LrnConfig{}, 1), 0);
}

TEST(LrnBackward, MatchesFiniteDifferencesWithStrongNormalisation) {
    // A large alpha makes the cross-channel term as big as the direct one.
    EXPECT_EQ(gradient_mismatches({2, 3, 3, 7}, LrnConfig{1.0f, 3, 0.5f, 0.75f}, 2), 0);
    EXPECT_EQ(gradient_mismatches({2, 2, 3, 6}, LrnConfig{0.5f, 5, 1.0f, 1.5f}, 3), 0);
}

TEST(LrnBackward, MatchesFiniteDifferencesAtTheWindowExtremes) {
    // n = 1: each channel alone; n = 9 > c_prev = 4: every window is clipped to all channels.
    EXPECT_EQ(gradient_mismatches({2, 2, 2, 4}, LrnConfig{1.0f, 1, 0.7f, 0.75f}, 4), 0);
    EXPECT_EQ(gradient_mismatches({2, 2, 2, 4}, LrnConfig{1.0f, 9, 0.3f, 0.75f}, 5), 0);
}

TEST(LrnErrors, MessagesNameTheArgument) {
    EXPECT_THAT(message_of([] { nn::lrn_forward(Tensor({2, 3})); }),
                HasSubstr("lrn_forward: A_prev must be rank 4"));
    EXPECT_THAT(message_of([] { nn::lrn_forward(Tensor({1, 2, 2, 3}), LrnConfig{2.0f, 4, 1e-4f, 0.75f}); }),
                HasSubstr("n must be a positive odd number"));
    EXPECT_THAT(message_of([] { nn::lrn_forward(Tensor({1, 2, 2, 3}), LrnConfig{2.0f, 0, 1e-4f, 0.75f}); }),
                HasSubstr("n=0"));
    EXPECT_THAT(message_of([] { nn::lrn_forward(Tensor({1, 2, 2, 3}), LrnConfig{0.0f, 5, 1e-4f, 0.75f}); }),
                HasSubstr("k must be positive"));
    EXPECT_THAT(message_of([] { nn::lrn_forward(Tensor({1, 2, 2, 3}), LrnConfig{2.0f, 5, -1.0f, 0.75f}); }),
                HasSubstr("alpha must not be negative"));
    EXPECT_THAT(message_of([] { nn::lrn_backward(Tensor({1, 2, 2, 3}), Tensor({1, 2, 2, 3}),
                                                 LrnConfig{2.0f, 5, 1e-4f, -0.5f}); }),
                HasSubstr("lrn_backward: beta must not be negative"));
    EXPECT_THAT(message_of([] { nn::lrn_backward(Tensor({1, 2, 2, 4}), Tensor({1, 2, 2, 3})); }),
                HasSubstr("dA must have the shape of A_prev (dA (1,2,2,4), A_prev (1,2,2,3))"));
}
