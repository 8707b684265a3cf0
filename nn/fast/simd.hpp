// simd.hpp: one vector register of floats, for the register tiles of the fast
// kernels (nn/fast/conv_*.cpp, nn/fast/gemm.cpp) and the channel loops of
// nn/fast/pool.cpp. Nothing above nn/fast/ uses it.
//
// Why it exists. A register tile keeps, say, 6 channels x 64 pixels of sums in
// 24 vector registers while it runs over every tap. Written as plain nested
// loops over a float array, GCC 12 vectorises some tile shapes and keeps
// others in memory, one scalar at a time: `plaincnn bench` (case "tile 6x64")
// measured 2 GFLOP/s for one shape and 126 for the same loops written with
// this type. Vec states the intent (one value = one register) so every shape
// compiles the same way. Pooling has the opposite problem: GCC turns its
// per-channel "keep the larger value" selects into branches, which the
// processor mispredicts on every other window; Mask and select() keep them
// branch-free. Vec is GCC's and Clang's vector extension, not an intrinsic:
// +, * and += work element by element, and a float operand is broadcast.
// Other compilers get plain structs with the same operations.
//
// The width follows the target: 16 floats with AVX-512, 8 with AVX, 4 otherwise.
#pragma once

#include <cstdint>
#include <cstring>

namespace nn::fast::simd {

#if defined(__AVX512F__)
constexpr int kLanes = 16;  ///< floats in one Vec
#elif defined(__AVX__)
constexpr int kLanes = 8;  ///< floats in one Vec
#else
constexpr int kLanes = 4;  ///< floats in one Vec
#endif

// The vector registers a register tile may fill. The tiles' shapes follow
// it: a tile sized for AVX-512's 32 registers keeps spilling its sums to
// memory where there are only 16 (SSE and AVX on x86-64, and WebAssembly,
// whose 128-bit vectors V8 keeps in x86-64's 16 xmm registers). Measured on
// a native build limited to SSE4.2 (-march=x86-64-v2), one thread, batch
// 32, `plaincnn bench`: C3's backward pass took 2.01 ms with the 32-register
// shapes and 1.73 ms with these, F5's forward 120 and 100 us. The shapes do
// not change the order of any sum, so every target computes the same bits.
#if defined(__AVX512F__) || defined(__aarch64__)
constexpr int kRegisters = 32;  ///< vector registers the tiles are shaped for
#else
constexpr int kRegisters = 16;  ///< vector registers the tiles are shaped for
#endif

#if defined(__GNUC__)
/// kLanes floats that the compiler keeps in one vector register.
typedef float Vec __attribute__((vector_size(kLanes * sizeof(float))));
/// kLanes truth values, one per lane of a Vec: all ones (true) or zero.
typedef std::int32_t Mask __attribute__((vector_size(kLanes * sizeof(std::int32_t))));
/// Lane-wise a > b.
inline Mask greater(Vec a, Vec b) { return a > b; }
/// Lane-wise a == b.
inline Mask equal(Vec a, Vec b) { return a == b; }
/// Lane-wise m && n.
inline Mask both(Mask m, Mask n) { return m & n; }
/// Lane-wise m ? a : b, without branches.
inline Vec select(Mask m, Vec a, Vec b) { return m ? a : b; }
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
/// kLanes truth values, one per lane of a Vec.
struct Mask {
    bool v[kLanes];  ///< the lanes
};
/// Lane-wise a > b.
inline Mask greater(Vec a, Vec b) {
    Mask m;
    for (int l = 0; l < kLanes; ++l) m.v[l] = a.v[l] > b.v[l];
    return m;
}
/// Lane-wise a == b.
inline Mask equal(Vec a, Vec b) {
    Mask m;
    for (int l = 0; l < kLanes; ++l) m.v[l] = a.v[l] == b.v[l];
    return m;
}
/// Lane-wise m && n.
inline Mask both(Mask m, Mask n) {
    for (int l = 0; l < kLanes; ++l) m.v[l] = m.v[l] && n.v[l];
    return m;
}
/// Lane-wise m ? a : b.
inline Vec select(Mask m, Vec a, Vec b) {
    for (int l = 0; l < kLanes; ++l) a.v[l] = m.v[l] ? a.v[l] : b.v[l];
    return a;
}
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

/// A Vec with @p x in every lane.
inline Vec broadcast(float x) {
#if defined(__GNUC__)
    // A scalar operand is broadcast, and x - 0 is x for every float (-0
    // included), so this is one broadcast instruction; filling an array and
    // loading it compiled to kLanes stores and a load.
    return x - zero();
#else
    float lanes[kLanes];
    for (int l = 0; l < kLanes; ++l) lanes[l] = x;
    return load(lanes);
#endif
}

/// Makes the compiler hold @p v in a register from here on. In a dW tile
/// each loaded vector meets several others; GCC 12 folds the load into every
/// multiply-add that uses it instead, reading it from memory again each time,
/// and the tile then waits on loads, not on multiply-adds. With the bench's
/// shapes timed apart (batch 32, one thread, best of 15 runs), LeNet's C1 dW
/// took 204 us that way and 174 us with the vectors pinned, C3's 425 and
/// 335 us. An empty asm statement emits no instruction; it only tells the
/// compiler the value must be in a vector register here. Other compilers and
/// targets: nothing.
inline void keep_in_register(Vec& v) {
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    asm("" : "+v"(v));
#else
    (void)v;
#endif
}

/// The lane numbers 0, 1, ..., kLanes - 1 as floats.
inline Vec lane_numbers() {
    float lanes[kLanes];
    for (int l = 0; l < kLanes; ++l) lanes[l] = static_cast<float>(l);
    return load(lanes);
}

}  // namespace nn::fast::simd
