// The fast conv backward (through nn::Context) on batches larger than one
// group of samples: m = 33, 47 and 64 against the double-precision reference
// of tests/reference.hpp (im2col in double) and against the plain loop nest.
// The fast pass splits the batch into groups of 16 samples and sums dW and db
// group by group; a short last group, or a group past the 32nd sample, has
// its own bookkeeping that LeNet's batch of 32 never reaches, but
// `plaincnn train --batch-size 64` does. And every input channel count from
// 1 to 17, for the blocks of channels the fast dA_prev works on.
#include <gtest/gtest.h>

#include <string>

#include "nn/context.hpp"
#include "nn/conv_backward.hpp"
#include "tests/reference.hpp"
#include "tests/test_util.hpp"

namespace {

struct Case {
    nn::Shape A, W;
    nn::Padding pad;
    nn::Stride stride;
    const char* name;
};

// A TF-"same" 3x3 stride-1 layer like LeNet's, a valid 2x3 stride-(2,1)
// layer, and explicit padding with a 5x5 kernel.
const Case kCases[] = {
    {{0, 6, 6, 2}, {3, 3, 2, 3}, nn::Padding::same(), {1, 1}, "same 3x3 stride 1"},
    {{0, 7, 6, 3}, {2, 3, 3, 2}, nn::Padding::valid(), {2, 1}, "valid 2x3 stride (2,1)"},
    {{0, 5, 5, 1}, {5, 5, 1, 4}, nn::Padding::explicit_(1, 2), {1, 2}, "explicit (1,2) 5x5 stride (1,2)"},
};

// Compares Context(threads) conv_backward with ref::conv_backward.
void check_case(const Case& c, int m, int threads, bool need_dA_prev) {
    nn::Shape shape = c.A;
    shape[0] = m;
    const std::uint64_t seed = static_cast<std::uint64_t>(m * 100 + threads);
    const nn::Tensor A = testutil::seeded_uniform(shape, seed);
    const nn::Tensor W = testutil::seeded_uniform(c.W, seed + 1);
    const nn::Tensor b = testutil::seeded_uniform({1, 1, 1, c.W[3]}, seed + 2);
    nn::Context ctx(threads);
    const nn::Tensor Z = ctx.conv_forward(A, W, b, nn::Activation::linear(), c.pad, c.stride);
    const nn::Tensor dZ = testutil::seeded_uniform(Z.shape, seed + 3);
    const nn::ConvGrads got = ctx.conv_backward(dZ, A, W, b, c.pad, c.stride, need_dA_prev);
    const ref::ConvGrads want = ref::conv_backward(dZ, A, W, c.pad, c.stride);
    const std::string where = std::string(c.name) + ", m = " + std::to_string(m) + ", " + std::to_string(threads) +
                              " threads" + (need_dA_prev ? "" : ", no dA_prev");
    // dW sums m * h_new * w_new products of values in [-1, 1]: a few hundred
    // at m = 64; float rounding of such a sum stays far below 1e-4 relative.
    EXPECT_TRUE(testutil::all_close(got.dW, want.dW, 1e-4)) << "dW, " << where;
    EXPECT_TRUE(testutil::all_close(got.db, want.db, 1e-4)) << "db, " << where;
    if (need_dA_prev)
        EXPECT_TRUE(testutil::all_close(got.dA_prev, want.dA_prev, 1e-4)) << "dA_prev, " << where;
    else
        EXPECT_EQ(got.dA_prev.size(), 0u) << where;
}

}  // namespace

TEST(FastConvBackwardLarge, MatchesTheDoubleReferenceAbove32Samples) {
    for (const Case& c : kCases)
        for (int m : {33, 47, 64})
            for (int threads : {1, 2, 3}) check_case(c, m, threads, true);
}

TEST(FastConvBackwardLarge, WithoutTheInputGradientToo) {
    for (const Case& c : kCases)
        for (int m : {33, 47, 64}) check_case(c, m, 2, false);
}

TEST(FastConvBackwardLarge, EqualsThePlainLoopNestAtBatch64) {
    // The plain loop nest of nn/conv_backward.cpp, through the reference
    // context, as the front-ends would run it with --reference.
    const nn::Tensor A = testutil::seeded_uniform({64, 8, 8, 2}, 7);
    const nn::Tensor W = testutil::seeded_uniform({5, 5, 2, 4}, 8);
    const nn::Tensor b = testutil::seeded_uniform({1, 1, 1, 4}, 9);
    nn::Context fast(2), plain(0, nn::Passes::reference);
    const nn::Tensor Z = plain.conv_forward(A, W, b, nn::Activation::linear(), nn::Padding::same(), {1, 1});
    const nn::Tensor dZ = testutil::seeded_uniform(Z.shape, 10);
    const nn::ConvGrads f = fast.conv_backward(dZ, A, W, b, nn::Padding::same(), {1, 1});
    const nn::ConvGrads p = plain.conv_backward(dZ, A, W, b, nn::Padding::same(), {1, 1});
    EXPECT_TRUE(testutil::all_close(f.dA_prev, p.dA_prev, 1e-4));
    EXPECT_TRUE(testutil::all_close(f.dW, p.dW, 1e-4));
    EXPECT_TRUE(testutil::all_close(f.db, p.db, 1e-4));
}

TEST(FastConvBackwardLarge, EveryChannelCountModuloEight) {
    // The fast dA_prev works on blocks of up to 8 input channels, with one
    // instance per block width 1..8: c_prev from 1 to 17 reaches each as a
    // last, partial block, with narrow rows (w_prev 5) and with wide ones (19).
    for (int w_prev : {5, 19})
        for (int c_prev = 1; c_prev <= 17; ++c_prev) {
            const std::uint64_t seed = static_cast<std::uint64_t>(100 * c_prev + w_prev);
            const nn::Tensor A = testutil::seeded_uniform({2, 4, w_prev, c_prev}, seed);
            const nn::Tensor W = testutil::seeded_uniform({3, 3, c_prev, 2}, seed + 1);
            const nn::Tensor b = testutil::seeded_uniform({1, 1, 1, 2}, seed + 2);
            nn::Context ctx(2);
            const nn::Tensor Z = ctx.conv_forward(A, W, b, nn::Activation::linear(), nn::Padding::same(), {1, 1});
            const nn::Tensor dZ = testutil::seeded_uniform(Z.shape, seed + 3);
            const nn::ConvGrads got = ctx.conv_backward(dZ, A, W, b, nn::Padding::same(), {1, 1});
            const ref::ConvGrads want = ref::conv_backward(dZ, A, W, nn::Padding::same(), {1, 1});
            const std::string where = "c_prev " + std::to_string(c_prev) + ", w_prev " + std::to_string(w_prev);
            EXPECT_TRUE(testutil::all_close(got.dA_prev, want.dA_prev, 1e-4)) << where;
            EXPECT_TRUE(testutil::all_close(got.dW, want.dW, 1e-4)) << where;
        }
}
