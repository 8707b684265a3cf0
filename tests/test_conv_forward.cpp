// conv_forward: hand-computed 2×2 and 3×3 cases (the arithmetic in the
// comments), bias and activations, a grid against tests/reference.hpp, three
// identities (1×1 conv = per-pixel dense, separable = two 1-D passes,
// stride s = stride 1 subsampled) and every error.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "nn/conv_forward.hpp"
#include "nn/rng.hpp"
#include "tests/gradcheck.hpp"
#include "tests/reference.hpp"
#include "tests/test_util.hpp"

using nn::Activation;
using nn::Padding;
using nn::Stride;
using nn::Tensor;
using ::testing::AllOf;
using ::testing::HasSubstr;
using testutil::error_message;
using testutil::expect_close;
using testutil::expect_values;
using testutil::ramp4x4;

namespace {

// W[p,q] = [[1, 2], [3, 4]] as (2,2,1,1).
Tensor kernel2() { return Tensor({2, 2, 1, 1}, {1, 2, 3, 4}); }

// The Sobel x kernel [[1, 0, -1], [2, 0, -2], [1, 0, -1]] as (3,3,1,1).
Tensor sobel() { return Tensor({3, 3, 1, 1}, {1, 0, -1, 2, 0, -2, 1, 0, -1}); }

Tensor zero_bias(int c_new) { return Tensor({1, 1, 1, c_new}); }

std::string label(Padding pad, Stride s, int kh, int kw, int c_prev, int c_new) {
    return "padding " + pad.str() + " stride (" + std::to_string(s.sh) + "," + std::to_string(s.sw) + ") kernel (" +
           std::to_string(kh) + "," + std::to_string(kw) + ") c_prev " + std::to_string(c_prev) + " c_new " +
           std::to_string(c_new);
}

}  // namespace

TEST(ConvForward, Kernel2x2Valid) {
    // Z[h,w] = A[h,w] + 2 A[h,w+1] + 3 A[h+1,w] + 4 A[h+1,w+1]
    //        = (4h+w+1) + 2(4h+w+2) + 3(4h+w+5) + 4(4h+w+6) = 40h + 10w + 44
    // e.g. Z[0,0] = 1 + 2*2 + 3*5 + 4*6 = 44.
    expect_values(nn::conv_forward(ramp4x4(), kernel2(), zero_bias(1), Activation::linear(), Padding::valid()),
                  {1, 3, 3, 1}, {44, 54, 64, 84, 94, 104, 124, 134, 144});
}

TEST(ConvForward, Kernel2x2SamePadsBottomRight) {
    // TF 'same' with k = 2, s = 1: one zero row below and one zero column to
    // the right, none above or left. The first 3×3 block is the valid result;
    //   last column Z[h,3] = A[h,3] + 3 A[h+1,3]:  4 + 3*8 = 28, 8 + 3*12 = 44, 12 + 3*16 = 60
    //   last row    Z[3,w] = A[3,w] + 2 A[3,w+1]: 13 + 2*14 = 41, 14 + 2*15 = 44, 15 + 2*16 = 47
    //   corner      Z[3,3] = A[3,3] = 16
    expect_values(nn::conv_forward(ramp4x4(), kernel2(), zero_bias(1)), {1, 4, 4, 1},
                  {44, 54, 64, 28,     //
                   84, 94, 104, 44,    //
                   124, 134, 144, 60,  //
                   41, 44, 47, 16});
}

TEST(ConvForward, Kernel2x2Bias) {
    // The valid result plus b = 0.5 everywhere.
    expect_values(nn::conv_forward(ramp4x4(), kernel2(), Tensor({1, 1, 1, 1}, {0.5f}), Activation::linear(),
                                   Padding::valid()),
                  {1, 3, 3, 1}, {44.5f, 54.5f, 64.5f, 84.5f, 94.5f, 104.5f, 124.5f, 134.5f, 144.5f});
}

TEST(ConvForward, Sobel3x3Valid) {
    // Each row of a window gives A[r,w] - A[r,w+2] = -2, weighted 1, 2, 1: -8.
    expect_values(nn::conv_forward(ramp4x4(), sobel(), zero_bias(1), Activation::linear(), Padding::valid()),
                  {1, 2, 2, 1}, {-8, -8, -8, -8});
}

TEST(ConvForward, Sobel3x3Same) {
    // One zero on every side. With D(r,w) = A[r,w-1] - A[r,w+1] (0 outside),
    // Z[h,w] = D(h-1,w) + 2 D(h,w) + D(h+1,w):
    //   w = 1, 2: D = -2 on every row → -6 on the top and bottom rows, -8 inside
    //   w = 0:    D = -A[r,1] = -2, -6, -10, -14 → -4-6 = -10, -2-12-10 = -24, -6-20-14 = -40, -10-28 = -38
    //   w = 3:    D =  A[r,2] =  3,  7,  11,  15 →  6+7 = 13,   3+14+11 = 28,   7+22+15 = 44,  11+30 = 41
    expect_values(nn::conv_forward(ramp4x4(), sobel(), zero_bias(1)), {1, 4, 4, 1},
                  {-10, -6, -6, 13,  //
                   -24, -8, -8, 28,  //
                   -40, -8, -8, 44,  //
                   -38, -6, -6, 41});
}

TEST(ConvForward, Sobel3x3SameStride2IsAsymmetric) {
    // TF 'same' with h = 4, k = 3, s = 2: out 2, total (2-1)*2 + 3 - 4 = 1, so
    // no zero on top/left and one on bottom/right; windows start at rows/cols 0 and 2.
    //   Z[0,0] rows 0-2, cols 0-2: the valid value -8
    //   Z[0,1] rows 0-2, cols 2-4: 1*3 + 2*7 + 1*11 = 28 (column 4 is zero, column 3 weighs 0)
    //   Z[1,0] rows 2-4, cols 0-2: 1*(9-11) + 2*(13-15) = -6
    //   Z[1,1] rows 2-4, cols 2-4: 1*11 + 2*15 = 41
    expect_values(
        nn::conv_forward(ramp4x4(), sobel(), zero_bias(1), Activation::linear(), Padding::same(), Stride{2, 2}),
        {1, 2, 2, 1}, {-8, 28, -6, 41});
    // The course's symmetric padding 1 starts the windows at -1 and 1 instead:
    // the 'same' stride-1 values at (0,0), (0,2), (2,0), (2,2).
    expect_values(nn::conv_forward(ramp4x4(), sobel(), zero_bias(1), Activation::linear(), Padding::explicit_(1, 1),
                                   Stride{2, 2}),
                  {1, 2, 2, 1}, {-10, -6, -40, -8});
}

TEST(ConvForward, ChannelsInAndOut) {
    // A 1×2×2×2: channel 0 = [[1,2],[3,4]], channel 1 = [[10,20],[30,40]]; valid 2×2 → one cell, 2 channels.
    //   c = 0: W[:,:,0,0] = all 1, W[:,:,1,0] = 0           → 1+2+3+4 = 10,            + b 0.5 = 10.5
    //   c = 1: W[:,:,0,1] = [[0,0],[0,-1]], W[:,:,1,1] = [[1,0],[0,2]] → -4 + 10 + 80 = 86, + b -1 = 85
    Tensor A({1, 2, 2, 2}, {1, 10, 2, 20, 3, 30, 4, 40});
    Tensor W({2, 2, 2, 2});
    for (int p = 0; p < 2; ++p)
        for (int q = 0; q < 2; ++q) W.at(p, q, 0, 0) = 1.0f;
    W.at(1, 1, 0, 1) = -1.0f;
    W.at(0, 0, 1, 1) = 1.0f;
    W.at(1, 1, 1, 1) = 2.0f;
    Tensor b({1, 1, 1, 2}, {0.5f, -1.0f});
    expect_values(nn::conv_forward(A, W, b, Activation::linear(), Padding::valid()), {1, 1, 1, 2}, {10.5f, 85.0f});
}

TEST(ConvForward, BiasThenRelu) {
    // relu(Sobel 'same' + 7): -10+7 → 0, -6+7 = 1, 13+7 = 20, -24+7 → 0, -8+7 → 0, 28+7 = 35, ...
    expect_values(nn::conv_forward(ramp4x4(), sobel(), Tensor({1, 1, 1, 1}, {7.0f}), Activation::relu()), {1, 4, 4, 1},
                  {0, 1, 1, 20,   //
                   0, 0, 0, 35,   //
                   0, 0, 0, 51,   //
                   0, 1, 1, 48});
}

TEST(ConvForward, ActivationsAreAppliedAfterTheBias) {
    nn::Rng rng(7);
    Tensor A = gradcheck::random_tensor({2, 5, 6, 3}, rng);
    Tensor W = gradcheck::random_tensor({3, 2, 3, 4}, rng);
    Tensor b = gradcheck::random_tensor({1, 1, 1, 4}, rng);
    Tensor Z = ref::conv(A, W, b, Padding::same(), Stride{1, 2});
    for (Activation act : {Activation::relu(), Activation::tanh(), Activation::sigmoid(), Activation::linear()}) {
        SCOPED_TRACE(act.name());
        Tensor want = Z;
        for (float& v : want.data) {
            const double z = v;
            v = static_cast<float>(act.kind == Activation::Kind::relu      ? std::max(z, 0.0)
                                   : act.kind == Activation::Kind::tanh    ? std::tanh(z)
                                   : act.kind == Activation::Kind::sigmoid ? 1.0 / (1.0 + std::exp(-z))
                                                                           : z);
        }
        expect_close(nn::conv_forward(A, W, b, act, Padding::same(), Stride{1, 2}), want, 1e-5);
    }
}

TEST(ConvForward, DefaultsAreLinearSameStrideOne) {
    Tensor explicit_args = nn::conv_forward(ramp4x4(), sobel(), zero_bias(1), Activation::linear(), Padding::same(),
                                            Stride{1, 1});
    EXPECT_EQ(nn::conv_forward(ramp4x4(), sobel(), zero_bias(1)).data, explicit_args.data);
}

TEST(ConvForward, MatchesReferenceOnAGrid) {
    nn::Rng rng(42);
    const Padding pads[] = {Padding::valid(), Padding::same(), Padding::explicit_(1, 1), Padding::explicit_(2, 1)};
    const Stride strides[] = {{1, 1}, {2, 2}, {3, 3}, {1, 2}, {3, 1}};
    std::vector<std::pair<int, int>> kernels;
    for (int k = 1; k <= 5; ++k) kernels.push_back({k, k});
    kernels.push_back({2, 3});
    kernels.push_back({5, 2});
    const std::pair<int, int> channels[] = {{1, 1}, {3, 2}, {2, 5}};
    int cases = 0;
    for (auto [c_prev, c_new] : channels) {
        Tensor A = gradcheck::random_tensor({2, 7, 6, c_prev}, rng);
        for (auto [kh, kw] : kernels) {
            Tensor W = gradcheck::random_tensor({kh, kw, c_prev, c_new}, rng);
            Tensor b = gradcheck::random_tensor({1, 1, 1, c_new}, rng);
            for (Padding pad : pads)
                for (Stride s : strides) {
                    SCOPED_TRACE(label(pad, s, kh, kw, c_prev, c_new));
                    expect_close(nn::conv_forward(A, W, b, Activation::linear(), pad, s), ref::conv(A, W, b, pad, s),
                                 1e-5);
                    ++cases;
                }
        }
    }
    EXPECT_EQ(cases, 3 * 7 * 4 * 5);
}

TEST(ConvForward, OneByOneIsAPerPixelDense) {
    // A 1×1 conv is Z(m*h*w, c_new) = A(m*h*w, c_prev) · W(c_prev, c_new) + b, every pixel a row.
    nn::Rng rng(1);
    Tensor A = gradcheck::random_tensor({3, 4, 5, 6}, rng);
    Tensor W = gradcheck::random_tensor({1, 1, 6, 7}, rng);
    Tensor b = gradcheck::random_tensor({1, 1, 1, 7}, rng);
    const int rows = 3 * 4 * 5, n_in = 6, n_out = 7;
    Tensor want({3, 4, 5, 7});
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < n_out; ++c) {
            double z = b.data[c];
            for (int k = 0; k < n_in; ++k) z += static_cast<double>(A.data[r * n_in + k]) * W.data[k * n_out + c];
            want.data[r * n_out + c] = static_cast<float>(z);
        }
    for (Padding pad : {Padding::valid(), Padding::same()})  // a 1×1 kernel needs no padding either way
        expect_close(nn::conv_forward(A, W, b, Activation::linear(), pad), want, 1e-5);
}

TEST(ConvForward, SeparableKernelIsTwoOneDimensionalPasses) {
    // W[p,q] = u[p] v[q]: convolving with the kh×1 column u, then the 1×kw row
    // v, gives the same result. With 'same' each pass pads its own axis as the
    // 2-D pass does, and a stride splits into (sh,1) then (1,sw).
    nn::Rng rng(9);
    Tensor A = gradcheck::random_tensor({2, 8, 7, 1}, rng);
    for (auto [kh, kw] : {std::pair<int, int>{3, 3}, {2, 3}, {4, 2}, {5, 1}}) {
        Tensor u = gradcheck::random_tensor({kh, 1, 1, 1}, rng);
        Tensor v = gradcheck::random_tensor({1, kw, 1, 1}, rng);
        Tensor W({kh, kw, 1, 1});
        for (int p = 0; p < kh; ++p)
            for (int q = 0; q < kw; ++q) W.at(p, q, 0, 0) = u.data[p] * v.data[q];
        Tensor b({1, 1, 1, 1}, {0.25f});
        for (Padding pad : {Padding::valid(), Padding::same()})
            for (Stride s : {Stride{1, 1}, Stride{2, 2}, Stride{2, 1}}) {
                SCOPED_TRACE(label(pad, s, kh, kw, 1, 1));
                Tensor rows = nn::conv_forward(A, u, zero_bias(1), Activation::linear(), pad, Stride{s.sh, 1});
                Tensor both = nn::conv_forward(rows, v, b, Activation::linear(), pad, Stride{1, s.sw});
                expect_close(nn::conv_forward(A, W, b, Activation::linear(), pad, s), both, 1e-5);
            }
    }
}

TEST(ConvForward, StrideIsStrideOneSubsampled) {
    // For valid and explicit padding, Z with stride (sh, sw) is Z with stride 1
    // at rows 0, sh, 2sh, ... and columns 0, sw, 2sw, ...
    nn::Rng rng(4);
    Tensor A = gradcheck::random_tensor({2, 9, 8, 2}, rng);
    for (int k : {2, 3})
        for (Padding pad : {Padding::valid(), Padding::explicit_(1, 2)})
            for (Stride s : {Stride{2, 2}, Stride{3, 3}, Stride{2, 3}}) {
                SCOPED_TRACE(label(pad, s, k, k, 2, 3));
                Tensor W = gradcheck::random_tensor({k, k, 2, 3}, rng);
                Tensor b = gradcheck::random_tensor({1, 1, 1, 3}, rng);
                Tensor full = nn::conv_forward(A, W, b, Activation::linear(), pad, Stride{1, 1});
                Tensor Z = nn::conv_forward(A, W, b, Activation::linear(), pad, s);
                ASSERT_EQ(Z.dim(1), (full.dim(1) - 1) / s.sh + 1);
                ASSERT_EQ(Z.dim(2), (full.dim(2) - 1) / s.sw + 1);
                for (int i = 0; i < Z.dim(0); ++i)
                    for (int h = 0; h < Z.dim(1); ++h)
                        for (int w = 0; w < Z.dim(2); ++w)
                            for (int c = 0; c < Z.dim(3); ++c)
                                ASSERT_NEAR(Z.at(i, h, w, c), full.at(i, h * s.sh, w * s.sw, c), 1e-6);
            }
}

TEST(ConvForward, EmptyBatchGivesAnEmptyOutput) {
    Tensor Z = nn::conv_forward(Tensor({0, 5, 5, 1}), sobel(), zero_bias(1), Activation::relu());
    EXPECT_EQ(Z.shape, (nn::Shape{0, 5, 5, 1}));
    EXPECT_EQ(Z.size(), 0u);
}

TEST(ConvForwardErrors, WrongRanks) {
    EXPECT_THAT(error_message([] { nn::conv_forward(Tensor({4, 4, 1}), sobel(), zero_bias(1)); }),
                AllOf(HasSubstr("conv_forward: "), HasSubstr("A_prev must have rank 4"), HasSubstr("(4,4,1)")));
    EXPECT_THAT(error_message([] { nn::conv_forward(ramp4x4(), Tensor({3, 3, 1}), zero_bias(1)); }),
                AllOf(HasSubstr("conv_forward: "), HasSubstr("W must have rank 4"), HasSubstr("W (3,3,1)")));
    EXPECT_THAT(error_message([] { nn::conv_forward(ramp4x4(), sobel(), Tensor({1})); }),
                AllOf(HasSubstr("conv_forward: "), HasSubstr("b must have rank 4"), HasSubstr("b (1)")));
}

TEST(ConvForwardErrors, ChannelMismatch) {
    Tensor A({2, 5, 5, 1});
    Tensor W({3, 3, 3, 4});
    EXPECT_THAT(error_message([&] { nn::conv_forward(A, W, zero_bias(4)); }),
                HasSubstr("conv_forward: W has c_prev=3 but A_prev has 1 channels (A_prev (2,5,5,1), W (3,3,3,4))"));
}

TEST(ConvForwardErrors, BiasShape) {
    Tensor W({3, 3, 1, 4});
    EXPECT_THAT(error_message([&] { nn::conv_forward(ramp4x4(), W, Tensor({1, 1, 1, 3})); }),
                AllOf(HasSubstr("conv_forward: "), HasSubstr("b must be (1,1,1,4)"), HasSubstr("is (1,1,1,3)")));
    EXPECT_THAT(error_message([&] { nn::conv_forward(ramp4x4(), W, Tensor({4, 1, 1, 1})); }),
                AllOf(HasSubstr("b must be (1,1,1,4)"), HasSubstr("is (4,1,1,1)")));
}

TEST(ConvForwardErrors, KernelLargerThanPaddedInput) {
    Tensor W({5, 3, 1, 1});
    EXPECT_THAT(
        error_message([&] { nn::conv_forward(ramp4x4(), W, zero_bias(1), Activation::linear(), Padding::valid()); }),
        AllOf(HasSubstr("conv_forward: "), HasSubstr("kernel (5,3) is larger than the padded input (4,4)"),
              HasSubstr("A_prev (1,4,4,1)")));
    Tensor W7({7, 7, 1, 1});
    EXPECT_THAT(error_message([&] {
                    nn::conv_forward(ramp4x4(), W7, zero_bias(1), Activation::linear(), Padding::explicit_(1, 1));
                }),
                AllOf(HasSubstr("padded input (6,6)"), HasSubstr("padding (1,1)")));
    // 'same' pads as much as the kernel needs, so it never refuses.
    EXPECT_EQ(nn::conv_forward(ramp4x4(), W7, zero_bias(1)).shape, (nn::Shape{1, 4, 4, 1}));
}

TEST(ConvForwardErrors, Stride) {
    EXPECT_THAT(
        error_message([] {
            nn::conv_forward(ramp4x4(), sobel(), zero_bias(1), Activation::linear(), Padding::same(), Stride{0, 1});
        }),
        AllOf(HasSubstr("conv_forward: "), HasSubstr("stride must be positive"), HasSubstr("(0,1)")));
    EXPECT_THAT(error_message([] {
                    nn::conv_forward(ramp4x4(), sobel(), zero_bias(1), Activation::linear(), Padding::valid(),
                                     Stride{1, -1});
                }),
                HasSubstr("stride must be positive, got (1,-1)"));
}

TEST(ConvForwardErrors, NegativePadding) {
    EXPECT_THAT(error_message([] {
                    nn::conv_forward(ramp4x4(), sobel(), zero_bias(1), Activation::linear(), Padding::explicit_(-1, 0));
                }),
                AllOf(HasSubstr("conv_forward: "), HasSubstr("padding must not be negative"), HasSubstr("(-1,0)")));
}

TEST(ConvForwardErrors, UnknownPaddingString) {
    EXPECT_THAT(error_message([] {
                    nn::conv_forward(ramp4x4(), sobel(), zero_bias(1), Activation::linear(),
                                     Padding::parse("full", "conv_forward"));
                }),
                HasSubstr("conv_forward: unknown padding 'full'"));
}
