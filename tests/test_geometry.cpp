// Geometry: output sizes and padding splits for valid / same / explicit over
// stride 1, 2, 3 and odd and even kernels; TF's asymmetric 'same'; where the
// course's symmetric formula p = (k - 1) / 2 differs; and the argument errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>
#include <string>

#include "nn/geometry.hpp"
#include "tests/test_util.hpp"

using nn::Geometry;
using nn::Padding;
using nn::Stride;
using ::testing::AllOf;
using ::testing::HasSubstr;
using testutil::error_message;

namespace {

// One axis: input length, kernel, stride, padding → output length and the
// zeros before and after.
struct Row {
    int in, k, s;
    Padding pad;
    int out, before, after;
};

// Each row is checked on the rows axis and on the columns axis.
void check_rows(const std::vector<Row>& table) {
    for (const Row& r : table) {
        SCOPED_TRACE("in=" + std::to_string(r.in) + " k=" + std::to_string(r.k) + " s=" + std::to_string(r.s) +
                     " padding " + r.pad.str());
        // rows axis varies, columns axis fixed at a trivial 1×1 valid case
        Geometry g = nn::make_geometry("test", {2, r.in, 9, 3}, r.k, 1, r.pad, Stride{r.s, 1});
        EXPECT_EQ(g.h, r.out);
        EXPECT_EQ(g.pad_top, r.before);
        EXPECT_EQ(g.pad_bottom, r.after);
        // columns axis varies
        Geometry t = nn::make_geometry("test", {2, 9, r.in, 3}, 1, r.k, r.pad, Stride{1, r.s});
        EXPECT_EQ(t.w, r.out);
        EXPECT_EQ(t.pad_left, r.before);
        EXPECT_EQ(t.pad_right, r.after);
    }
}

}  // namespace

TEST(Geometry, CopiesTheInputs) {
    Geometry g = nn::make_geometry("test", {2, 7, 6, 3}, 3, 2, Padding::valid(), Stride{2, 1});
    EXPECT_EQ(g.m, 2);
    EXPECT_EQ(g.h_prev, 7);
    EXPECT_EQ(g.w_prev, 6);
    EXPECT_EQ(g.c_prev, 3);
    EXPECT_EQ(g.kh, 3);
    EXPECT_EQ(g.kw, 2);
    EXPECT_EQ(g.sh, 2);
    EXPECT_EQ(g.sw, 1);
    EXPECT_EQ(g.h, 3);  // (7 - 3) / 2 + 1
    EXPECT_EQ(g.w, 5);  // (6 - 2) / 1 + 1
}

// valid: out = floor((in - k) / s) + 1, no zeros.
TEST(Geometry, ValidTable) {
    const Padding v = Padding::valid();
    check_rows({
        {5, 3, 1, v, 3, 0, 0},  // (5-3)/1+1
        {5, 3, 2, v, 2, 0, 0},  // 2/2+1
        {5, 3, 3, v, 1, 0, 0},  // 2/3=0, +1
        {5, 2, 1, v, 4, 0, 0},  // 3/1+1
        {5, 2, 2, v, 2, 0, 0},  // 3/2=1, +1
        {5, 2, 3, v, 2, 0, 0},  // 3/3+1
        {6, 3, 1, v, 4, 0, 0},  // 3/1+1
        {6, 3, 2, v, 2, 0, 0},  // 3/2=1, +1
        {6, 3, 3, v, 2, 0, 0},  // 3/3+1
        {6, 4, 1, v, 3, 0, 0},  // 2/1+1
        {6, 4, 2, v, 2, 0, 0},  // 2/2+1
        {6, 4, 3, v, 1, 0, 0},  // 2/3=0, +1
        {5, 5, 1, v, 1, 0, 0},  // the kernel exactly fits
    });
}

// same (TensorFlow): out = ceil(in / s), total = max((out-1)*s + k - in, 0),
// before = floor(total / 2), after = the rest.
TEST(Geometry, SameTable) {
    const Padding S = Padding::same();
    check_rows({
        {5, 3, 1, S, 5, 1, 1},  // total 4*1+3-5 = 2
        {5, 3, 2, S, 3, 1, 1},  // out ceil(5/2)=3, total 2*2+3-5 = 2
        {5, 3, 3, S, 2, 0, 1},  // out 2, total 1*3+3-5 = 1: the odd zero goes after
        {5, 2, 1, S, 5, 0, 1},  // even kernel: total 4+2-5 = 1 → top 0, bottom 1
        {5, 2, 2, S, 3, 0, 1},  // total 2*2+2-5 = 1
        {5, 2, 3, S, 2, 0, 0},  // total 3+2-5 = 0
        {6, 3, 1, S, 6, 1, 1},  // total 5+3-6 = 2
        {6, 3, 2, S, 3, 0, 1},  // out 3, total 2*2+3-6 = 1 → top 0, bottom 1
        {6, 3, 3, S, 2, 0, 0},  // total 3+3-6 = 0
        {6, 4, 1, S, 6, 1, 2},  // total 5+4-6 = 3
        {6, 4, 2, S, 3, 1, 1},  // total 4+4-6 = 2
        {6, 4, 3, S, 2, 0, 1},  // total 3+4-6 = 1
        {7, 1, 2, S, 4, 0, 0},  // total 3*2+1-7 = 0
        {4, 5, 1, S, 4, 2, 2},  // kernel larger than the input is fine: total 3+5-4 = 4
        {1, 3, 2, S, 1, 1, 1},  // out 1, total 0+3-1 = 2
    });
}

// explicit (p): out = floor((in + 2p - k) / s) + 1, p zeros on each side.
TEST(Geometry, ExplicitTable) {
    check_rows({
        {5, 3, 1, Padding::explicit_(1, 1), 5, 1, 1},  // (5+2-3)/1+1
        {5, 3, 2, Padding::explicit_(1, 1), 3, 1, 1},  // 4/2+1
        {5, 3, 3, Padding::explicit_(1, 1), 2, 1, 1},  // 4/3=1, +1
        {5, 2, 1, Padding::explicit_(1, 1), 6, 1, 1},  // (5+2-2)/1+1
        {5, 2, 2, Padding::explicit_(1, 1), 3, 1, 1},  // 5/2=2, +1
        {5, 2, 3, Padding::explicit_(1, 1), 2, 1, 1},  // 5/3=1, +1
        {6, 4, 3, Padding::explicit_(2, 2), 3, 2, 2},  // (6+4-4)/3+1
        {6, 3, 1, Padding::explicit_(0, 0), 4, 0, 0},  // explicit 0 is valid
        {2, 5, 1, Padding::explicit_(2, 2), 2, 2, 2},  // (2+4-5)/1+1
    });
}

TEST(Geometry, RowsAndColumnsAreIndependent) {
    Geometry g = nn::make_geometry("test", {1, 6, 5, 1}, 3, 2, Padding::same(), Stride{2, 1});
    EXPECT_EQ(g.h, 3);  // rows: in 6, k 3, s 2 → top 0, bottom 1
    EXPECT_EQ(g.pad_top, 0);
    EXPECT_EQ(g.pad_bottom, 1);
    EXPECT_EQ(g.w, 5);  // columns: in 5, k 2, s 1 → left 0, right 1
    EXPECT_EQ(g.pad_left, 0);
    EXPECT_EQ(g.pad_right, 1);
    Geometry e = nn::make_geometry("test", {1, 6, 5, 1}, 3, 3, Padding::explicit_(2, 0), Stride{1, 1});
    EXPECT_EQ(e.h, 8);  // (6 + 4 - 3) + 1
    EXPECT_EQ(e.w, 3);  // (5 + 0 - 3) + 1
    EXPECT_EQ(e.pad_top, 2);
    EXPECT_EQ(e.pad_left, 0);
}

// The course pads p = (k - 1) / 2 on each side. With stride 1 and an odd
// kernel that is exactly TF's "same"; elsewhere they part ways.
TEST(Geometry, CourseSymmetricFormulaAgreesForOddKernelStrideOne) {
    for (int in = 3; in <= 9; ++in)
        for (int k = 1; k <= 7; k += 2) {
            const int p = (k - 1) / 2;
            Geometry same = nn::make_geometry("test", {1, in, in, 1}, k, k, Padding::same(), Stride{1, 1});
            Geometry sym = nn::make_geometry("test", {1, in, in, 1}, k, k, Padding::explicit_(p, p), Stride{1, 1});
            EXPECT_EQ(same.h, sym.h) << "in=" << in << " k=" << k;
            EXPECT_EQ(same.pad_top, sym.pad_top) << "in=" << in << " k=" << k;
            EXPECT_EQ(same.pad_bottom, sym.pad_bottom) << "in=" << in << " k=" << k;
        }
}

TEST(Geometry, CourseSymmetricFormulaDiffersForEvenKernels) {
    // k = 2: the course pads (2-1)/2 = 0, giving 5 - 2 + 1 = 4 outputs; TF keeps 5 by padding 0 / 1.
    Geometry same = nn::make_geometry("test", {1, 5, 5, 1}, 2, 2, Padding::same(), Stride{1, 1});
    Geometry sym = nn::make_geometry("test", {1, 5, 5, 1}, 2, 2, Padding::explicit_(0, 0), Stride{1, 1});
    EXPECT_EQ(same.h, 5);
    EXPECT_EQ(sym.h, 4);
    // k = 4: the course pads 1 each side, giving 6 + 2 - 4 + 1 = 5; TF keeps 6 by padding 1 / 2.
    same = nn::make_geometry("test", {1, 6, 6, 1}, 4, 4, Padding::same(), Stride{1, 1});
    sym = nn::make_geometry("test", {1, 6, 6, 1}, 4, 4, Padding::explicit_(1, 1), Stride{1, 1});
    EXPECT_EQ(same.h, 6);
    EXPECT_EQ(same.pad_top, 1);
    EXPECT_EQ(same.pad_bottom, 2);
    EXPECT_EQ(sym.h, 5);
}

TEST(Geometry, CourseSymmetricFormulaShiftsWindowsWithStride) {
    // in 6, k 3, s 2: both give 3 outputs, but the course pads 1 / 1 (windows
    // start at rows -1, 1, 3) while TF pads 0 / 1 (windows start at 0, 2, 4).
    Geometry same = nn::make_geometry("test", {1, 6, 6, 1}, 3, 3, Padding::same(), Stride{2, 2});
    Geometry sym = nn::make_geometry("test", {1, 6, 6, 1}, 3, 3, Padding::explicit_(1, 1), Stride{2, 2});
    EXPECT_EQ(same.h, 3);
    EXPECT_EQ(sym.h, 3);  // (6 + 2 - 3) / 2 + 1
    EXPECT_EQ(same.pad_top, 0);
    EXPECT_EQ(sym.pad_top, 1);
    // in 5, k 3, s 3: both give 2 outputs; TF pads 0 / 1, the course 1 / 1.
    same = nn::make_geometry("test", {1, 5, 5, 1}, 3, 3, Padding::same(), Stride{3, 3});
    sym = nn::make_geometry("test", {1, 5, 5, 1}, 3, 3, Padding::explicit_(1, 1), Stride{3, 3});
    EXPECT_EQ(same.h, 2);
    EXPECT_EQ(sym.h, 2);  // (5 + 2 - 3) / 3 + 1
    EXPECT_EQ(same.pad_top, 0);
    EXPECT_EQ(sym.pad_top, 1);
}

TEST(PaddingParse, AcceptsTheThreeForms) {
    EXPECT_EQ(Padding::parse("same").kind, Padding::Kind::same);
    EXPECT_EQ(Padding::parse("valid").kind, Padding::Kind::valid);
    Padding p = Padding::parse("2,1");
    EXPECT_EQ(p.kind, Padding::Kind::explicit_);
    EXPECT_EQ(p.ph, 2);
    EXPECT_EQ(p.pw, 1);
    EXPECT_EQ(Padding::parse("0,0").kind, Padding::Kind::explicit_);
}

TEST(PaddingParse, Str) {
    EXPECT_EQ(Padding::same().str(), "same");
    EXPECT_EQ(Padding::valid().str(), "valid");
    EXPECT_EQ(Padding::explicit_(2, 1).str(), "(2,1)");
}

TEST(PaddingParse, RejectsUnknownText) {
    for (const char* bad : {"", "SAME", "full", "1", "1,", ",1", "a,b", "1,2,3", "1.5,2", "1234567,1", " 1,1"}) {
        EXPECT_THAT(error_message([&] { Padding::parse(bad, "conv_forward"); }),
                    AllOf(HasSubstr("conv_forward: "), HasSubstr("unknown padding '" + std::string(bad) + "'")))
            << "text '" << bad << "'";
    }
    EXPECT_THAT(error_message([] { Padding::parse("full"); }), HasSubstr("Padding: unknown padding 'full'"));
}

TEST(PaddingParse, RejectsNegative) {
    EXPECT_THAT(error_message([] { Padding::parse("-1,0", "conv_forward"); }),
                AllOf(HasSubstr("conv_forward"), HasSubstr("must not be negative"), HasSubstr("-1,0")));
}

TEST(GeometryErrors, RankOfAPrev) {
    EXPECT_THAT(error_message([] {
                    nn::make_geometry("pool_forward", {5, 5, 1}, 2, 2, Padding::valid(), Stride{1, 1});
                }),
                AllOf(HasSubstr("pool_forward: "), HasSubstr("A_prev must have rank 4"), HasSubstr("(5,5,1)")));
}

TEST(GeometryErrors, KernelNotPositive) {
    EXPECT_THAT(error_message([] { nn::make_geometry("f", {1, 5, 5, 1}, 0, 2, Padding::valid(), Stride{1, 1}); }),
                AllOf(HasSubstr("f: "), HasSubstr("kernel must be positive"), HasSubstr("(0,2)")));
}

TEST(GeometryErrors, StrideNotPositive) {
    EXPECT_THAT(error_message([] { nn::make_geometry("f", {1, 5, 5, 1}, 2, 2, Padding::valid(), Stride{1, 0}); }),
                AllOf(HasSubstr("stride must be positive"), HasSubstr("(1,0)")));
    EXPECT_THAT(error_message([] { nn::make_geometry("f", {1, 5, 5, 1}, 2, 2, Padding::same(), Stride{-2, 1}); }),
                AllOf(HasSubstr("stride must be positive"), HasSubstr("(-2,1)")));
}

TEST(GeometryErrors, NegativePadding) {
    EXPECT_THAT(error_message([] {
                    nn::make_geometry("f", {1, 5, 5, 1}, 2, 2, Padding::explicit_(0, -1), Stride{1, 1});
                }),
                AllOf(HasSubstr("padding must not be negative"), HasSubstr("(0,-1)")));
}

TEST(GeometryErrors, KernelLargerThanPaddedInput) {
    EXPECT_THAT(error_message([] { nn::make_geometry("f", {1, 3, 5, 1}, 4, 2, Padding::valid(), Stride{1, 1}); }),
                AllOf(HasSubstr("kernel (4,2) is larger than the padded input (3,5)"), HasSubstr("(1,3,5,1)")));
    EXPECT_THAT(error_message([] {
                    nn::make_geometry("f", {1, 3, 3, 1}, 6, 6, Padding::explicit_(1, 1), Stride{1, 1});
                }),
                AllOf(HasSubstr("larger than the padded input (5,5)"), HasSubstr("padding (1,1)")));
    // One more row of padding and it fits.
    EXPECT_EQ(nn::make_geometry("f", {1, 3, 3, 1}, 5, 5, Padding::explicit_(1, 1), Stride{1, 1}).h, 1);
}

// Sizes near INT_MAX: worked out without overflow, and refused by name when
// the output or the padded input does not fit in an int.
TEST(GeometryErrors, HugeStrideGivesOneWindowNotAnOverflow) {
    const int big = std::numeric_limits<int>::max();
    // Before: (in + s - 1) / s overflowed and gave h = 0 (UBSan: signed overflow).
    Geometry g = nn::make_geometry("test", {1, 5, 5, 1}, 1, 1, Padding::same(), Stride{big, big});
    EXPECT_EQ(g.h, 1);
    EXPECT_EQ(g.w, 1);
    Geometry v = nn::make_geometry("test", {1, 5, 5, 1}, 1, 1, Padding::valid(), Stride{big, big});
    EXPECT_EQ(v.h, 1);
    EXPECT_EQ(v.w, 1);
    // Before: "--stride 2147483645,1" gave a negative extent.
    Geometry n = nn::make_geometry("test", {1, 5, 5, 1}, 1, 1, Padding::same(), Stride{big - 2, 1});
    EXPECT_EQ(n.h, 1);
    EXPECT_EQ(n.w, 5);
}

TEST(GeometryErrors, PaddedInputThatDoesNotFitAnIntIsRefused) {
    const int big = std::numeric_limits<int>::max();
    std::string msg = error_message(
        [&] { nn::make_geometry("conv_forward", {1, 5, 5, 1}, 1, 1, Padding::explicit_(big / 2, 0), Stride{1, 1}); });
    EXPECT_THAT(msg, AllOf(HasSubstr("conv_forward"), HasSubstr("padded input"), HasSubstr("rows"),
                           HasSubstr(std::to_string(2LL * (big / 2) + 5))));
    // 'same' with a kernel near INT_MAX pads by about the kernel: refused, on columns.
    msg = error_message([&] { nn::make_geometry("pool", {1, 1, 9, 1}, 1, big - 1, Padding::same(), Stride{1, 1}); });
    EXPECT_THAT(msg, AllOf(HasSubstr("padded input"), HasSubstr("columns")));
    // Explicit padding whose padded size fits, but just.
    Geometry g = nn::make_geometry("test", {1, 1, 1, 1}, 1, 1, Padding::explicit_(big / 2, 0), Stride{big, 1});
    EXPECT_EQ(g.h, 1);
}

TEST(GeometryErrors, NegativeExtentInAPrev) {
    EXPECT_THAT(error_message([] { nn::make_geometry("f", {1, -5, 5, 1}, 1, 1, Padding::valid(), Stride{1, 1}); }),
                HasSubstr("negative extent"));
}
