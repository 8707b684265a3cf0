// Tests for nn/loss: softmax cross-entropy by hand, its fused gradient by
// hand and against finite differences, large logits, accuracy with ties, and
// bad shapes.
#include "nn/loss.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <stdexcept>
#include <string>

#include "nn/rng.hpp"
#include "tests/gradcheck.hpp"
#include "tests/test_util.hpp"

using nn::Tensor;
using ::testing::HasSubstr;
using testutil::error_message;

namespace {

const float kLn3 = 1.0986122886681098f;  // ln 3

// Both rows have logits (0, ln 3), so softmax = (1/4, 3/4). Row 0's target is
// the second class, row 1's the first.
struct TwoRows {
    Tensor Z{{2, 2}, {0.0f, kLn3, 0.0f, kLn3}};
    Tensor Y{{2, 2}, {0, 1, 1, 0}};
};

TEST(SoftmaxCrossEntropy, ValueByHand) {
    TwoRows t;
    // Row 0: -ln(3/4) = ln(4/3); row 1: -ln(1/4) = ln 4.
    // Mean: (ln(4/3) + ln 4) / 2 = ln(16/3) / 2 = 0.83698821678583...
    EXPECT_NEAR(nn::softmax_cross_entropy(t.Z, t.Y), 0.8369882167858357, 1e-7);
    // One row alone: ln(4/3) = 0.28768207245178...
    EXPECT_NEAR(nn::softmax_cross_entropy(Tensor({1, 2}, {0.0f, kLn3}), Tensor({1, 2}, {0, 1})),
                0.28768207245178085, 1e-7);
    // Three classes, logits (0, 0, ln 2): softmax = (1/4, 1/4, 1/2); target 2 -> ln 2.
    EXPECT_NEAR(nn::softmax_cross_entropy(Tensor({1, 3}, {0.0f, 0.0f, 0.6931471805599453f}), Tensor({1, 3}, {0, 0, 1})),
                0.6931471805599453, 1e-7);
}

TEST(SoftmaxCrossEntropy, FusedGradientByHand) {
    TwoRows t;
    // (softmax - Y) / m with m = 2:
    // row 0: ((1/4 - 0), (3/4 - 1)) / 2 = (0.125, -0.125)
    // row 1: ((1/4 - 1), (3/4 - 0)) / 2 = (-0.375, 0.375)
    Tensor dZ = nn::softmax_cross_entropy_backward(t.Z, t.Y);
    EXPECT_EQ(dZ.shape, t.Z.shape);
    EXPECT_FLOAT_EQ(dZ.at(0, 0), 0.125f);
    EXPECT_FLOAT_EQ(dZ.at(0, 1), -0.125f);
    EXPECT_FLOAT_EQ(dZ.at(1, 0), -0.375f);
    EXPECT_FLOAT_EQ(dZ.at(1, 1), 0.375f);
}

TEST(SoftmaxCrossEntropy, GradientMatchesFiniteDifferences) {
    nn::Rng rng(9);
    Tensor Z = gradcheck::random_tensor({4, 6}, rng, -3.0, 3.0);
    // One-hot targets, and soft targets whose rows sum to 1.
    Tensor Y_hard({4, 6});
    for (int i = 0; i < 4; ++i) Y_hard.at(i, (i * 5 + 1) % 6) = 1.0f;
    Tensor Y_soft = gradcheck::random_tensor({4, 6}, rng, 0.0, 1.0);
    for (int i = 0; i < 4; ++i) {
        double s = 0.0;
        for (int j = 0; j < 6; ++j) s += Y_soft.at(i, j);
        for (int j = 0; j < 6; ++j) Y_soft.at(i, j) = static_cast<float>(Y_soft.at(i, j) / s);
    }
    for (const Tensor* Y : {&Y_hard, &Y_soft}) {
        Tensor dZ = nn::softmax_cross_entropy_backward(Z, *Y);
        EXPECT_TRUE(gradcheck::check("dZ", Z, dZ, [&] { return nn::softmax_cross_entropy(Z, *Y); }));
    }
}

TEST(SoftmaxCrossEntropy, LargeLogitsStayFinite) {
    // Row 0 puts 1e4 on the wrong class: the loss is 1e4 - 0 = 1e4 (e^-1e4 and
    // e^-2e4 vanish against 1). Row 1 is confidently right: loss 0.
    Tensor Z({2, 3}, {1e4f, 0.0f, -1e4f, -1e4f, 0.0f, 1e4f});
    Tensor Y({2, 3}, {0, 1, 0, 0, 0, 1});
    const double loss = nn::softmax_cross_entropy(Z, Y);
    EXPECT_TRUE(std::isfinite(loss));
    EXPECT_NEAR(loss, (1e4 + 0.0) / 2.0, 1e-9);
    Tensor dZ = nn::softmax_cross_entropy_backward(Z, Y);
    for (float v : dZ.data) EXPECT_TRUE(std::isfinite(v));
    // Row 0: softmax = (1, 0, 0), so dZ = ((1 - 0), (0 - 1), 0) / 2.
    EXPECT_FLOAT_EQ(dZ.at(0, 0), 0.5f);
    EXPECT_FLOAT_EQ(dZ.at(0, 1), -0.5f);
    EXPECT_EQ(dZ.at(1, 2), 0.0f);
}

TEST(Accuracy, FirstMaximumWins) {
    // Row 0: prediction tie between classes 0 and 1 -> class 0 (the first), target 0: right.
    // Row 1: prediction class 2, target 2: right.
    // Row 2: prediction class 1, target 0: wrong.
    // Row 3: prediction tie between classes 1 and 2 -> class 1, target 1: right.
    // 3 of 4 = 0.75. Were the last maximum to win, rows 0 and 3 would both be
    // wrong: 1 of 4.
    Tensor Y_pred({4, 3}, {0.4f, 0.4f, 0.2f, -1.0f, -2.0f, 5.0f, 0.1f, 0.8f, 0.1f, 0.0f, 0.5f, 0.5f});
    Tensor Y({4, 3}, {1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0});
    EXPECT_DOUBLE_EQ(nn::accuracy(Y_pred, Y), 0.75);
    EXPECT_DOUBLE_EQ(nn::accuracy(Y, Y), 1.0);
}

TEST(Loss, RefusesBadShapes) {
    EXPECT_THAT(error_message([] { nn::softmax_cross_entropy(Tensor({2, 3}), Tensor({2, 4})); }),
                HasSubstr("softmax_cross_entropy: Z and Y must have the same shape (Z (2,3), Y (2,4))"));
    EXPECT_THAT(error_message([] { nn::softmax_cross_entropy(Tensor({6}), Tensor({6})); }),
                HasSubstr("Z must be rank 2"));
    EXPECT_THAT(error_message([] { nn::softmax_cross_entropy(Tensor({0, 3}), Tensor({0, 3})); }),
                HasSubstr("need at least one sample"));
    EXPECT_THAT(error_message([] { nn::softmax_cross_entropy_backward(Tensor({2, 3}), Tensor({3, 3})); }),
                HasSubstr("softmax_cross_entropy_backward: Z and Y must have the same shape"));
    EXPECT_THAT(error_message([] { nn::accuracy(Tensor({2, 3}), Tensor({2, 2})); }),
                HasSubstr("accuracy: Y_pred and Y must have the same shape (Y_pred (2,3), Y (2,2))"));
}

}  // namespace
