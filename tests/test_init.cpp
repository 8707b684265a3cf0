// Tests for nn/init: fans of dense and conv kernels, he_normal's truncation
// constant, bound, mean and stddev, glorot_uniform's bounds and variance,
// determinism and draw order, zeros, and bad shapes.
#include "nn/init.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/test_util.hpp"

using nn::Tensor;
using ::testing::HasSubstr;
using testutil::error_message;

namespace {

struct Moments {
    double mean, stddev, max_abs;
};

Moments moments(const Tensor& t) {
    double sum = 0.0, sum_sq = 0.0, max_abs = 0.0;
    for (float v : t.data) {
        sum += v;
        sum_sq += static_cast<double>(v) * v;
        max_abs = std::max(max_abs, std::fabs(static_cast<double>(v)));
    }
    const double n = static_cast<double>(t.size());
    const double mean = sum / n;
    return {mean, std::sqrt(sum_sq / n - mean * mean), max_abs};
}

TEST(Init, Fans) {
    // Dense W (n_in, n_out): fan_in = 400, fan_out = 120.
    nn::Fans d = nn::fans({400, 120});
    EXPECT_EQ(d.fan_in, 400);
    EXPECT_EQ(d.fan_out, 120);
    // Conv W (kh, kw, c_prev, c_new) = (5, 5, 6, 16): fan_in = 5*5*6 = 150, fan_out = 5*5*16 = 400.
    nn::Fans c = nn::fans({5, 5, 6, 16});
    EXPECT_EQ(c.fan_in, 150);
    EXPECT_EQ(c.fan_out, 400);
}

TEST(Init, TruncationConstantIsTheTruncatedStddev) {
    // Var of N(0,1) truncated to [-2, 2] = 1 - 2 * 2 phi(2) / (Phi(2) - Phi(-2)),
    // with phi the unit normal density and Phi(2) - Phi(-2) = erf(2 / sqrt 2).
    const double pi = 3.14159265358979323846;
    const double phi2 = std::exp(-2.0) / std::sqrt(2.0 * pi);
    const double mass = std::erf(2.0 / std::sqrt(2.0));
    EXPECT_NEAR(std::sqrt(1.0 - 4.0 * phi2 / mass), 0.87962566103423978, 1e-12);
}

TEST(Init, HeNormalStatistics) {
    // fan_in = 3*3*64 = 576: the target stddev after truncation is
    // sqrt(2/576) = 0.0589256; before truncation 0.0589256 / 0.8796257 = 0.0669894,
    // so no value may exceed 2 * 0.0669894 = 0.1339788.
    nn::Rng rng(2024);
    Tensor W = nn::he_normal({3, 3, 64, 128}, rng);
    EXPECT_EQ(W.shape, (nn::Shape{3, 3, 64, 128}));
    const double target = std::sqrt(2.0 / 576.0);
    const double untruncated = target / 0.87962566103423978;
    Moments s = moments(W);  // 73,728 values
    EXPECT_NEAR(s.mean, 0.0, 0.02 * target);
    EXPECT_NEAR(s.stddev / target, 1.0, 0.015);
    EXPECT_LE(s.max_abs, 2.0 * untruncated * (1.0 + 1e-6));
    // Truncation happens at 2 stddev, not earlier: values come close to the bound.
    EXPECT_GT(s.max_abs, 1.95 * untruncated);
}

TEST(Init, HeNormalDrawsInRowMajorOrder) {
    // Element j is the j-th truncated normal of the same seed, scaled:
    // fan_in = 4 for a (4, 3) kernel, stddev = sqrt(2/4) / 0.8796...
    nn::Rng rng(7), replay(7);
    Tensor W = nn::he_normal({4, 3}, rng);
    const double stddev = std::sqrt(0.5) / 0.87962566103423978;
    for (std::size_t j = 0; j < W.size(); ++j)
        EXPECT_FLOAT_EQ(W.data[j], static_cast<float>(stddev * replay.truncated_normal())) << j;
    nn::Rng again(7);
    EXPECT_EQ(nn::he_normal({4, 3}, again).data, W.data);
}

TEST(Init, GlorotUniformBoundsAndVariance) {
    // fan_in = 100, fan_out = 300: limit = sqrt(6 / 400) = 0.1224745, and
    // U(-limit, limit) has variance limit^2 / 3 = 2 / 400 = 0.005.
    nn::Rng rng(99);
    Tensor W = nn::glorot_uniform({100, 300}, rng);
    const double limit = std::sqrt(6.0 / 400.0);
    Moments s = moments(W);
    EXPECT_LE(s.max_abs, static_cast<float>(limit));
    EXPECT_GT(s.max_abs, 0.99 * limit);
    EXPECT_NEAR(s.mean, 0.0, 0.02 * limit);
    EXPECT_NEAR(s.stddev * s.stddev / 0.005, 1.0, 0.03);
    // A conv kernel (5, 5, 1, 6): fans 25 and 150, limit = sqrt(6 / 175) = 0.1851640.
    Tensor K = nn::glorot_uniform({5, 5, 1, 6}, rng);
    EXPECT_LE(moments(K).max_abs, static_cast<float>(std::sqrt(6.0 / 175.0)));
}

TEST(Init, Zeros) {
    Tensor b = nn::zeros({1, 1, 1, 6});
    EXPECT_EQ(b.shape, (nn::Shape{1, 1, 1, 6}));
    EXPECT_EQ(b.data, std::vector<float>(6, 0.0f));
}

TEST(Init, RefusesBadShapes) {
    nn::Rng rng(1);
    EXPECT_THAT(error_message([&] { nn::he_normal({2, 3, 4}, rng); }),
                HasSubstr("fans: kernel must be rank 2 (n_in, n_out) or rank 4 (kh, kw, c_prev, c_new), got (2,3,4)"));
    EXPECT_THAT(error_message([&] { nn::glorot_uniform({0, 3}, rng); }),
                HasSubstr("fans: kernel extents must be positive, got (0,3)"));
    EXPECT_THAT(error_message([] { nn::fans({5, 5, 1, -6}); }), HasSubstr("(5,5,1,-6)"));
}

}  // namespace
