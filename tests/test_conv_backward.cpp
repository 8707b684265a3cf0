// conv_backward: a hand case, exhaustive finite differences over padding ×
// stride × kernel parity, the pre-activation contract, dA_prev's cropping, a
// grid against tests/reference.hpp, and every error.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "nn/conv_backward.hpp"
#include "nn/conv_forward.hpp"
#include "nn/rng.hpp"
#include "tests/gradcheck.hpp"
#include "tests/reference.hpp"
#include "tests/test_util.hpp"

using nn::Activation;
using nn::ConvGrads;
using nn::Padding;
using nn::Stride;
using nn::Tensor;
using ::testing::AllOf;
using ::testing::HasSubstr;
using testutil::error_message;
using testutil::expect_close;
using testutil::expect_values;

namespace {

std::string label(Padding pad, Stride s, int kh, int kw) {
    return "padding " + pad.str() + " stride (" + std::to_string(s.sh) + "," + std::to_string(s.sw) + ") kernel (" +
           std::to_string(kh) + "," + std::to_string(kw) + ")";
}

}  // namespace

TEST(ConvBackward, HandCase) {
    // A 1×3×3×1 = [[1,2,3],[4,5,6],[7,8,9]], W = [[1,2],[3,4]], valid, dZ = 1 on the 2×2 output.
    //   db        = sum of dZ = 4
    //   dW[p,q]   = sum_{h,w} A[h+p, w+q]: 1+2+4+5 = 12, 2+3+5+6 = 16, 4+5+7+8 = 24, 5+6+8+9 = 28
    //   dA[r,s]   = sum of W[p,q] over the windows that cover (r,s):
    //               [[1, 1+2, 2], [1+3, 1+2+3+4, 2+4], [3, 3+4, 4]]
    Tensor A({1, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
    Tensor W({2, 2, 1, 1}, {1, 2, 3, 4});
    Tensor b({1, 1, 1, 1});
    Tensor dZ({1, 2, 2, 1}, 1.0f);
    ConvGrads g = nn::conv_backward(dZ, A, W, b, Padding::valid());
    expect_values(g.db, {1, 1, 1, 1}, {4});
    expect_values(g.dW, {2, 2, 1, 1}, {12, 16, 24, 28});
    expect_values(g.dA_prev, {1, 3, 3, 1}, {1, 3, 2, 4, 10, 6, 3, 7, 4});
}

TEST(ConvBackward, HandCaseSameCropsThePadding) {
    // Same A and W with TF 'same' (k = 2: a zero row below, a zero column right),
    // dZ = 1 on the 3×3 output. Windows that hang over the edge send nothing to
    // the padding: dA[r,s] = sum of W[p,q] with r-p, s-q in 0..2, i.e. every
    // cell sees the whole kernel except the top row and left column:
    //   dA = [[1, 1+2, 1+2], [1+3, 10, 10], [1+3, 10, 10]]
    // dW[p,q] = sum of A over the cells a (p,q) tap reaches: all 9 cells for (0,0),
    //   without column 0 for (0,1), without row 0 for (1,0), without both for (1,1):
    //   45, 45-12 = 33, 45-6 = 39, 5+6+8+9 = 28
    Tensor A({1, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
    Tensor W({2, 2, 1, 1}, {1, 2, 3, 4});
    Tensor dZ({1, 3, 3, 1}, 1.0f);
    ConvGrads g = nn::conv_backward(dZ, A, W, Tensor({1, 1, 1, 1}), Padding::same());
    expect_values(g.db, {1, 1, 1, 1}, {9});
    expect_values(g.dW, {2, 2, 1, 1}, {45, 33, 39, 28});
    expect_values(g.dA_prev, {1, 3, 3, 1}, {1, 3, 3, 4, 10, 10, 4, 10, 10});
}

// Exhaustive central differences on L = sum(R ⊙ conv_forward(...)), so
// dL/dZ = R: every element of A_prev, W and b is perturbed.
TEST(ConvBackward, FiniteDifferences) {
    const Padding pads[] = {Padding::valid(), Padding::same(), Padding::explicit_(1, 1), Padding::explicit_(2, 1)};
    const Stride strides[] = {{1, 1}, {2, 2}, {1, 2}};
    const std::pair<int, int> kernels[] = {{2, 2}, {3, 3}, {2, 3}};
    nn::Rng rng(77);
    for (Padding pad : pads)
        for (Stride s : strides)
            for (auto [kh, kw] : kernels) {
                SCOPED_TRACE(label(pad, s, kh, kw));
                Tensor A = gradcheck::random_tensor({2, 6, 5, 3}, rng);
                Tensor W = gradcheck::random_tensor({kh, kw, 3, 2}, rng);
                Tensor b = gradcheck::random_tensor({1, 1, 1, 2}, rng);
                auto forward = [&] { return nn::conv_forward(A, W, b, Activation::linear(), pad, s); };
                Tensor R = gradcheck::random_tensor(forward().shape, rng);
                ConvGrads g = nn::conv_backward(R, A, W, b, pad, s);
                EXPECT_TRUE(gradcheck::check_weighted("dA_prev", A, g.dA_prev, forward, R));
                EXPECT_TRUE(gradcheck::check_weighted("dW", W, g.dW, forward, R));
                EXPECT_TRUE(gradcheck::check_weighted("db", b, g.db, forward, R));
            }
}

TEST(ConvBackward, TakesThePreActivationGradient) {
    // With tanh, L = sum(R ⊙ tanh(Z)) has dL/dZ = R (1 - tanh(Z)^2): that is
    // the dZ conv_backward expects; the activation's own backward is not its job.
    nn::Rng rng(8);
    Tensor A = gradcheck::random_tensor({2, 5, 5, 2}, rng);
    Tensor W = gradcheck::random_tensor({3, 3, 2, 3}, rng, -0.5, 0.5);
    Tensor b = gradcheck::random_tensor({1, 1, 1, 3}, rng);
    auto forward = [&] { return nn::conv_forward(A, W, b, Activation::tanh(), Padding::same(), Stride{2, 2}); };
    Tensor out = forward();
    Tensor R = gradcheck::random_tensor(out.shape, rng);
    Tensor dZ = R;
    for (std::size_t j = 0; j < dZ.size(); ++j) dZ.data[j] *= 1.0f - out.data[j] * out.data[j];
    ConvGrads g = nn::conv_backward(dZ, A, W, b, Padding::same(), Stride{2, 2});
    gradcheck::Options opt;
    opt.tol = 2e-3;  // tanh is curved: the eps^2 term of the central difference is not zero
    EXPECT_TRUE(gradcheck::check_weighted("dA_prev", A, g.dA_prev, forward, R, opt));
    EXPECT_TRUE(gradcheck::check_weighted("dW", W, g.dW, forward, R, opt));
    EXPECT_TRUE(gradcheck::check_weighted("db", b, g.db, forward, R, opt));
}

TEST(ConvBackward, GradientCheckCatchesAFlippedKernel) {
    // The checker must be able to fail: dA_prev computed with the kernel
    // turned by 180° (a classic slip between correlation and convolution).
    nn::Rng rng(12);
    Tensor A = gradcheck::random_tensor({1, 5, 5, 1}, rng);
    Tensor W = gradcheck::random_tensor({3, 3, 1, 1}, rng);
    Tensor b({1, 1, 1, 1});
    Tensor flipped(W.shape);
    for (int p = 0; p < 3; ++p)
        for (int q = 0; q < 3; ++q) flipped.at(p, q, 0, 0) = W.at(2 - p, 2 - q, 0, 0);
    auto forward = [&] { return nn::conv_forward(A, W, b, Activation::linear(), Padding::same()); };
    Tensor R = gradcheck::random_tensor({1, 5, 5, 1}, rng);
    Tensor wrong = nn::conv_backward(R, A, flipped, b, Padding::same()).dA_prev;
    EXPECT_FALSE(gradcheck::check_weighted("dA_prev", A, wrong, forward, R));
}

TEST(ConvBackward, ShapesFollowTheForwardArguments) {
    // dA_prev is A_prev's shape whatever the padding added; dW is W's, db is b's.
    nn::Rng rng(3);
    Tensor A = gradcheck::random_tensor({2, 7, 6, 3}, rng);
    Tensor W = gradcheck::random_tensor({4, 2, 3, 5}, rng);
    Tensor b({1, 1, 1, 5});
    for (Padding pad : {Padding::valid(), Padding::same(), Padding::explicit_(3, 2)})
        for (Stride s : {Stride{1, 1}, Stride{3, 2}}) {
            SCOPED_TRACE(label(pad, s, 4, 2));
            Tensor Z = nn::conv_forward(A, W, b, Activation::linear(), pad, s);
            ConvGrads g = nn::conv_backward(Z, A, W, b, pad, s);
            EXPECT_EQ(g.dA_prev.shape, A.shape);
            EXPECT_EQ(g.dW.shape, W.shape);
            EXPECT_EQ(g.db.shape, b.shape);
        }
}

TEST(ConvBackward, MatchesReferenceOnAGrid) {
    nn::Rng rng(31);
    const Padding pads[] = {Padding::valid(), Padding::same(), Padding::explicit_(1, 1), Padding::explicit_(2, 1)};
    const Stride strides[] = {{1, 1}, {2, 2}, {3, 3}, {1, 2}};
    Tensor A = gradcheck::random_tensor({2, 7, 6, 3}, rng);
    for (int k = 1; k <= 5; ++k) {
        Tensor W = gradcheck::random_tensor({k, k, 3, 2}, rng);
        Tensor b = gradcheck::random_tensor({1, 1, 1, 2}, rng);
        for (Padding pad : pads)
            for (Stride s : strides) {
                SCOPED_TRACE(label(pad, s, k, k));
                Tensor dZ = gradcheck::random_tensor(nn::conv_forward(A, W, b, Activation::linear(), pad, s).shape, rng);
                ConvGrads g = nn::conv_backward(dZ, A, W, b, pad, s);
                ref::ConvGrads r = ref::conv_backward(dZ, A, W, pad, s);
                expect_close(g.dA_prev, r.dA_prev, 1e-5);
                expect_close(g.dW, r.dW, 1e-5);
                expect_close(g.db, r.db, 1e-5);
            }
    }
}

TEST(ConvBackwardErrors, DZShapeNamesBothShapes) {
    Tensor A({2, 5, 5, 1}), W({3, 3, 1, 4}), b({1, 1, 1, 4});
    // valid, stride 1 → (2,3,3,4); give it the 'same' shape instead
    EXPECT_THAT(error_message([&] { nn::conv_backward(Tensor({2, 5, 5, 4}), A, W, b, Padding::valid()); }),
                AllOf(HasSubstr("conv_backward: "), HasSubstr("dZ has shape (2,5,5,4)"),
                      HasSubstr("forward output is (2,3,3,4)"), HasSubstr("A_prev (2,5,5,1)"),
                      HasSubstr("W (3,3,1,4)"), HasSubstr("padding valid")));
    EXPECT_THAT(error_message([&] { nn::conv_backward(Tensor({2, 5, 5, 3}), A, W, b); }),
                AllOf(HasSubstr("dZ has shape (2,5,5,3)"), HasSubstr("(2,5,5,4)")));
    EXPECT_THAT(error_message([&] { nn::conv_backward(Tensor({50, 4}), A, W, b); }), HasSubstr("dZ has shape (50,4)"));
}

TEST(ConvBackwardErrors, ForwardErrorsNameConvBackward) {
    Tensor A({2, 5, 5, 1}), W({3, 3, 1, 4}), b({1, 1, 1, 4}), dZ({2, 5, 5, 4});
    EXPECT_THAT(error_message([&] { nn::conv_backward(dZ, Tensor({5, 5, 1}), W, b); }),
                AllOf(HasSubstr("conv_backward: "), HasSubstr("A_prev must have rank 4")));
    EXPECT_THAT(error_message([&] { nn::conv_backward(dZ, A, Tensor({3, 3, 4}), b); }),
                AllOf(HasSubstr("conv_backward: "), HasSubstr("W must have rank 4")));
    EXPECT_THAT(error_message([&] { nn::conv_backward(dZ, A, W, Tensor({4})); }),
                AllOf(HasSubstr("conv_backward: "), HasSubstr("b must have rank 4")));
    EXPECT_THAT(error_message([&] { nn::conv_backward(dZ, A, Tensor({3, 3, 3, 4}), b); }),
                HasSubstr("conv_backward: W has c_prev=3 but A_prev has 1 channels (A_prev (2,5,5,1), W (3,3,3,4))"));
    EXPECT_THAT(error_message([&] { nn::conv_backward(dZ, A, W, Tensor({1, 1, 1, 2})); }),
                AllOf(HasSubstr("conv_backward: "), HasSubstr("b must be (1,1,1,4)")));
    EXPECT_THAT(error_message([&] { nn::conv_backward(dZ, A, Tensor({6, 6, 1, 4}), b, Padding::valid()); }),
                AllOf(HasSubstr("conv_backward: "), HasSubstr("larger than the padded input")));
    EXPECT_THAT(error_message([&] { nn::conv_backward(dZ, A, W, b, Padding::same(), Stride{0, 1}); }),
                AllOf(HasSubstr("conv_backward: "), HasSubstr("stride must be positive")));
    EXPECT_THAT(error_message([&] { nn::conv_backward(dZ, A, W, b, Padding::explicit_(0, -2)); }),
                AllOf(HasSubstr("conv_backward: "), HasSubstr("padding must not be negative")));
    EXPECT_THAT(error_message([&] { nn::conv_backward(dZ, A, W, b, Padding::parse("SAME", "conv_backward")); }),
                HasSubstr("conv_backward: unknown padding 'SAME'"));
}
