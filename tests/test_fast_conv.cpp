// nn::fast::conv_forward and conv_backward: a hand case, the same numbers as
// the reference passes on a grid of shapes, paddings, strides, kernels (odd
// and even) and activations, finite differences of the fast backward against
// the fast forward, results identical for every thread count and with the
// skipping of zero source rows, and the reference's errors under the fast
// names.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "nn/conv_backward.hpp"
#include "nn/fast/conv_backward.hpp"
#include "nn/fast/conv_forward.hpp"
#include "nn/fast/conv_planes.hpp"
#include "nn/fast/simd.hpp"
#include "nn/fast/thread_pool.hpp"
#include "nn/conv_forward.hpp"
#include "nn/rng.hpp"
#include "tests/gradcheck.hpp"
#include "tests/test_util.hpp"

using nn::Activation;
using nn::ConvGrads;
using nn::Padding;
using nn::Stride;
using nn::Tensor;
using ::testing::HasSubstr;

namespace {

// The fast passes on a pool of @p threads threads (0 = all cores) started for the call.
Tensor fast_forward(const Tensor& A, const Tensor& W, const Tensor& b, Activation act, Padding pad, Stride s,
                    int threads) {
    nn::fast::ThreadPool pool(threads);
    return nn::fast::conv_forward(A, W, b, act, pad, s, pool);
}

ConvGrads fast_backward(const Tensor& dZ, const Tensor& A, const Tensor& W, const Tensor& b, Padding pad, Stride s,
                        int threads) {
    nn::fast::ThreadPool pool(threads);
    return nn::fast::conv_backward(dZ, A, W, b, pad, s, pool);
}

// This suite's default tolerance for testutil::all_close.
::testing::AssertionResult close(const Tensor& got, const Tensor& want, double tol = 1e-4) {
    return testutil::all_close(got, want, tol);
}

// Sample i of a batch, as a batch of one.
Tensor sample_of(const Tensor& t, int i) {
    nn::Shape shape = t.shape;
    shape[0] = 1;
    Tensor one(shape);
    const auto begin = t.data.begin() + static_cast<std::ptrdiff_t>(i * one.size());
    std::copy(begin, begin + static_cast<std::ptrdiff_t>(one.size()), one.data.begin());
    return one;
}

struct Case {
    nn::Shape A, W;
    Padding pad;
    Stride stride;
};

std::string describe(const Case& c) {
    return "A " + nn::shape_str(c.A) + " W " + nn::shape_str(c.W) + " pad " + c.pad.str() + " stride (" +
           std::to_string(c.stride.sh) + "," + std::to_string(c.stride.sw) + ")";
}

// Shapes, paddings, strides and kernels the grid covers: odd and even
// kernels, non-square ones, channel counts below, at and above a tile's 8,
// strides that do not divide the input, explicit padding wider than the kernel.
std::vector<Case> grid() {
    std::vector<Case> cases;
    // Inputs up to 16 wide take fast::conv_backward's by-rows dA_prev (with
    // AVX-512); the 19-wide one takes the wide-row path.
    const std::vector<nn::Shape> inputs = {{1, 5, 5, 1}, {2, 7, 6, 3}, {3, 4, 9, 2},
                                           {1, 1, 1, 4}, {4, 6, 7, 1}, {2, 4, 19, 2}};
    const std::vector<nn::Shape> kernels = {{1, 1}, {2, 2}, {3, 3}, {2, 3}, {4, 1}, {5, 5}};
    const std::vector<int> c_news = {1, 6, 9, 17};
    const std::vector<Padding> pads = {Padding::valid(), Padding::same(), Padding::explicit_(1, 2),
                                       Padding::explicit_(3, 0)};
    const std::vector<Stride> strides = {{1, 1}, {2, 2}, {3, 1}};
    int k = 0;
    for (const auto& a : inputs)
        for (const auto& kern : kernels)
            for (const auto& pad : pads)
                for (const auto& s : strides) {
                    const int c_new = c_news[static_cast<std::size_t>(k++) % c_news.size()];
                    const int h_pad = pad.kind == Padding::Kind::explicit_ ? 2 * pad.ph : 0;
                    const int w_pad = pad.kind == Padding::Kind::explicit_ ? 2 * pad.pw : 0;
                    if (pad.kind != Padding::Kind::same && (a[1] + h_pad < kern[0] || a[2] + w_pad < kern[1])) continue;
                    cases.push_back({a, {kern[0], kern[1], a[3], c_new}, pad, s});
                }
    return cases;
}

}  // namespace

// A (1,3,3,1) = 1..9, W a 2x2 kernel of ones, b = 0.5, valid, stride 1:
// each output is its window's sum plus 0.5: 1+2+4+5 = 12, 2+3+5+6 = 16,
// 4+5+7+8 = 24, 5+6+8+9 = 28. Backward with dZ = 1: dW[p,q] is the sum of the
// cells that tap (p,q) sees (the same four window sums), db = 4, and each
// dA_prev cell counts the windows that cover it: 1 2 1 / 2 4 2 / 1 2 1.
TEST(ConvFast, HandCase) {
    const Tensor A({1, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
    const Tensor W({2, 2, 1, 1}, {1, 1, 1, 1});
    const Tensor b({1, 1, 1, 1}, {0.5f});
    const Tensor Z = fast_forward(A, W, b, Activation::linear(), Padding::valid(), {1, 1}, 1);
    EXPECT_EQ(Z.shape, (nn::Shape{1, 2, 2, 1}));
    EXPECT_EQ(Z.data, (std::vector<float>{12.5f, 16.5f, 24.5f, 28.5f}));
    const ConvGrads g = fast_backward(Tensor({1, 2, 2, 1}, 1.0f), A, W, b, Padding::valid(), {1, 1}, 1);
    EXPECT_EQ(g.dW.data, (std::vector<float>{12, 16, 24, 28}));
    EXPECT_EQ(g.db.data, (std::vector<float>{4}));
    EXPECT_EQ(g.dA_prev.data, (std::vector<float>{1, 2, 1, 2, 4, 2, 1, 2, 1}));
}

// "same" with a stride: A (1,4,4,1) all ones, a 3x3 kernel of ones, stride 2.
// Output ceil(4/2) = 2 per side; total padding (2-1)*2 + 3 - 4 = 1, all of it
// on the bottom/right (TensorFlow puts the smaller half, 0, first). Windows
// cover rows 0-2 and 2-4, row 4 being padding, and the same for columns, so
// the sums are 3*3 = 9, 3*2 = 6, 2*3 = 6 and 2*2 = 4.
TEST(ConvFast, SameWithStrideHandCase) {
    const Tensor A({1, 4, 4, 1}, 1.0f);
    const Tensor W({3, 3, 1, 1}, 1.0f);
    const Tensor Z = fast_forward(A, W, Tensor({1, 1, 1, 1}), Activation::linear(), Padding::same(),
                                           {2, 2}, 2);
    EXPECT_EQ(Z.shape, (nn::Shape{1, 2, 2, 1}));
    EXPECT_EQ(Z.data, (std::vector<float>{9, 6, 6, 4}));
}

TEST(ConvFast, ForwardMatchesReferenceOnGrid) {
    nn::Rng rng(11);
    const std::vector<Activation> acts = {Activation::linear(), Activation::relu(), Activation::tanh(),
                                          Activation::sigmoid()};
    int k = 0;
    for (const Case& c : grid()) {
        const Tensor A = gradcheck::random_tensor(c.A, rng);
        const Tensor W = gradcheck::random_tensor(c.W, rng);
        const Tensor b = gradcheck::random_tensor({1, 1, 1, c.W[3]}, rng);
        const Activation act = acts[static_cast<std::size_t>(k++) % acts.size()];
        const Tensor want = nn::conv_forward(A, W, b, act, c.pad, c.stride);
        EXPECT_TRUE(close(fast_forward(A, W, b, act, c.pad, c.stride, 2), want))
            << describe(c) << " " << act.name();
    }
}

TEST(ConvFast, BackwardMatchesReferenceOnGrid) {
    nn::Rng rng(12);
    for (const Case& c : grid()) {
        const Tensor A = gradcheck::random_tensor(c.A, rng);
        const Tensor W = gradcheck::random_tensor(c.W, rng);
        const Tensor b = gradcheck::random_tensor({1, 1, 1, c.W[3]}, rng);
        const Tensor Z = nn::conv_forward(A, W, b, Activation::linear(), c.pad, c.stride);
        const Tensor dZ = gradcheck::random_tensor(Z.shape, rng);
        const ConvGrads want = nn::conv_backward(dZ, A, W, b, c.pad, c.stride);
        const ConvGrads got = fast_backward(dZ, A, W, b, c.pad, c.stride, 2);
        EXPECT_TRUE(close(got.dA_prev, want.dA_prev)) << "dA_prev, " << describe(c);
        EXPECT_TRUE(close(got.dW, want.dW)) << "dW, " << describe(c);
        EXPECT_TRUE(close(got.db, want.db)) << "db, " << describe(c);
    }
}

// The fast backward against central differences of the fast forward, every
// element of A_prev, W and b, for L = sum(R ⊙ Z): padding {valid, same,
// explicit} x stride {1, 2} x kernel {3x3, 2x2}.
TEST(ConvFast, BackwardMatchesFiniteDifferences) {
    nn::Rng rng(13);
    for (const Padding pad : {Padding::valid(), Padding::same(), Padding::explicit_(1, 2)})
        for (const Stride s : {Stride{1, 1}, Stride{2, 2}})
            for (const int k : {3, 2}) {
                Tensor A = gradcheck::random_tensor({2, 5, 5, 2}, rng);
                Tensor W = gradcheck::random_tensor({k, k, 2, 3}, rng);
                Tensor b = gradcheck::random_tensor({1, 1, 1, 3}, rng);
                auto f = [&] { return fast_forward(A, W, b, Activation::linear(), pad, s, 2); };
                const Tensor R = gradcheck::random_tensor(f().shape, rng);
                const ConvGrads g = fast_backward(R, A, W, b, pad, s, 2);
                const std::string where = " pad " + pad.str() + " stride " + std::to_string(s.sh) + " k " + std::to_string(k);
                EXPECT_TRUE(gradcheck::check_weighted("dA_prev" + where, A, g.dA_prev, f, R));
                EXPECT_TRUE(gradcheck::check_weighted("dW" + where, W, g.dW, f, R));
                EXPECT_TRUE(gradcheck::check_weighted("db" + where, b, g.db, f, R));
            }
}

// Large enough that the work is split (the passes use fewer threads for
// small work); the pool's bits for every thread count.
TEST(ConvFast, IdenticalForEveryThreadCount) {
    nn::Rng rng(14);
    const Tensor A = gradcheck::random_tensor({9, 28, 28, 3}, rng);
    const Tensor W = gradcheck::random_tensor({5, 5, 3, 16}, rng);
    const Tensor b = gradcheck::random_tensor({1, 1, 1, 16}, rng);
    const Tensor Z1 = fast_forward(A, W, b, Activation::relu(), Padding::same(), {1, 1}, 1);
    const Tensor dZ = gradcheck::random_tensor(Z1.shape, rng);
    const ConvGrads g1 = fast_backward(dZ, A, W, b, Padding::same(), {1, 1}, 1);
    for (int threads : {2, 3, 7, 0}) {
        nn::fast::ThreadPool pool(threads);
        EXPECT_TRUE(testutil::identical(nn::fast::conv_forward(A, W, b, Activation::relu(), Padding::same(), {1, 1}, pool), Z1))
            << threads << " threads";
        const ConvGrads g = nn::fast::conv_backward(dZ, A, W, b, Padding::same(), {1, 1}, pool);
        EXPECT_TRUE(testutil::identical(g.dA_prev, g1.dA_prev)) << threads << " threads";
        EXPECT_TRUE(testutil::identical(g.dW, g1.dW)) << threads << " threads";
        EXPECT_TRUE(testutil::identical(g.db, g1.db)) << threads << " threads";
    }
}

// LeNet-5's two convolutions at batch 32, the shapes the training path runs.
// With several input channels the forward pass puts kLanes samples in the
// lanes of a vector, when there are enough blocks of kLanes samples for every
// thread; otherwise it uses the planes. 17 samples are two blocks, the second
// of one sample: one thread takes the lanes, three take the planes. Both sum
// the taps in W's order, so they give the same bits, at any padding and stride.
TEST(ConvFast, BatchInLanesGivesThePlanesBits) {
    nn::Rng rng(83);
    const Tensor A = gradcheck::random_tensor({17, 44, 44, 6}, rng);
    const Tensor W = gradcheck::random_tensor({5, 5, 6, 16}, rng);
    const Tensor b = gradcheck::random_tensor({1, 1, 1, 16}, rng);
    struct Case {
        Padding pad;
        nn::Stride stride;
    };
    for (const Case& c : {Case{Padding::valid(), {1, 1}}, Case{Padding::same(), {1, 1}},
                          Case{Padding::explicit_(2, 1), {2, 3}}}) {
        SCOPED_TRACE(c.pad.str());
        const Tensor lanes = fast_forward(A, W, b, Activation::relu(), c.pad, c.stride, 1);
        const Tensor planes = fast_forward(A, W, b, Activation::relu(), c.pad, c.stride, 3);
        EXPECT_TRUE(testutil::identical(lanes, planes));
        EXPECT_TRUE(close(lanes, nn::conv_forward(A, W, b, Activation::relu(), c.pad, c.stride)));
    }
}

// The backward pass puts kLanes samples in the lanes of a vector when the
// input has several channels, the stride is 1, every dZ pixel lands inside
// the padded correlation (padding at most the kernel size less one) and the
// batch holds kLanes samples or more. Its dA_prev sums the same terms in the
// same order as the planes path, which a batch of one takes: sample by
// sample, the same bits. dW and db add the samples in another order, so they
// are held to the reference, and to their own bits on every thread count and
// without dA_prev. Two full blocks and one of 3 samples, at widths below and
// above a tile's pixels, kernels square and not, padding on all sides; the
// fifth case (padding 3 above a 2-row kernel) takes the planes path. In the
// last, 41 blocks, a chunk of the loop holds several blocks (on up to 10
// cores), so the short block reuses a thread's buffers after a full one.
TEST(ConvFast, BackwardBatchInLanesGivesThePlanesDaPrevBits) {
    constexpr int kLanes = nn::fast::simd::kLanes;
    nn::Rng rng(89);
    struct Lanes {
        nn::Shape A, W;
        Padding pad;
    };
    const int m = 2 * kLanes + 3;
    for (const Lanes& c : {Lanes{{m, 14, 14, 6}, {5, 5, 6, 16}, Padding::valid()},
                           Lanes{{m, 9, 7, 2}, {3, 3, 2, 5}, Padding::same()},
                           Lanes{{m, 6, 3, 9}, {2, 3, 9, 7}, Padding::explicit_(1, 2)},
                           Lanes{{m, 5, 11, 3}, {3, 2, 3, 4}, Padding::explicit_(0, 1)},
                           Lanes{{m, 4, 5, 2}, {2, 2, 2, 3}, Padding::explicit_(3, 0)},
                           Lanes{{40 * kLanes + 3, 3, 4, 2}, {2, 2, 2, 3}, Padding::same()}}) {
        SCOPED_TRACE("A " + nn::shape_str(c.A) + " W " + nn::shape_str(c.W) + " pad " + c.pad.str());
        const Tensor A = gradcheck::random_tensor(c.A, rng);
        const Tensor W = gradcheck::random_tensor(c.W, rng);
        const Tensor b = gradcheck::random_tensor({1, 1, 1, c.W[3]}, rng);
        const Tensor Z = nn::conv_forward(A, W, b, Activation::linear(), c.pad, {1, 1});
        const Tensor dZ = gradcheck::random_tensor(Z.shape, rng);
        const ConvGrads got = fast_backward(dZ, A, W, b, c.pad, {1, 1}, 1);
        for (int i = 0; i < c.A[0]; ++i) {
            const ConvGrads one = fast_backward(sample_of(dZ, i), sample_of(A, i), W, b, c.pad, {1, 1}, 1);
            ASSERT_TRUE(testutil::identical(sample_of(got.dA_prev, i), one.dA_prev)) << "sample " << i;
        }
        const ConvGrads want = nn::conv_backward(dZ, A, W, b, c.pad, {1, 1});
        EXPECT_TRUE(close(got.dA_prev, want.dA_prev));
        EXPECT_TRUE(close(got.dW, want.dW, 1e-3));
        EXPECT_TRUE(close(got.db, want.db, 1e-3));
        for (int threads : {2, 3}) {
            const ConvGrads g = fast_backward(dZ, A, W, b, c.pad, {1, 1}, threads);
            EXPECT_TRUE(testutil::identical(g.dA_prev, got.dA_prev)) << threads << " threads";
            EXPECT_TRUE(testutil::identical(g.dW, got.dW)) << threads << " threads";
            EXPECT_TRUE(testutil::identical(g.db, got.db)) << threads << " threads";
        }
        nn::fast::ThreadPool pool(2);
        const ConvGrads no_dA = nn::fast::conv_backward(dZ, A, W, b, c.pad, {1, 1}, pool, false);
        EXPECT_TRUE(testutil::identical(no_dA.dW, got.dW));
        EXPECT_TRUE(testutil::identical(no_dA.db, got.db));
    }
}

// The batch-in-lanes backward against central differences of the forward,
// every element of A_prev, W and b, with one full block and one of a sample.
TEST(ConvFast, BackwardBatchInLanesMatchesFiniteDifferences) {
    nn::Rng rng(91);
    for (const Padding pad : {Padding::valid(), Padding::same()}) {
        Tensor A = gradcheck::random_tensor({nn::fast::simd::kLanes + 1, 4, 5, 2}, rng);
        Tensor W = gradcheck::random_tensor({3, 3, 2, 3}, rng);
        Tensor b = gradcheck::random_tensor({1, 1, 1, 3}, rng);
        auto f = [&] { return fast_forward(A, W, b, Activation::linear(), pad, {1, 1}, 2); };
        const Tensor R = gradcheck::random_tensor(f().shape, rng);
        const ConvGrads g = fast_backward(R, A, W, b, pad, {1, 1}, 2);
        EXPECT_TRUE(gradcheck::check_weighted("dA_prev pad " + pad.str(), A, g.dA_prev, f, R));
        EXPECT_TRUE(gradcheck::check_weighted("dW pad " + pad.str(), W, g.dW, f, R));
        EXPECT_TRUE(gradcheck::check_weighted("db pad " + pad.str(), b, g.db, f, R));
    }
}

// With 2 to 8 output channels and rows of at least kLanes pixels, the
// forward pass stores its tiles, and the backward pass copies dZ into planes,
// kLanes pixels at a time by shuffles, a row's last kLanes ending at its end
// (interleave.hpp). Widths at, just above and well above 16 (AVX-512's
// kLanes) and tiles that start mid-row (Wq = 21, 23 with padding) check the
// placement against the reference.
TEST(ConvFast, FewChannelsByShufflesMatchReference) {
    nn::Rng rng(97);
    for (const int w : {16, 17, 21, 33})
        for (const int C : {2, 3, 5, 6, 8}) {
            const Tensor A = gradcheck::random_tensor({2, 6, w, 1}, rng);
            const Tensor W = gradcheck::random_tensor({3, 3, 1, C}, rng);
            const Tensor b = gradcheck::random_tensor({1, 1, 1, C}, rng);
            for (const Padding pad : {Padding::same(), Padding::valid()}) {
                SCOPED_TRACE("w " + std::to_string(w) + " C " + std::to_string(C) + " pad " + pad.str());
                const Tensor Z = fast_forward(A, W, b, Activation::linear(), pad, {1, 1}, 2);
                EXPECT_TRUE(close(Z, nn::conv_forward(A, W, b, Activation::linear(), pad, {1, 1})));
                const Tensor dZ = gradcheck::random_tensor(Z.shape, rng);
                const ConvGrads got = fast_backward(dZ, A, W, b, pad, {1, 1}, 2);
                const ConvGrads want = nn::conv_backward(dZ, A, W, b, pad, {1, 1});
                EXPECT_TRUE(close(got.dW, want.dW));
                EXPECT_TRUE(close(got.db, want.db));
                EXPECT_TRUE(close(got.dA_prev, want.dA_prev));
            }
        }
}

// The wide-row correlation may skip kernel rows that read only zero source
// rows (dZ's padding in the backward pass); the sums' other terms keep their
// order, so with a RowSpan the result is the one without it, to the bit.
// Rows 3-4 and the last 4 rows of the source are zero; the output is wider
// than any vector, so tiles cover parts of several rows.
TEST(ConvFast, SkippingZeroSourceRowsGivesTheSameBits) {
    namespace f = nn::fast;
    const int C_in = 3, C = 5, kh = 5, kw = 3, Hp = 21, Wp = 37, Ho = Hp - kh + 1, Wo = Wp - kw + 1;
    const f::Planes P = f::plan_planes(1, C_in, Hp, Wp, kh, kw, 1, 1);
    f::RowSpan span;
    span.taps_per_row = kw * C_in;
    span.row_lo = 5;
    span.row_hi = Hp - 4;
    nn::Rng rng(91);
    f::Buffer src(P.size, true);
    for (int k = 0; k < C_in; ++k)
        for (int r = span.row_lo; r < span.row_hi; ++r)
            for (int x = 0; x < P.Wq; ++x) src.data()[k * P.plane + f::Index{r} * P.Wq + x] = static_cast<float>(2.0 * rng.uniform() - 1.0);
    const Tensor w = gradcheck::random_tensor({kh * kw * C_in, C}, rng);
    Tensor all({Ho, Wo, C}), skipping({Ho, Wo, C});
    f::correlate(src.data(), P, w.data.data(), C, nullptr, Ho, Wo, all.data.data());
    f::correlate(src.data(), P, w.data.data(), C, nullptr, Ho, Wo, skipping.data.data(), &span);
    EXPECT_TRUE(testutil::identical(skipping, all));
    // The span matters: claiming a row too few holds values changes the sums.
    span.row_hi -= 1;
    f::correlate(src.data(), P, w.data.data(), C, nullptr, Ho, Wo, skipping.data.data(), &span);
    EXPECT_FALSE(testutil::identical(skipping, all));
}

TEST(ConvFast, LeNetLayersMatchReference) {
    nn::Rng rng(15);
    struct Layer {
        nn::Shape A, W;
        Padding pad;
    };
    for (const Layer& l : {Layer{{32, 28, 28, 1}, {5, 5, 1, 6}, Padding::same()},
                           Layer{{32, 14, 14, 6}, {5, 5, 6, 16}, Padding::valid()}}) {
        const Tensor A = gradcheck::random_tensor(l.A, rng, 0.0, 1.0);
        const Tensor W = gradcheck::random_tensor(l.W, rng);
        const Tensor b = gradcheck::random_tensor({1, 1, 1, l.W[3]}, rng);
        const Tensor Z = nn::conv_forward(A, W, b, Activation::relu(), l.pad, {1, 1});
        EXPECT_TRUE(close(fast_forward(A, W, b, Activation::relu(), l.pad, {1, 1}, 0), Z));
        const Tensor dZ = gradcheck::random_tensor(Z.shape, rng);
        const ConvGrads want = nn::conv_backward(dZ, A, W, b, l.pad, {1, 1});
        const ConvGrads got = fast_backward(dZ, A, W, b, l.pad, {1, 1}, 0);
        EXPECT_TRUE(close(got.dA_prev, want.dA_prev));
        EXPECT_TRUE(close(got.dW, want.dW, 1e-3));  // sums of 25,088 products in float, in another order
        EXPECT_TRUE(close(got.db, want.db, 1e-3));
    }
}

// The helper every "matches the reference" test here relies on: a NaN
// passed it until it compared "differs by more than tol", which is false for
// a NaN; a NaN now matches only a NaN.
TEST(TestUtil, AllCloseFailsOnNaN) {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    EXPECT_FALSE(testutil::all_close(Tensor({2}, {1.0f, nan}), Tensor({2}, {1.0f, 2.0f}), 1e-4));
    EXPECT_FALSE(testutil::all_close(Tensor({2}, {1.0f, 2.0f}), Tensor({2}, {1.0f, nan}), 1e-4));
    EXPECT_TRUE(testutil::all_close(Tensor({2}, {1.0f, nan}), Tensor({2}, {1.0f, nan}), 1e-4));
    EXPECT_TRUE(testutil::all_close(Tensor({2}, {1.0f, 2.0f}), Tensor({2}, {1.0f, 2.00001f}), 1e-4));
}

float* volatile escape = nullptr;  // see PartialGroupIgnoresStaleMemory

// Bug: a batch that does not fill the last group of 16 samples left the
// planes after its last sample unwritten, and that sample's last taps read a
// few floats there, weighted by dZ's zeros: 0 * NaN is NaN. Memory the
// allocator hands back full of NaN must not reach dW (it did, now and then,
// in tests/test_keras.cpp's fit on 12 samples).
TEST(ConvFast, PartialGroupIgnoresStaleMemory) {
    nn::Rng rng(21);
    const Tensor A = gradcheck::random_tensor({12, 6, 6, 1}, rng);
    const Tensor W = gradcheck::random_tensor({3, 3, 1, 4}, rng);
    const Tensor b = gradcheck::random_tensor({1, 1, 1, 4}, rng);
    const Tensor dZ = gradcheck::random_tensor({12, 6, 6, 4}, rng);
    const ConvGrads want = nn::conv_backward(dZ, A, W, b, Padding::same(), {1, 1});
    for (int round = 0; round < 20; ++round) {
        // Blocks of every size near the planes' buffers, filled with NaN and
        // freed; a block allocated after them and kept keeps the freed memory
        // inside the heap, where the next allocations find it.
        std::vector<std::vector<float>> stale;
        for (std::size_t n = 256; n < 8192; n += 64) {
            stale.emplace_back(n, std::numeric_limits<float>::quiet_NaN());
            escape = stale.back().data();  // so the compiler cannot leave the blocks out
        }
        std::vector<float> after(64, 1.0f);
        escape = after.data();
        stale.clear();
        const ConvGrads got = fast_backward(dZ, A, W, b, Padding::same(), {1, 1}, 1);
        ASSERT_TRUE(close(got.dW, want.dW)) << "round " << round;
        ASSERT_TRUE(close(got.db, want.db)) << "round " << round;
    }
}

TEST(ConvFast, EmptyBatch) {
    const Tensor A({0, 5, 5, 2}), W({3, 3, 2, 4}), b({1, 1, 1, 4});
    const Tensor Z = fast_forward(A, W, b, Activation::relu(), Padding::same(), {1, 1}, 2);
    EXPECT_EQ(Z.shape, (nn::Shape{0, 5, 5, 4}));
    const ConvGrads g = fast_backward(Z, A, W, b, Padding::same(), {1, 1}, 2);
    EXPECT_EQ(g.dA_prev.shape, A.shape);
    EXPECT_EQ(g.dW.data, std::vector<float>(W.size(), 0.0f));
    EXPECT_EQ(g.db.data, std::vector<float>(4, 0.0f));
}

// Every error of the reference passes, with the same message under the fast name.
TEST(ConvFast, ErrorsAreTheReferences) {
    const Tensor A({2, 5, 5, 1}), W({3, 3, 1, 4}), b({1, 1, 1, 4});
    struct Bad {
        Tensor A, W, b;
        Padding pad;
        Stride s;
        const char* names;  // the argument the message must name
    };
    const std::vector<Bad> bad = {
        {Tensor({5, 5, 1}), W, b, Padding::same(), {1, 1}, "A_prev"},
        {A, Tensor({3, 3, 4}), b, Padding::same(), {1, 1}, "W"},
        {A, Tensor({3, 3, 3, 4}), b, Padding::same(), {1, 1}, "c_prev"},
        {A, W, Tensor({1, 1, 1, 3}), Padding::same(), {1, 1}, "b"},
        {A, W, Tensor({4}), Padding::same(), {1, 1}, "b"},
        {A, W, b, Padding::same(), {0, 1}, "stride"},
        {A, W, b, Padding::explicit_(-1, 0), {1, 1}, "padding"},
        {A, Tensor({7, 3, 1, 4}), b, Padding::valid(), {1, 1}, "kernel"},
    };
    for (const Bad& x : bad) {
        const std::string want = testutil::error_message([&] { nn::conv_forward(x.A, x.W, x.b, Activation::relu(), x.pad, x.s); });
        const std::string got =
            testutil::error_message([&] { fast_forward(x.A, x.W, x.b, Activation::relu(), x.pad, x.s, 2); });
        EXPECT_THAT(got, HasSubstr("fast::conv_forward: "));
        EXPECT_THAT(got, HasSubstr(x.names));
        EXPECT_EQ(got.substr(std::string("fast::conv_forward").size()), want.substr(std::string("conv_forward").size()));
        const Tensor dz = Tensor({2, 5, 5, 4});
        const std::string want_b = testutil::error_message([&] { nn::conv_backward(dz, x.A, x.W, x.b, x.pad, x.s); });
        const std::string got_b = testutil::error_message([&] { fast_backward(dz, x.A, x.W, x.b, x.pad, x.s, 2); });
        EXPECT_THAT(got_b, HasSubstr("fast::conv_backward: "));
        EXPECT_EQ(got_b.substr(std::string("fast::conv_backward").size()),
                  want_b.substr(std::string("conv_backward").size()));
    }
    const std::string want = testutil::error_message([&] { nn::conv_backward(Tensor({2, 5, 5, 3}), A, W, b, Padding::same(), {1, 1}); });
    const std::string got =
        testutil::error_message([&] { fast_backward(Tensor({2, 5, 5, 3}), A, W, b, Padding::same(), {1, 1}, 2); });
    EXPECT_THAT(got, HasSubstr("dZ"));
    EXPECT_THAT(got, HasSubstr("(2,5,5,3)"));
    EXPECT_EQ(got.substr(std::string("fast::conv_backward").size()), want.substr(std::string("conv_backward").size()));
}

// A pool of 2 threads gives the 1-thread bits on every case of the grid.
TEST(ConvFast, PoolOfTwoGivesOneThreadsBitsOnGrid) {
    nn::Rng rng(16);
    nn::fast::ThreadPool pool(2);
    for (const Case& c : grid()) {
        const Tensor A = gradcheck::random_tensor(c.A, rng);
        const Tensor W = gradcheck::random_tensor(c.W, rng);
        const Tensor b = gradcheck::random_tensor({1, 1, 1, c.W[3]}, rng);
        const Tensor want_Z = fast_forward(A, W, b, Activation::relu(), c.pad, c.stride, 1);
        EXPECT_TRUE(testutil::identical(nn::fast::conv_forward(A, W, b, Activation::relu(), c.pad, c.stride, pool),
                                        want_Z))
            << describe(c);
        const Tensor dZ = gradcheck::random_tensor(want_Z.shape, rng);
        const ConvGrads want = fast_backward(dZ, A, W, b, c.pad, c.stride, 1);
        const ConvGrads g = nn::fast::conv_backward(dZ, A, W, b, c.pad, c.stride, pool);
        EXPECT_TRUE(testutil::identical(g.dA_prev, want.dA_prev)) << describe(c);
        EXPECT_TRUE(testutil::identical(g.dW, want.dW)) << describe(c);
        EXPECT_TRUE(testutil::identical(g.db, want.db)) << describe(c);
    }
}

// need_dA_prev = false: dW and db as with dA_prev, dA_prev left empty.
TEST(ConvFast, SkippingTheInputGradientKeepsDwAndDb) {
    nn::Rng rng(18);
    nn::fast::ThreadPool pool(2);
    const Tensor A = gradcheck::random_tensor({32, 28, 28, 1}, rng);
    const Tensor W = gradcheck::random_tensor({5, 5, 1, 6}, rng);
    const Tensor b = gradcheck::random_tensor({1, 1, 1, 6}, rng);
    const Tensor dZ = gradcheck::random_tensor({32, 28, 28, 6}, rng);
    const ConvGrads want = nn::fast::conv_backward(dZ, A, W, b, Padding::same(), {1, 1}, pool);
    const ConvGrads g = nn::fast::conv_backward(dZ, A, W, b, Padding::same(), {1, 1}, pool, false);
    EXPECT_EQ(g.dA_prev.size(), 0u);
    EXPECT_TRUE(testutil::identical(g.dW, want.dW));
    EXPECT_TRUE(testutil::identical(g.db, want.db));
}
