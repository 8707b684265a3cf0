// nn::fast::simd: loads and stores, lane-wise arithmetic, broadcasts, comparisons,
// select, keep_in_register, and interleave.hpp's pixel/channel transposes.
#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <vector>

#include "nn/fast/interleave.hpp"
#include "nn/fast/simd.hpp"

using nn::fast::simd::kLanes;
using nn::fast::simd::Vec;

namespace {

std::vector<float> lanes_of(Vec v) {
    std::vector<float> out(kLanes);
    nn::fast::simd::store(out.data(), v);
    return out;
}

std::vector<float> counting(float start) {
    std::vector<float> v(kLanes);
    for (int l = 0; l < kLanes; ++l) v[static_cast<std::size_t>(l)] = start + static_cast<float>(l);
    return v;
}

}  // namespace

TEST(Simd, WidthIsAPowerOfTwo) {
    EXPECT_GE(kLanes, 4);
    EXPECT_EQ(kLanes & (kLanes - 1), 0);
}

// load then store gives the same floats, from any alignment.
TEST(Simd, LoadStoreRoundTrip) {
    std::vector<float> src = counting(0.5f);
    src.insert(src.begin(), 99.0f);  // start at an odd address
    const Vec v = nn::fast::simd::load(src.data() + 1);
    EXPECT_EQ(lanes_of(v), counting(0.5f));
}

// (l + 1) * 2 + l = 3 l + 2 in lane l; a float operand is broadcast.
TEST(Simd, ArithmeticIsLaneWise) {
    const Vec a = nn::fast::simd::load(counting(1.0f).data()), b = nn::fast::simd::lane_numbers();
    Vec c = a * 2.0f;
    c += b;
    std::vector<float> want(kLanes);
    for (int l = 0; l < kLanes; ++l) want[static_cast<std::size_t>(l)] = 3.0f * static_cast<float>(l) + 2.0f;
    EXPECT_EQ(lanes_of(c), want);
    EXPECT_EQ(lanes_of(nn::fast::simd::zero()), std::vector<float>(kLanes, 0.0f));
    EXPECT_EQ(lanes_of(nn::fast::simd::broadcast(-1.5f)), std::vector<float>(kLanes, -1.5f));
}

// Lane l: l > 2 picks a (= l), else b (= -1); equal picks only lane 2.
TEST(Simd, ComparisonsAndSelect) {
    const Vec lane = nn::fast::simd::lane_numbers(), two = nn::fast::simd::broadcast(2.0f), minus = nn::fast::simd::broadcast(-1.0f);
    const std::vector<float> above = lanes_of(nn::fast::simd::select(nn::fast::simd::greater(lane, two), lane, minus));
    const std::vector<float> at = lanes_of(nn::fast::simd::select(nn::fast::simd::equal(lane, two), lane, minus));
    const std::vector<float> none = lanes_of(
        nn::fast::simd::select(nn::fast::simd::both(nn::fast::simd::greater(lane, two), nn::fast::simd::equal(lane, two)), lane, minus));
    for (int l = 0; l < kLanes; ++l) {
        const auto k = static_cast<std::size_t>(l);
        EXPECT_EQ(above[k], l > 2 ? static_cast<float>(l) : -1.0f) << l;
        EXPECT_EQ(at[k], l == 2 ? 2.0f : -1.0f) << l;
        EXPECT_EQ(none[k], -1.0f) << l;
    }
}

// broadcast copies its float exactly, -0 and NaN included (it is written as
// x - 0, which is x for every float; 0 + x would turn -0 into +0).
TEST(Simd, BroadcastKeepsMinusZeroAndNaN) {
    for (const float x : {-0.0f, std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::infinity()}) {
        const std::vector<float> lanes = lanes_of(nn::fast::simd::broadcast(x));
        for (const float y : lanes) EXPECT_EQ(std::memcmp(&x, &y, sizeof x), 0) << x << " became " << y;
    }
}

// keep_in_register changes no value: it only tells the compiler where to keep it.
TEST(Simd, KeepInRegisterKeepsTheValue) {
    Vec v = nn::fast::simd::lane_numbers();
    nn::fast::simd::keep_in_register(v);
    v += nn::fast::simd::broadcast(1.0f);
    nn::fast::simd::keep_in_register(v);
    EXPECT_EQ(lanes_of(v), counting(1.0f));
}

namespace {

// deinterleave<C> against its definition (out[c] lane l = float l C + c of
// the pixels), then interleave<C> back to the pixels, bit for bit.
template <int C>
void check_transposes() {
    float pixels[C * kLanes];
    for (int f = 0; f < C * kLanes; ++f) pixels[f] = static_cast<float>(f) + 0.25f;
    pixels[C * kLanes - 1] = -0.0f;  // moved, not computed: the sign of a zero survives
    Vec in[C], channels[C], back[C];
    for (int k = 0; k < C; ++k) in[k] = nn::fast::simd::load(pixels + k * kLanes);
    nn::fast::simd::deinterleave(in, channels);
    for (int c = 0; c < C; ++c) {
        const std::vector<float> got = lanes_of(channels[c]);
        for (int l = 0; l < kLanes; ++l)
            EXPECT_EQ(std::memcmp(&got[static_cast<std::size_t>(l)], &pixels[l * C + c], sizeof(float)), 0)
                << "C " << C << " channel " << c << " pixel " << l;
    }
    nn::fast::simd::interleave(channels, back);
    float out[C * kLanes];
    for (int k = 0; k < C; ++k) nn::fast::simd::store(out + k * kLanes, back[k]);
    EXPECT_EQ(std::memcmp(out, pixels, sizeof out), 0) << "C " << C;
}

}  // namespace

TEST(Simd, InterleaveAndDeinterleaveArePixelChannelTransposes) {
    check_transposes<1>();
    check_transposes<2>();
    check_transposes<3>();
    check_transposes<4>();
    check_transposes<5>();
    check_transposes<6>();
    check_transposes<7>();
    check_transposes<8>();
}

// transpose: v[i] lane l becomes v[l] lane i, a -0 and a NaN included.
TEST(Simd, TransposeSwapsRowsAndColumns) {
    float m[kLanes][kLanes];
    for (int i = 0; i < kLanes; ++i)
        for (int l = 0; l < kLanes; ++l) m[i][l] = static_cast<float>(i * 100 + l);
    m[0][kLanes - 1] = -0.0f;
    m[kLanes - 1][1] = std::numeric_limits<float>::quiet_NaN();
    Vec v[kLanes];
    for (int i = 0; i < kLanes; ++i) v[i] = nn::fast::simd::load(m[i]);
    nn::fast::simd::transpose(v);
    for (int i = 0; i < kLanes; ++i) {
        const std::vector<float> got = lanes_of(v[i]);
        for (int l = 0; l < kLanes; ++l)
            EXPECT_EQ(std::memcmp(&got[static_cast<std::size_t>(l)], &m[l][i], sizeof(float)), 0) << i << "," << l;
    }
}
