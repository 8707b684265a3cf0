// A seeded random source that gives the same numbers with any compiler and
// standard library. std::mt19937_64 is fully specified by the standard; the
// standard distributions are not, so the uniform, normal and shuffle below
// are written out here.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "nn/errors.hpp"

namespace nn {

/// Random numbers from a seed. Pass it by reference; there is no global one.
class Rng {
public:
    /// A generator started from @p seed.
    /// @param seed the seed of the underlying std::mt19937_64
    explicit Rng(std::uint64_t seed = 0) : gen_(seed) {}

    /// @return the next 64 bits of std::mt19937_64, unchanged
    std::uint64_t bits() { return gen_(); }

    /// @return a double uniform in [0, 1), from the top 53 bits
    double uniform() { return static_cast<double>(gen_() >> 11) * 0x1.0p-53; }

    /// Standard normal by the Box-Muller transform (one pair, two calls).
    /// @return a draw from N(0, 1)
    double normal() {
        if (has_spare_) {
            has_spare_ = false;
            return spare_;
        }
        double u1 = 1.0 - uniform();  // (0, 1]: log stays finite
        double u2 = uniform();
        double r = std::sqrt(-2.0 * std::log(u1));
        const double two_pi = 6.283185307179586;
        spare_ = r * std::sin(two_pi * u2);
        has_spare_ = true;
        return r * std::cos(two_pi * u2);
    }

    /// Standard normal truncated to [-2, 2] by redrawing, as TF's truncated_normal.
    /// @return a draw from N(0, 1) conditioned on |x| <= 2
    double truncated_normal() {
        for (;;) {
            double x = normal();
            if (x >= -2.0 && x <= 2.0) return x;
        }
    }

    /// Uniform integer in [0, n), without modulo bias (rejection).
    /// @param n the number of possible values
    /// @return an integer in [0, n)
    /// @throws std::invalid_argument if n is 0 (the range would be empty).
    std::uint64_t below(std::uint64_t n) {
        require(n > 0, "Rng::below", "n must be positive, got 0");
        std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
        for (;;) {
            std::uint64_t x = gen_();
            if (x < limit) return x % n;
        }
    }

    /// Fisher-Yates shuffle in place: every order equally likely.
    /// @param v the values to shuffle
    template <typename T>
    void shuffle(std::vector<T>& v) {
        for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
    }

private:
    std::mt19937_64 gen_;
    bool has_spare_ = false;
    double spare_ = 0.0;
};

}  // namespace nn
