// Tests for nn/rng: the wrapped mt19937_64 is unchanged (the C++ standard's
// golden value), seeds reproduce and differ, uniform's range, normal's and
// truncated_normal's moments, below's range and coverage, shuffle.
#include "nn/rng.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/test_util.hpp"

namespace {

TEST(Rng, WrapsTheStandardMt19937_64) {
    // [rand.predef]: the 10000th consecutive invocation of a default-constructed
    // mt19937_64 (seed 5489) produces 9981545732273789042.
    nn::Rng rng(5489);
    std::uint64_t x = 0;
    for (int k = 0; k < 10000; ++k) x = rng.bits();
    EXPECT_EQ(x, 9981545732273789042ULL);
}

TEST(Rng, SameSeedSameSequenceDifferentSeedsDiffer) {
    nn::Rng a(42), b(42), c(43);
    std::vector<std::uint64_t> sa, sb, sc;
    for (int k = 0; k < 100; ++k) {
        sa.push_back(a.bits());
        sb.push_back(b.bits());
        sc.push_back(c.bits());
    }
    EXPECT_EQ(sa, sb);
    EXPECT_NE(sa, sc);
    nn::Rng d(42), e(42);
    for (int k = 0; k < 100; ++k) EXPECT_EQ(d.normal(), e.normal());
}

TEST(Rng, UniformInHalfOpenUnitInterval) {
    nn::Rng rng(1);
    const int n = 100000;
    double sum = 0.0, lo = 1.0, hi = 0.0;
    for (int k = 0; k < n; ++k) {
        const double u = rng.uniform();
        sum += u;
        lo = std::min(lo, u);
        hi = std::max(hi, u);
    }
    EXPECT_GE(lo, 0.0);
    EXPECT_LT(hi, 1.0);
    EXPECT_LT(lo, 1e-3);
    EXPECT_GT(hi, 1.0 - 1e-3);
    EXPECT_NEAR(sum / n, 0.5, 0.005);  // standard error sqrt(1/12/n) = 0.0009
}

TEST(Rng, NormalMoments) {
    // Over n = 200,000 draws: mean's standard error 1/sqrt(n) = 0.0022,
    // variance's sqrt(2/n) = 0.0032.
    nn::Rng rng(2);
    const int n = 200000;
    double sum = 0.0, sum_sq = 0.0;
    for (int k = 0; k < n; ++k) {
        const double x = rng.normal();
        ASSERT_TRUE(std::isfinite(x));
        sum += x;
        sum_sq += x * x;
    }
    const double mean = sum / n;
    EXPECT_NEAR(mean, 0.0, 0.01);
    EXPECT_NEAR(sum_sq / n - mean * mean, 1.0, 0.015);
}

TEST(Rng, TruncatedNormalStaysWithinTwo) {
    // Truncated to [-2, 2], the unit normal's stddev is 0.8796 (see nn/init.hpp).
    nn::Rng rng(3);
    const int n = 100000;
    double sum_sq = 0.0, max_abs = 0.0;
    for (int k = 0; k < n; ++k) {
        const double x = rng.truncated_normal();
        sum_sq += x * x;
        max_abs = std::max(max_abs, std::fabs(x));
    }
    EXPECT_LE(max_abs, 2.0);
    EXPECT_GT(max_abs, 1.99);
    EXPECT_NEAR(std::sqrt(sum_sq / n), 0.87962566103423978, 0.006);
}

TEST(Rng, BelowStaysInRangeAndCoversIt) {
    nn::Rng rng(4);
    std::vector<int> count(7, 0);
    for (int k = 0; k < 7000; ++k) {
        const std::uint64_t x = rng.below(7);
        ASSERT_LT(x, 7u);
        ++count[x];
    }
    for (int c : count) EXPECT_NEAR(c, 1000, 150);  // about 5 standard errors
    EXPECT_EQ(rng.below(1), 0u);
    const std::uint64_t big = (std::uint64_t{1} << 63) + 12345;  // about half of all draws are rejected
    for (int k = 0; k < 100; ++k) EXPECT_LT(rng.below(big), big);
}

TEST(Rng, BelowZeroIsRefused) {
    nn::Rng rng(5);
    EXPECT_TRUE(testutil::throws_with([&] { rng.below(0); }, {"Rng::below: n must be positive"}));
}

TEST(Rng, ShuffleIsADeterministicPermutation) {
    std::vector<int> v(50), w;
    std::iota(v.begin(), v.end(), 0);
    w = v;
    nn::Rng a(6), b(6);
    a.shuffle(v);
    b.shuffle(w);
    EXPECT_EQ(v, w);  // same seed, same order
    std::vector<int> sorted = v;
    std::sort(sorted.begin(), sorted.end());
    std::vector<int> identity(50);
    std::iota(identity.begin(), identity.end(), 0);
    EXPECT_EQ(sorted, identity);  // every element exactly once
    EXPECT_NE(v, identity);       // and actually moved (probability 1/50! of failing)
    std::vector<int> empty, one{7};
    a.shuffle(empty);
    a.shuffle(one);
    EXPECT_TRUE(empty.empty());
    EXPECT_EQ(one, std::vector<int>{7});
}

}  // namespace
