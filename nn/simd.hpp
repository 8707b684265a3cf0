// simd.hpp: one vector register of floats, for the register tiles of the fast
// kernels (nn/conv_fast.cpp, nn/gemm.cpp). Nothing else in plaincnn uses it.
//
// Why it exists. A register tile keeps, say, 6 channels x 64 pixels of sums in
// 24 vector registers while it runs over every tap. Written as plain nested
// loops over a float array, GCC 12 vectorises some tile shapes and keeps
// others in memory, one scalar at a time: `plaincnn bench` (case "tile 6x64")
// measured 2 GFLOP/s for one shape and 126 for the same loops written with
// this type. Vec states the intent (one value = one register) so every shape
// compiles the same way. It is GCC's and Clang's vector extension, not an
// intrinsic: +, * and += work element by element, and a float operand is
// broadcast. Other compilers get a plain struct with the same operators.
//
// The width follows the target: 16 floats with AVX-512, 8 with AVX, 4 otherwise.
#pragma once

#include <cstring>

namespace nn {
namespace simd {

#if defined(__AVX512F__)
constexpr int kLanes = 16;  ///< floats in one Vec
#elif defined(__AVX__)
constexpr int kLanes = 8;  ///< floats in one Vec
#else
constexpr int kLanes = 4;  ///< floats in one Vec
#endif

#if defined(__GNUC__)
/// kLanes floats that the compiler keeps in one vector register.
typedef float Vec __attribute__((vector_size(kLanes * sizeof(float))));
#else
/// kLanes floats; a portable stand-in for the vector extension.
struct Vec {
    float v[kLanes];  ///< the lanes
};
/// Lane-wise a + b.
inline Vec operator+(Vec a, Vec b) {
    for (int l = 0; l < kLanes; ++l) a.v[l] += b.v[l];
    return a;
}
/// Lane-wise a * b.
inline Vec operator*(Vec a, Vec b) {
    for (int l = 0; l < kLanes; ++l) a.v[l] *= b.v[l];
    return a;
}
/// Every lane of a times s.
inline Vec operator*(Vec a, float s) {
    for (int l = 0; l < kLanes; ++l) a.v[l] *= s;
    return a;
}
/// a = a + b, lane-wise.
inline Vec& operator+=(Vec& a, Vec b) { return a = a + b; }
#endif

/// Loads kLanes floats from @p p (no alignment needed).
inline Vec load(const float* p) {
    Vec v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

/// Stores the kLanes floats of @p v at @p p (no alignment needed).
inline void store(float* p, Vec v) { std::memcpy(p, &v, sizeof v); }

/// A Vec of zeros.
inline Vec zero() {
    Vec v;
    std::memset(&v, 0, sizeof v);
    return v;
}

}  // namespace simd
}  // namespace nn
