// Packed planes: the layout both fast convolution passes read their input in
// (nn/fast/conv_forward.cpp, nn/fast/conv_backward.cpp), and the correlation
// kernel that runs over it; also the copies into and out of the lanes that
// the passes use for several input channels (conv_forward.cpp,
// conv_backward_lanes.cpp). Nothing outside the fast convolution uses it.
//
// The stride is folded into the layout: plane (k, rp, rq) holds the padded
// input rows rp, rp + sh, ... and columns rq, rq + sw, ... of channel k. Tap
// (p, q, k) reads plane (k, p % sh, q % sw) from row p / sh, column q / sw on,
// and output (y, x) is y Wq + x further: consecutive x are consecutive floats
// for any stride. With stride 1 a plane is simply the zero-padded channel.
//
// Planes of m samples are stored plane by plane, sample after sample, each
// sample's part `pitch` floats long, so that one offset per tap serves every
// sample, and dZ's planes (same pitch) line up with A's for dW.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "nn/fast/simd.hpp"
#include "nn/geometry.hpp"

namespace nn::fast {

/// Offsets and sizes in floats; signed, so that differences need no casts.
using Index = std::ptrdiff_t;

/// @param v a size, not negative
/// @return @p v as a std::size_t, for indexing a std::vector
inline std::size_t zu(Index v) { return static_cast<std::size_t>(v); }

/// @param v    a size, not negative
/// @param step a positive multiple
/// @return the least multiple of @p step that is at least @p v
inline Index round_up(Index v, Index step) { return (v + step - 1) / step * step; }

/// Multiply-adds that pay for one more freshly started thread in a
/// convolution pass (40-80 us of work; a kept ThreadPool needs
/// ThreadPool::kPoolDiscount times less).
constexpr double kConvWorkPerThread = 1 << 22;

/// A float buffer whose first float sits on a 64-byte cache line. The kernels
/// load whole vectors at multiples of kLanes from it; an unaligned vector
/// straddles two cache lines and costs two loads. Zeroed, unless the caller
/// asks for it raw because its threads will clear their own parts (a big
/// buffer cleared by one thread would hold the others up).
class Buffer {
public:
    /// @param n      floats
    /// @param zeroed whether to set them to 0
    Buffer(Index n, bool zeroed) : store_(new float[zu(n + kAlign)]) {
        const auto address = reinterpret_cast<std::uintptr_t>(store_.get());
        const std::size_t skip = (kAlign - (address / sizeof(float)) % kAlign) % kAlign;
        data_ = store_.get() + skip;
        if (zeroed) std::fill(data_, data_ + n, 0.0f);
    }
    /// @return the first float, on a cache line's start
    float* data() { return data_; }

private:
    static constexpr Index kAlign = 64 / sizeof(float);
    std::unique_ptr<float[]> store_;
    float* data_;
};

/// dst[c cs + y rs + x xs] = src[y src_row + x src_col + c] for y < rows,
/// x < cols, c < C: NHWC pixels to planes (or to any strided layout).
/// @param src     pixel (0, 0)'s first channel
/// @param src_row floats from one source row to the next
/// @param src_col floats from one source pixel to the next
/// @param rows    rows to copy
/// @param cols    pixels per row to copy
/// @param C       channels
/// @param dst     where pixel (0, 0) of channel 0 goes
/// @param cs      floats from one channel's plane to the next
/// @param rs      floats from one plane row to the next
/// @param xs      floats from one plane column to the next
void scatter_to_planes(const float* src, Index src_row, Index src_col, int rows, int cols, int C, float* dst,
                       Index cs, Index rs, Index xs);

/// The layout of the planes of m samples (see the top of this file).
struct Planes {
    int sh = 1;              ///< the row stride folded into the layout
    int sw = 1;              ///< the column stride folded into the layout
    int channels = 0;        ///< input channels
    int Hq = 0;              ///< rows of one sample's plane
    int Wq = 0;              ///< columns of one sample's plane
    Index pitch = 0;         ///< floats per sample in a plane: Hq Wq rounded up to kLanes
    Index plane = 0;         ///< floats per plane: m pitch
    Index size = 0;          ///< floats in all, slack included
    std::vector<Index> off;  ///< per tap (p, q, k) in W's order: where it starts reading
};

/// The layout of @p m samples with @p channels channels, padded to (Hp, Wp)
/// and read by a kh x kw window with stride (sh, sw). Taps are numbered as W's
/// rows: t = (p kw + q) channels + k.
/// @param m        samples
/// @param channels input channels
/// @param Hp       padded rows
/// @param Wp       padded columns
/// @param kh       window rows
/// @param kw       window columns
/// @param sh       row stride
/// @param sw       column stride
/// @return the layout, with a tile's reads past the end inside Planes::size
Planes plan_planes(int m, int channels, int Hp, int Wp, int kh, int kw, int sh, int sw);

/// Copies sample a (h_prev, w_prev, channels), NHWC, into its part of the
/// planes at @p planes (the sample's first float), shifted by the top/left
/// padding. Only the image's own cells are written, so padding cells keep the
/// zeros the buffer was created with, and a one-sample buffer can be reused as
/// is for the next sample.
/// @param a        the sample's first float
/// @param h_prev   its rows
/// @param w_prev   its columns
/// @param pad_top  zero rows above it
/// @param pad_left zero columns left of it
/// @param P        the layout
/// @param planes   the sample's first float in the planes
void pack_sample(const float* a, int h_prev, int w_prev, int pad_top, int pad_left, const Planes& P, float* planes);

/// Samples into the lanes: dst[(y dst_row + j) kLanes + l] = src[l sample +
/// y src_row + j] for y < rows, j < row_floats, l < n. One vector then holds
/// one float of kLanes samples (the "batch in the lanes" layout of the C3
/// passes). Lanes from n on are not written.
/// @param src        sample 0's first float to copy
/// @param sample     floats from one sample to the next
/// @param n          samples, at most kLanes
/// @param rows       rows to copy
/// @param row_floats floats per row to copy
/// @param src_row    floats from one source row to the next
/// @param dst        where float (0, 0) goes, lane 0
/// @param dst_row    floats (before the lanes) from one destination row to the next
void to_lanes(const float* src, Index sample, int n, int rows, Index row_floats, Index src_row, float* dst,
              Index dst_row);

/// Out of the lanes, to_lanes the other way round: dst[l sample + y dst_row
/// + j] = src[(y src_row + j) kLanes + l] for y < rows, j < row_floats, l < n.
/// @param src        float (0, 0), lane 0
/// @param src_row    floats (before the lanes) from one source row to the next
/// @param n          samples, at most kLanes
/// @param rows       rows to copy
/// @param row_floats floats per row to copy
/// @param dst        sample 0's first float to write
/// @param sample     floats from one sample to the next
/// @param dst_row    floats from one destination row to the next
void from_lanes(const float* src, Index src_row, int n, int rows, Index row_floats, float* dst, Index sample,
                Index dst_row);

/// A block of samples in the lanes, zero-padded, as both convolution passes
/// read it with several input channels: in16[((y Wp + x) c_prev + k) kLanes
/// + l] = A_prev[l, y - pad_top, x - pad_left, k], zero in the padding and in
/// the lanes past the block's n samples.
/// @param a    the block's first sample
/// @param n    samples in the block, at most kLanes
/// @param g    the convolution's geometry
/// @param Hp   padded rows, g.h_prev + g.pad_top + g.pad_bottom
/// @param Wp   padded columns
/// @param in16 Hp Wp g.c_prev kLanes floats, every one written
void pack_lanes(const float* a, int n, const Geometry& g, int Hp, int Wp, float* in16);

/// Pixels per tile for CB channels: CB x NV accumulators plus NV inputs fill
/// most of the vector registers (simd::kRegisters, 32 or 16).
/// @return NV, the vectors of pixels per tile
template <int CB>
constexpr int tile_vectors() {
    if (simd::kRegisters >= 32) return CB <= 3 ? 8 : CB <= 4 ? 6 : CB <= 6 ? 4 : 3;
    return CB <= 1 ? 6 : CB <= 2 ? 4 : CB <= 3 ? 3 : CB <= 6 ? 2 : 1;
}

/// Where a source plane holds values: only rows [row_lo, row_hi) of it, the
/// others being zero (dZ padded for the backward pass). Taps are in W's
/// order, taps_per_row of them per kernel row p, and output row y reads
/// source row y + p, so a tap whose row reads only zeros can be skipped:
/// the sum's other terms stay in the same order, and the result is the same
/// to the bit.
struct RowSpan {
    int taps_per_row = 0;  ///< taps per kernel row (kw times the input channels)
    int row_lo = 0;        ///< first source row that holds values
    int row_hi = 0;        ///< one past the last
};

/// The correlation kernel on one sample's planes:
/// out[y, x, c] = bias[c] + sum_t src[off[t] + y Wq + x] w[t, c] for y < Ho,
/// x < Wo, c < C, where w is a (K, C) matrix (W itself for the forward pass).
/// Each row is computed Wq wide and the Wq - Wo extra pixels are dropped.
/// @param src  the sample's first float in the planes
/// @param P    the layout (its offsets are the taps)
/// @param w    (K, C), K = P.off.size()
/// @param C    output channels
/// @param bias C values, or null for none
/// @param Ho   output rows
/// @param Wo   output columns
/// @param out  (Ho, Wo, C), every value written
/// @param span where src holds values (stride 1 only), or null: everywhere
void correlate(const float* src, const Planes& P, const float* w, int C, const float* bias, int Ho, int Wo,
               float* out, const RowSpan* span = nullptr);

}  // namespace nn::fast
