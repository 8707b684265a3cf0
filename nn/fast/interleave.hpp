// interleave.hpp: kLanes pixels of C channels, from channel vectors to pixel
// order and back, in registers.
//
// NHWC keeps a pixel's C channels side by side; the planes of the convolution
// kernels keep a channel's pixels side by side. Between the two, kLanes
// pixels of C channels are a kLanes x C block to transpose. Float by float
// that is kLanes C scalar loads and stores: in LeNet's C1 (6 channels) the
// forward pass spent almost a third of its time storing its tiles that way,
// and the backward pass (dW, db) a fifth gathering dZ into planes. Here each
// output vector is put together from the input vectors two at a time: one
// two-vector shuffle per pair, then selects. That is about C / 2 shuffles per
// vector, which pays for small C (2 to 8); larger C keep the plain loops.
//
//   deinterleave: in[k] holds floats k kLanes .. (k + 1) kLanes of kLanes
//                 pixels x C channels in pixel order; out[c] lane l is
//                 channel c of pixel l
//   interleave:   the inverse
//
//   transpose:    kLanes vectors of kLanes floats, rows to columns (the batch
//                 into the lanes: one vector per pixel, a lane per sample)
//
// The shuffles only move floats, so the values are the same bits either way.
#pragma once

#include <cstddef>
#include <utility>

#include "nn/fast/simd.hpp"

namespace nn::fast::simd {

/// @cond INTERNAL
namespace detail {

// Where output vector k's lane l comes from: input vector vec(k, l), lane lane(k, l).
template <int C>
struct FromPixels {  // deinterleave: out[c] lane l = float l C + c of the pixels
    static constexpr int vec(int c, int l) { return (l * C + c) / kLanes; }
    static constexpr int lane(int c, int l) { return (l * C + c) % kLanes; }
};
template <int C>
struct FromChannels {  // interleave: float f = k kLanes + l of the pixels is channel f mod C of pixel f / C
    static constexpr int vec(int k, int l) { return (k * kLanes + l) % C; }
    static constexpr int lane(int k, int l) { return (k * kLanes + l) / C; }
};

#if defined(__GNUC__)
// Output k's lanes that come from inputs 2p and 2p + 1, in one shuffle of
// the two (-1: a lane the shuffle leaves undefined, filled by another pair).
template <int C, class From, int k, int p, std::size_t... l>
Vec from_pair(const Vec* in, std::index_sequence<l...>) {
    constexpr int second = 2 * p + 1 < C ? 2 * p + 1 : 2 * p;
    return __builtin_shufflevector(
        in[2 * p], in[second],
        (From::vec(k, static_cast<int>(l)) / 2 == p ? From::vec(k, static_cast<int>(l)) % 2 * kLanes + From::lane(k, static_cast<int>(l)) : -1)...);
}

template <class From, int k, int p, std::size_t... l>
Mask lanes_of_pair(std::index_sequence<l...>) {
    return Mask{(From::vec(k, static_cast<int>(l)) / 2 == p ? -1 : 0)...};
}

// Output vector k: pair p's lanes, the later pairs' elsewhere.
template <int C, class From, int k, int p = 0>
Vec output(const Vec* in) {
    using Lanes = std::make_index_sequence<kLanes>;
    const Vec v = from_pair<C, From, k, p>(in, Lanes{});
    if constexpr (2 * (p + 1) < C)
        return select(lanes_of_pair<From, k, p>(Lanes{}), v, output<C, From, k, p + 1>(in));
    else
        return v;
}

template <int C, class From, std::size_t... k>
void permute(const Vec* in, Vec* out, std::index_sequence<k...>) {
    ((out[k] = output<C, From, static_cast<int>(k)>(in)), ...);
}
#else
template <int C, class From, std::size_t... k>
void permute(const Vec* in, Vec* out, std::index_sequence<k...>) {
    float from[C][kLanes], to[C][kLanes];
    for (int v = 0; v < C; ++v) store(from[v], in[v]);
    for (int v = 0; v < C; ++v)
        for (int l = 0; l < kLanes; ++l) to[v][l] = from[From::vec(v, l)][From::lane(v, l)];
    for (int v = 0; v < C; ++v) out[v] = load(to[v]);
}
#endif

#if defined(__GNUC__)
// One step of transpose(): vectors i and i + b (i & b == 0) swap their blocks
// of b lanes: i keeps its lanes l with l & b == 0 and takes i + b's lanes
// l - b into the others; i + b takes i's lanes l + b and keeps the rest.
template <int b, std::size_t... l>
void swap_blocks(Vec& lo, Vec& hi, std::index_sequence<l...>) {
    const Vec new_lo = __builtin_shufflevector(lo, hi, (l & b ? kLanes + l - b : l)...);
    const Vec new_hi = __builtin_shufflevector(lo, hi, (l & b ? kLanes + l : l + b)...);
    lo = new_lo;
    hi = new_hi;
}

template <int b>
void transpose_step(Vec (&v)[kLanes]) {
    if constexpr (b < kLanes) {
        for (int i = 0; i < kLanes; ++i)
            if ((i & b) == 0) swap_blocks<b>(v[i], v[i + b], std::make_index_sequence<kLanes>{});
        transpose_step<2 * b>(v);
    }
}
#endif

}  // namespace detail
/// @endcond

/// Transposes a square of kLanes x kLanes floats held in kLanes vectors:
/// afterwards v[i] lane l is what v[l] lane i was. log2(kLanes) steps of
/// kLanes shuffles each (64 for AVX-512's 16 x 16), against kLanes^2 scalar
/// moves.
/// @param v the square, row i in v[i]; transposed in place
inline void transpose(Vec (&v)[kLanes]) {
#if defined(__GNUC__)
    detail::transpose_step<1>(v);
#else
    float m[kLanes][kLanes];
    for (int i = 0; i < kLanes; ++i) store(m[i], v[i]);
    for (int i = 0; i < kLanes; ++i)
        for (int l = 0; l < kLanes; ++l) v[i].v[l] = m[l][i];
#endif
}

/// Channel vectors from pixel-ordered floats (see the top of this file).
/// @param in  C vectors: kLanes pixels x C channels, pixel by pixel
/// @param out C vectors: out[c] lane l is channel c of pixel l
template <int C>
void deinterleave(const Vec (&in)[C], Vec (&out)[C]) {
    detail::permute<C, detail::FromPixels<C>>(in, out, std::make_index_sequence<C>{});
}

/// Pixel-ordered floats from channel vectors, the inverse of deinterleave.
/// @param in  C vectors: in[c] lane l is channel c of pixel l
/// @param out C vectors: kLanes pixels x C channels, pixel by pixel
template <int C>
void interleave(const Vec (&in)[C], Vec (&out)[C]) {
    detail::permute<C, detail::FromChannels<C>>(in, out, std::make_index_sequence<C>{});
}

}  // namespace nn::fast::simd
