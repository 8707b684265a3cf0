// The compiler itself: code shapes the toolchain has been caught
// miscompiling. GCC 12.2 targeting AVX-512 (-march=native on a recent x86)
// turned a copy of {7,7,7,7,0,0,0,0} into eight 7s through its straight-line
// (SLP) vectoriser; the Makefile switches that vectoriser off. These tests
// fail if a build drops the flag on such a machine.
#include <gtest/gtest.h>

#include <vector>

namespace {

// Each copies a constant array element by element; noinline keeps the
// constant and the copy together, as in the miscompiled code.
__attribute__((noinline)) void splat_then_zeros(float* out) {
    const float v[8] = {7, 7, 7, 7, 0, 0, 0, 0};
    for (int i = 0; i < 8; ++i) out[i] = v[i];
}

__attribute__((noinline)) void long_splat_then_zeros(float* out) {
    const float v[16] = {7, 7, 7, 7, 7, 7, 7, 7, 0, 0, 0, 0, 0, 0, 0, 0};
    for (int i = 0; i < 16; ++i) out[i] = v[i];
}

}  // namespace

TEST(Toolchain, ConstantArrayCopiedAsWritten) {
    float out[8] = {};
    splat_then_zeros(out);
    EXPECT_EQ(std::vector<float>(out, out + 8), (std::vector<float>{7, 7, 7, 7, 0, 0, 0, 0}));
    float out16[16] = {};
    long_splat_then_zeros(out16);
    for (int i = 0; i < 16; ++i) EXPECT_EQ(out16[i], i < 8 ? 7.0f : 0.0f) << i;
}

// The same constant as an initializer list, as tests write expectations.
TEST(Toolchain, InitializerListAsWritten) {
    const std::vector<float> v{7, 7, 7, 7, 0, 0, 0, 0};
    for (std::size_t i = 0; i < v.size(); ++i) EXPECT_EQ(v[i], i < 4 ? 7.0f : 0.0f) << i;
}
