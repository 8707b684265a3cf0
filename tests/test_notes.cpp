// The worked examples of the course notes (docs/notes/*.md), as unit tests.
//
// Every number a note computes by hand is asserted here by calling the nn/
// pass itself, so a note cannot drift from the code: if a pass changes, this
// file fails and points at the note to fix. Each test is named in its note.
//
// All inputs are small integers (or quarters), so every value below is exactly
// representable in float32 and every sum the passes form is exact.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lenet/lenet5.hpp"
#include "lenet/tf1/gradients.hpp"
#include "lenet/tf1/graph.hpp"
#include "lenet/tf1/ops.hpp"
#include "lenet/tf1/session.hpp"
#include "nn/conv_backward.hpp"
#include "nn/conv_forward.hpp"
#include "nn/geometry.hpp"
#include "nn/pool_backward.hpp"
#include "nn/pool_forward.hpp"
#include "nn/tensor.hpp"
#include "tests/test_util.hpp"

namespace {

using nn::Padding;
using nn::PoolMode;
using nn::Shape;
using nn::Stride;
using nn::Tensor;
using nn::Window;

// A (1, rows, cols, 1) tensor from a grid written row by row, as in the notes.
Tensor grid(const std::vector<std::vector<float>>& rows) {
    const int h = static_cast<int>(rows.size());
    const int w = static_cast<int>(rows[0].size());
    Tensor t({1, h, w, 1});
    for (int r = 0; r < h; ++r)
        for (int s = 0; s < w; ++s) t.at(0, r, s, 0) = rows[r][s];
    return t;
}

// The note's 2x2 kernel as W (kh, kw, c_prev, c_new) = (2, 2, 1, 1).
Tensor kernel(const std::vector<std::vector<float>>& rows) {
    Tensor t = grid(rows);
    t.shape = {2, 2, 1, 1};
    return t;
}

// Checks shape and every value, naming the cell that differs.
void expect_tensor(const Tensor& got, const Shape& shape, const std::vector<float>& want) {
    ASSERT_EQ(got.shape, shape) << "got " << got.shape_str();
    ASSERT_EQ(got.data.size(), want.size());
    for (std::size_t j = 0; j < want.size(); ++j) EXPECT_FLOAT_EQ(got.data[j], want[j]) << "at flat index " << j;
}

// The input of the conv notes: 1..9 in a 3x3 single-channel image.
const std::vector<std::vector<float>> kA = {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}};
// The kernel of the conv notes.
const std::vector<std::vector<float>> kW = {{1, 2}, {0, -1}};
// The input of the pool notes: one tie (two 6s) in the top-right window.
const std::vector<std::vector<float>> kP = {{1, 3, 2, 6}, {5, 0, 6, 1}, {4, 2, 7, 1}, {0, 3, 6, 8}};

// docs/notes/conv_forward.md, "Worked example": valid, stride 1, b = 1.
//   Z[0,0] = 1*1 + 2*2 + 4*0 + 5*(-1) + 1 = 1    Z[0,1] = 2*1 + 3*2 + 5*0 + 6*(-1) + 1 = 3
//   Z[1,0] = 4*1 + 5*2 + 7*0 + 8*(-1) + 1 = 7    Z[1,1] = 5*1 + 6*2 + 8*0 + 9*(-1) + 1 = 9
TEST(NotesConvForward, WorkedExampleValid) {
    Tensor Z = nn::conv_forward(grid(kA), kernel(kW), Tensor({1, 1, 1, 1}, 1.0f), nn::Activation::linear(),
                                Padding::valid(), Stride{1, 1});
    expect_tensor(Z, {1, 2, 2, 1}, {1, 3, 7, 9});
}

// docs/notes/conv_forward.md: the same example through relu with b = -4. The
// sums before the bias are 0, 2, 6, 8; adding b gives -4, -2, 2, 4, and relu
// clips the two negative ones to 0.
TEST(NotesConvForward, WorkedExampleRelu) {
    Tensor Z = nn::conv_forward(grid(kA), kernel(kW), Tensor({1, 1, 1, 1}, -4.0f), nn::Activation::relu(),
                                Padding::valid(), Stride{1, 1});
    expect_tensor(Z, {1, 2, 2, 1}, {0, 0, 2, 4});
}

// docs/notes/padding.md, "Worked example": "same" with a 2x2 kernel pads
// total = (3-1)*1 + 2 - 3 = 1 row: 0 on top, 1 at the bottom (and likewise
// 0 left, 1 right), so Z keeps the 3x3 size.
//   last column: Z[0,2] = 3*1 + 6*0 + 1 = 4,  Z[1,2] = 6*1 + 9*0 + 1 = 7
//   last row:    Z[2,0] = 7*1 + 8*2 + 1 = 24, Z[2,1] = 8*1 + 9*2 + 1 = 27, Z[2,2] = 9*1 + 1 = 10
TEST(NotesPadding, WorkedExampleSameEvenKernel) {
    nn::Geometry g = nn::make_geometry("test", {1, 3, 3, 1}, 2, 2, Padding::same(), Stride{1, 1});
    EXPECT_EQ(g.pad_top, 0);
    EXPECT_EQ(g.pad_bottom, 1);
    EXPECT_EQ(g.pad_left, 0);
    EXPECT_EQ(g.pad_right, 1);
    Tensor Z = nn::conv_forward(grid(kA), kernel(kW), Tensor({1, 1, 1, 1}, 1.0f), nn::Activation::linear(),
                                Padding::same(), Stride{1, 1});
    expect_tensor(Z, {1, 3, 3, 1}, {1, 3, 4, 7, 9, 7, 24, 27, 10});
}

// docs/notes/padding.md, the comparison table. For each row: input n, kernel
// k, stride s; TensorFlow's "same" output and split (top, bottom); and the
// symmetric course padding p = ((n-1)s + k - n) / 2 (integer division) with
// the output size floor((n + 2p - k) / s) + 1 that explicit (p, p) gives.
TEST(NotesPadding, SameVersusSymmetricTable) {
    struct Row {
        int n, k, s;
        int tf_out, tf_top, tf_bottom;
        int sym_p, sym_out;
    };
    const Row rows[] = {
        {28, 5, 1, 28, 2, 2, 2, 28},  // odd kernel, stride 1: the two agree
        {3, 2, 1, 3, 0, 1, 0, 2},     // even kernel: TF pads one side only
        {4, 4, 1, 4, 1, 2, 1, 3},     // even kernel: odd total, split 1 / 2
        {6, 3, 2, 3, 0, 1, 3, 5},     // stride 2: odd kernel, yet asymmetric
        {5, 3, 2, 3, 1, 1, 3, 5},     // stride 2: course formula keeps the size
        {28, 2, 2, 14, 0, 0, 14, 28}, // a 2x2/2 window: TF needs no padding at all
    };
    for (const Row& r : rows) {
        const std::string where = "n=" + std::to_string(r.n) + " k=" + std::to_string(r.k) +
                                  " s=" + std::to_string(r.s);
        nn::Geometry tf = nn::make_geometry("test", {1, r.n, r.n, 1}, r.k, r.k, Padding::same(), Stride{r.s, r.s});
        EXPECT_EQ(tf.h, r.tf_out) << where;
        EXPECT_EQ(tf.pad_top, r.tf_top) << where;
        EXPECT_EQ(tf.pad_bottom, r.tf_bottom) << where;
        const int p = ((r.n - 1) * r.s + r.k - r.n) / 2;
        EXPECT_EQ(p, r.sym_p) << where;
        nn::Geometry sym = nn::make_geometry("test", {1, r.n, r.n, 1}, r.k, r.k, Padding::explicit_(p, p),
                                             Stride{r.s, r.s});
        EXPECT_EQ(sym.h, r.sym_out) << where;
    }
}

// docs/notes/conv_backward.md, "Worked example": the forward example above
// with dZ = [[1, 2], [-1, 1]].
//   db       = 1 + 2 - 1 + 1 = 3
//   dW[0,0]  = 1*1 + 2*2 + 4*(-1) + 5*1 = 6     dW[0,1] = 2*1 + 3*2 + 5*(-1) + 6*1 = 9
//   dW[1,0]  = 4*1 + 5*2 + 7*(-1) + 8*1 = 15    dW[1,1] = 5*1 + 6*2 + 8*(-1) + 9*1 = 18
//   dA_prev: every dZ[h,w] scatters W * dZ[h,w] onto the window at (h, w):
//     [[1, 4, 4], [-1, -2, 0], [0, 1, -1]]
//   e.g. dA_prev[1,1] = W[1,1] dZ[0,0] + W[1,0] dZ[0,1] + W[0,1] dZ[1,0] + W[0,0] dZ[1,1]
//                     = -1*1 + 0*2 + 2*(-1) + 1*1 = -2
TEST(NotesConvBackward, WorkedExampleValid) {
    nn::ConvGrads g = nn::conv_backward(grid({{1, 2}, {-1, 1}}), grid(kA), kernel(kW), Tensor({1, 1, 1, 1}, 1.0f),
                                        Padding::valid(), Stride{1, 1});
    expect_tensor(g.dA_prev, {1, 3, 3, 1}, {1, 4, 4, -1, -2, 0, 0, 1, -1});
    expect_tensor(g.dW, {2, 2, 1, 1}, {6, 9, 15, 18});
    expect_tensor(g.db, {1, 1, 1, 1}, {3});
}

// docs/notes/conv_backward.md, "With padding": "same" (0 top/left, 1
// bottom/right) and dZ all ones (3x3). dA_pad is 4x4; its last row and
// column fall on padding and are cropped away.
//   dA_prev[r,s] = sum of W[p,q] over the p, q with 0 <= r-p < 3 and 0 <= s-q < 3:
//     row 0 sees p = 0 only, rows 1-2 see p = 0 and 1 (columns likewise), so
//     [[1, 1+2, 1+2], [1+0, 1+2+0-1, ...], ...] = [[1, 3, 3], [1, 2, 2], [1, 2, 2]]
//   dW[p,q] = sum of A_pad over the 3x3 block starting at (p, q):
//     dW[0,0] = 45 (all of A), dW[0,1] = 2+3+5+6+8+9 = 33,
//     dW[1,0] = 4+5+6+7+8+9 = 39, dW[1,1] = 5+6+8+9 = 28 (the rest is padding)
//   db = 9 ones = 9
TEST(NotesConvBackward, WorkedExampleSameCropsPadding) {
    nn::ConvGrads g = nn::conv_backward(Tensor({1, 3, 3, 1}, 1.0f), grid(kA), kernel(kW),
                                        Tensor({1, 1, 1, 1}, 1.0f), Padding::same(), Stride{1, 1});
    expect_tensor(g.dA_prev, {1, 3, 3, 1}, {1, 3, 3, 1, 2, 2, 1, 2, 2});
    expect_tensor(g.dW, {2, 2, 1, 1}, {45, 33, 39, 28});
    expect_tensor(g.db, {1, 1, 1, 1}, {9});
}

// docs/notes/pool_forward.md, "Worked example": 2x2 windows, stride 2.
//   windows: [[1,3],[5,0]]  [[2,6],[6,1]]  [[4,2],[0,3]]  [[7,1],[6,8]]
//   max:     5              6 (a tie)      4              8
TEST(NotesPoolForward, WorkedExampleMax) {
    Tensor Z = nn::pool_forward(grid(kP), Window{2, 2}, Stride{2, 2}, PoolMode::max);
    expect_tensor(Z, {1, 2, 2, 1}, {5, 6, 4, 8});
}

// docs/notes/pool_forward.md: the same windows averaged.
//   (1+3+5+0)/4 = 2.25  (2+6+6+1)/4 = 3.75  (4+2+0+3)/4 = 2.25  (7+1+6+8)/4 = 5.5
TEST(NotesPoolForward, WorkedExampleAvg) {
    Tensor Z = nn::pool_forward(grid(kP), Window{2, 2}, Stride{2, 2}, PoolMode::avg);
    expect_tensor(Z, {1, 2, 2, 1}, {2.25f, 3.75f, 2.25f, 5.5f});
}

// docs/notes/pool_backward.md, "Worked example", max: dA = [[1, 2], [3, 4]]
// goes to each window's first maximum in row-major order: 5 at (1,0), the
// first 6 at (0,3) (not the one at (1,2)), 4 at (2,0), 8 at (3,3).
TEST(NotesPoolBackward, WorkedExampleMaxTie) {
    Tensor dA_prev = nn::pool_backward(grid({{1, 2}, {3, 4}}), grid(kP), Window{2, 2}, Stride{2, 2}, PoolMode::max);
    expect_tensor(dA_prev, {1, 4, 4, 1},
                  {0, 0, 0, 2,  //
                   1, 0, 0, 0,  //
                   3, 0, 0, 0,  //
                   0, 0, 0, 4});
}

// docs/notes/pool_backward.md, avg: each window's dA / 4 goes to all four of
// its cells: 1/4 = 0.25, 2/4 = 0.5, 3/4 = 0.75, 4/4 = 1.
TEST(NotesPoolBackward, WorkedExampleAvg) {
    Tensor dA_prev = nn::pool_backward(grid({{1, 2}, {3, 4}}), grid(kP), Window{2, 2}, Stride{2, 2}, PoolMode::avg);
    expect_tensor(dA_prev, {1, 4, 4, 1},
                  {0.25f, 0.25f, 0.5f, 0.5f,  //
                   0.25f, 0.25f, 0.5f, 0.5f,  //
                   0.75f, 0.75f, 1.0f, 1.0f,  //
                   0.75f, 0.75f, 1.0f, 1.0f});
}

// docs/notes/pool_backward.md, "Overlapping windows": 2x2 windows, stride 1,
// over [[1,2,1],[2,9,2],[1,2,1]]. All four windows have their maximum at the
// centre, so max sends 1 + 2 + 3 + 4 = 10 there; avg gives each cell the sum
// of dA / 4 over the windows that contain it (the centre: 10/4 = 2.5).
TEST(NotesPoolBackward, WorkedExampleOverlap) {
    const Tensor A = grid({{1, 2, 1}, {2, 9, 2}, {1, 2, 1}});
    const Tensor dA = grid({{1, 2}, {3, 4}});
    expect_tensor(nn::pool_forward(A, Window{2, 2}, Stride{1, 1}, PoolMode::max), {1, 2, 2, 1}, {9, 9, 9, 9});
    expect_tensor(nn::pool_backward(dA, A, Window{2, 2}, Stride{1, 1}, PoolMode::max), {1, 3, 3, 1},
                  {0, 0, 0, 0, 10, 0, 0, 0, 0});
    // (0,1) is in windows (0,0) and (0,1): (1+2)/4; (1,0) in (0,0), (1,0): (1+3)/4; ...
    expect_tensor(nn::pool_backward(dA, A, Window{2, 2}, Stride{1, 1}, PoolMode::avg), {1, 3, 3, 1},
                  {0.25f, 0.75f, 0.5f,  //
                   1.0f, 2.5f, 1.5f,    //
                   0.75f, 1.75f, 1.0f});
}

// docs/notes/lenet5.md, the layer table: the output shapes come from the
// passes themselves, and the parameter counts from the kernel and bias
// shapes the builds use. C1 (5,5,1,6)+6, C3 (5,5,6,16)+16, F5 400x120+120,
// F6 120x84+84, F7 84x10+10: 156 + 2,416 + 48,120 + 10,164 + 850 = 61,706.
TEST(NotesLenet5, LayerTableShapesAndParameterCount) {
    const Tensor x({1, 28, 28, 1});
    const Tensor W1({5, 5, 1, 6}), b1({1, 1, 1, 6});
    const Tensor W3({5, 5, 6, 16}), b3({1, 1, 1, 16});
    const Tensor C1 = nn::conv_forward(x, W1, b1, nn::Activation::relu(), Padding::same(), Stride{1, 1});
    EXPECT_EQ(C1.shape, (Shape{1, 28, 28, 6}));
    const Tensor S2 = nn::pool_forward(C1, Window{2, 2}, Stride{2, 2}, PoolMode::max);
    EXPECT_EQ(S2.shape, (Shape{1, 14, 14, 6}));
    const Tensor C3 = nn::conv_forward(S2, W3, b3, nn::Activation::relu(), Padding::valid(), Stride{1, 1});
    EXPECT_EQ(C3.shape, (Shape{1, 10, 10, 16}));
    const Tensor S4 = nn::pool_forward(C3, Window{2, 2}, Stride{2, 2}, PoolMode::max);
    EXPECT_EQ(S4.shape, (Shape{1, 5, 5, 16}));
    const int flat = S4.dim(1) * S4.dim(2) * S4.dim(3);
    EXPECT_EQ(flat, 400);

    const std::size_t c1 = W1.size() + b1.size(), c3 = W3.size() + b3.size();
    const std::size_t f5 = static_cast<std::size_t>(flat) * 120 + 120, f6 = 120 * 84 + 84, f7 = 84 * 10 + 10;
    EXPECT_EQ(c1, 156u);
    EXPECT_EQ(c3, 2416u);
    EXPECT_EQ(f5, 48120u);
    EXPECT_EQ(f6, 10164u);
    EXPECT_EQ(f7, 850u);
    EXPECT_EQ(c1 + c3 + f5 + f6 + f7, 61706u);
}

// docs/notes/lenet5.md: the Keras-style build reports the table's output
// shapes and parameter counts layer by layer, and summary() the total.
TEST(NotesLenet5, KerasBuildCountsParameters) {
    const keras::Sequential model = keras::lenet5(keras::Input({28, 28, 1}), 0);
    const std::vector<Shape> shapes = {{28, 28, 6}, {14, 14, 6}, {10, 10, 16}, {5, 5, 16},
                                       {400},       {120},       {84},          {10}};
    const std::vector<std::size_t> params = {156, 0, 2416, 0, 0, 48120, 10164, 850};
    ASSERT_EQ(model.size(), shapes.size());
    for (std::size_t k = 0; k < shapes.size(); ++k) {
        EXPECT_EQ(model.layer(k).output_shape(), shapes[k]) << "layer " << k;
        EXPECT_EQ(model.layer(k).count_params(), params[k]) << "layer " << k;
    }
    EXPECT_EQ(model.count_params(), 61706u);
    EXPECT_THAT(model.summary(), ::testing::HasSubstr("Total params: 61,706"));
}

// docs/notes/lenet5.md: the TF1-style build creates the table's variables
// (kernel and bias per layer, in layer order) and nothing else trainable;
// their sizes add up to 61,706. y_pred's static shape keeps the batch open.
TEST(NotesLenet5, Tf1BuildCountsParameters) {
    tf1::Graph g(0);
    const tf1::Tensor x = tf1::placeholder(g, {-1, 28, 28, 1}, "x");
    const tf1::Tensor y = tf1::placeholder(g, {-1, 10}, "y");
    const tf1::LeNet5 net = tf1::lenet5(x, y);
    const std::vector<Shape> shapes = {{5, 5, 1, 6},  {1, 1, 1, 6}, {5, 5, 6, 16}, {1, 1, 1, 16}, {400, 120},
                                       {1, 120},      {120, 84},    {1, 84},       {84, 10},      {1, 10}};
    const std::vector<tf1::Tensor> vars = g.global_variables();
    ASSERT_EQ(vars.size(), shapes.size());
    std::size_t total = 0;
    for (std::size_t k = 0; k < vars.size(); ++k) {
        EXPECT_EQ(vars[k].shape(), shapes[k]) << vars[k].name();
        total += nn::shape_size(vars[k].shape());
    }
    EXPECT_EQ(total, 61706u);
    EXPECT_EQ(net.y_pred.shape(), (Shape{-1, 10}));
    EXPECT_EQ(net.loss.shape(), Shape{});
}

// docs/notes/tf1.md, "A graph by hand": z = x W + b with W = [1, 2]^T, b = 0
// and L = mean(z). Fed x = [[1, 2], [3, 4]]:
//   z = [1*1 + 2*2, 3*1 + 4*2] = [5, 11],  L = (5 + 11) / 2 = 8
//   dL/dz = [1/2, 1/2],  dW = x^T dL/dz = [(1 + 3)/2, (2 + 4)/2] = [2, 3],  db = 1/2 + 1/2 = 1
// Running without the feed names the placeholder; before the initializer,
// the variable.
TEST(NotesTf1, GraphBuildRunAndGradients) {
    tf1::Graph g;
    const tf1::Tensor x = tf1::placeholder(g, {-1, 2}, "x");
    const tf1::Variable W(g, {2, 1}, tf1::constant_initializer(Tensor({2, 1}, {1, 2})), "W");
    const tf1::Variable b(g, {1, 1}, tf1::zeros_initializer(), "b");
    const tf1::Tensor z = tf1::dense(x, W, b);
    const tf1::Tensor L = tf1::reduce_mean(z);
    const std::vector<tf1::Tensor> dL = tf1::gradients(L, {W, b});
    EXPECT_EQ(z.shape(), (Shape{-1, 1}));

    tf1::Session sess(g);
    const Tensor X({2, 2}, {1, 2, 3, 4});
    EXPECT_TRUE(testutil::throws_with<tf1::FailedPreconditionError>([&] { sess.run(L, {{x, X}}); },
                                                                     {"uninitialized value W"}));
    sess.run(tf1::global_variables_initializer(g));
    EXPECT_TRUE(testutil::throws_with<tf1::InvalidArgumentError>([&] { sess.run(L); }, {"placeholder tensor 'x'"}));
    const std::vector<Tensor> out = sess.run({z, L, dL[0], dL[1]}, {{x, X}});
    ASSERT_EQ(out.size(), 4u);
    expect_tensor(out[0], {2, 1}, {5, 11});
    expect_tensor(out[1], {}, {8});
    expect_tensor(out[2], {2, 1}, {2, 3});
    expect_tensor(out[3], {1, 1}, {1});
}

// The notes quote statements of the loop nests in their prose, next to the
// \snippet that shows the real code. This test keeps the quotes honest: each
// quoted fragment must appear in the note and in the source, and each
// snippet's markers must still be in its source. When a pass is rewritten,
// it fails and names the note to update.
TEST(NotesQuotes, QuotedCodeAndSnippetMarkersAreInTheSources) {
    struct Quote {
        const char* note;
        const char* source;
        const char* fragment;
    };
    const Quote quotes[] = {
        {"docs/notes/conv_forward.md", "nn/conv_forward.cpp", "\\snippet nn/conv_forward.cpp conv_forward loop"},
        {"docs/notes/conv_forward.md", "nn/conv_forward.cpp", "z_hw[c] = bias[c]"},
        {"docs/notes/conv_forward.md", "nn/conv_forward.cpp", "h * g.sh - g.pad_top"},
        {"docs/notes/conv_forward.md", "nn/conv_forward.cpp", "p_begin"},
        {"docs/notes/conv_forward.md", "nn/conv_forward.cpp", "q_end"},
        {"docs/notes/conv_forward.md", "nn/conv_forward.cpp", "activation.apply(z_i"},
        {"docs/notes/conv_backward.md", "nn/conv_backward.cpp", "\\snippet nn/conv_backward.cpp conv_backward loop"},
        {"docs/notes/conv_backward.md", "nn/conv_forward.cpp", "z_hw[c] += a * w_pqk[c]"},
        {"docs/notes/conv_backward.md", "nn/conv_backward.cpp", "db[c] += dz_hw[c]"},
        {"docs/notes/conv_backward.md", "nn/conv_backward.cpp", "da_rs[k] += w_pqk[c] * dz_hw[c]"},
        {"docs/notes/conv_backward.md", "nn/conv_backward.cpp", "dw_pqk[c] += a * dz_hw[c]"},
        {"docs/notes/pool_forward.md", "nn/pool_forward.cpp", "\\snippet nn/pool_forward.cpp pool_forward loop"},
        {"docs/notes/pool_forward.md", "nn/pool_forward.cpp", "a_rs[c] > z_hw[c]"},
        {"docs/notes/pool_forward.md", "nn/pool_forward.cpp", "a_rs[c] * inv_area"},
        {"docs/notes/pool_backward.md", "nn/pool_backward.cpp", "\\snippet nn/pool_backward.cpp pool_backward loop"},
        {"docs/notes/pool_backward.md", "nn/pool_backward.cpp", "a_rs[c] > best[c]"},
        {"docs/notes/pool_backward.md", "nn/pool_backward.cpp", "*route[c] += dz_hw[c]"},
        {"docs/notes/pool_backward.md", "nn/pool_backward.cpp", "da_rs[c] += dz_hw[c] * inv_area"},
    };
    for (const Quote& q : quotes) {
        const std::string note = testutil::read_file(q.note), source = testutil::read_file(q.source);
        ASSERT_FALSE(note.empty()) << "cannot read " << q.note << " (run the tests from the repository root)";
        ASSERT_FALSE(source.empty()) << "cannot read " << q.source;
        const std::string fragment = q.fragment;
        EXPECT_NE(note.find(fragment), std::string::npos) << q.note << " no longer quotes: " << fragment;
        const std::string snippet = "\\snippet ";
        if (fragment.rfind(snippet, 0) == 0) {
            // "\snippet FILE NAME": the source must hold the marker "//! [NAME]" twice.
            const std::string name = fragment.substr(fragment.find(' ', snippet.size()) + 1);
            const std::string marker = "//! [" + name + "]";
            const std::size_t first = source.find(marker);
            EXPECT_NE(first, std::string::npos) << q.source << " lost the marker " << marker;
            if (first != std::string::npos) {
                EXPECT_NE(source.find(marker, first + 1), std::string::npos)
                    << q.source << " has only one marker " << marker;
            }
        } else {
            EXPECT_NE(source.find(fragment), std::string::npos)
                << q.source << " no longer contains \"" << fragment << "\", which " << q.note << " quotes";
        }
    }
}

}  // namespace
