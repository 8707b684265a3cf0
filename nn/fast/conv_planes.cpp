// Fast convolution: conv_forward and conv_backward by packed planes and
// register tiles. The formulas are the reference passes':
//   Z[i,y,x,c]                     = act(b[c] + sum_{p,q,k} A_pad[i, y sh + p, x sw + q, k] W[p,q,k,c])
//   dA_pad[i, y sh + p, x sw + q, k] += W[p,q,k,c] dZ[i,y,x,c]
//   dW[p,q,k,c]                    += A_pad[i, y sh + p, x sw + q, k] dZ[i,y,x,c]
//   db[c]                          += dZ[i,y,x,c]
// A_prev (m, h_prev, w_prev, c_prev), W (kh, kw, c_prev, c_new), Z and dZ (m, h, w, c_new).
//
// Why it is fast. NHWC keeps c_new innermost, but LeNet has only 6 or 16
// output channels: too few to fill vector registers. So the input is first
// copied into one zero-padded plane per channel (see Planes). In a plane, what
// tap (p,q,k) sees under consecutive outputs x is consecutive floats, so one
// vector load serves 16 outputs, and a tile of CB channels x 16 NV pixels
// stays in registers while it sums over every tap. Each output row is computed
// as wide as a plane row (Wq pixels) and the Wq - w extra pixels are dropped
// when the tile is stored ("wide rows"). With several input channels (C3),
// the forward pass puts the batch in the lanes instead: one vector holds one
// pixel of 16 samples, so no lane is wasted on a wide row's extra pixels (see
// correlate_lanes; the same bits). dA_prev is the same correlation run
// on dZ with W turned around (by whole rows when a row fits one vector, so
// that taps reading only dZ's zero padding can be skipped); dW and db are dot
// products between A's planes and dZ's planes, summed per group of samples.
#include "nn/fast/conv_forward.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "nn/errors.hpp"
#include "nn/fast/thread_pool.hpp"
#include "nn/fast/simd.hpp"
#include "nn/fast/work_split.hpp"

namespace nn {

namespace {

using simd::kLanes;
using simd::Vec;
using Index = std::ptrdiff_t;

// The longest run of pixels one tile covers (NV * kLanes <= kMaxRun).
constexpr int kMaxRun = 8 * kLanes;
// Multiply-adds that pay for one more freshly started thread (40-80 us of
// work; a kept ThreadPool needs Workers::kPoolDiscount times less).
constexpr double kMinWorkPerThread = 1 << 22;

std::size_t zu(Index v) { return static_cast<std::size_t>(v); }
Index round_up(Index v, Index step) { return (v + step - 1) / step * step; }

// A float buffer whose first float sits on a 64-byte cache line. The kernels
// load whole vectors at multiples of kLanes from it; an unaligned vector
// straddles two cache lines and costs two loads. Zeroed, unless the caller
// asks for it raw because its threads will clear their own parts (a big
// buffer cleared by one thread would hold the others up).
class Buffer {
public:
    Buffer(Index n, bool zeroed) : store_(new float[zu(n + kAlign)]) {
        const auto address = reinterpret_cast<std::uintptr_t>(store_.get());
        const std::size_t skip = (kAlign - (address / sizeof(float)) % kAlign) % kAlign;
        data_ = store_.get() + skip;
        if (zeroed) std::fill(data_, data_ + n, 0.0f);
    }
    float* data() { return data_; }

private:
    static constexpr Index kAlign = 64 / sizeof(float);
    std::unique_ptr<float[]> store_;
    float* data_;
};

// dst[c cs + y rs + x xs] = src[y src_row + x src_col + c] for y < rows,
// x < cols, c < C: NHWC pixels to planes (or to any strided layout).
void scatter_to_planes(const float* src, Index src_row, Index src_col, int rows, int cols, int C, float* dst,
                       Index cs, Index rs, Index xs) {
    for (int y = 0; y < rows; ++y)
        for (int c = 0; c < C; ++c) {
            const float* s = src + y * src_row + c;
            float* d = dst + c * cs + y * rs;
            if (xs == 1)  // the usual case, written apart so that it vectorises (a gather per vector)
                for (int x = 0; x < cols; ++x) d[x] = s[x * src_col];
            else
                for (int x = 0; x < cols; ++x) d[x * xs] = s[x * src_col];
        }
}

// ---------------------------------------------------------------------------
// Packed planes.
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
struct Planes {
    int sh = 1, sw = 1;        // the stride folded into the layout
    int channels = 0;          // input channels
    int Hq = 0, Wq = 0;        // rows and columns of one sample's plane
    Index pitch = 0;           // floats per sample in a plane: Hq Wq rounded up to kLanes
    Index plane = 0;           // floats per plane: m pitch
    Index size = 0;            // floats in all, slack included
    std::vector<Index> off;    // per tap (p, q, k) in W's order: where it starts reading
};

// The layout of @p m samples with @p channels channels, padded to (Hp, Wp)
// and read by a kh x kw window with stride (sh, sw). Taps are numbered as W's
// rows: t = (p kw + q) channels + k.
Planes plan_planes(int m, int channels, int Hp, int Wp, int kh, int kw, int sh, int sw) {
    Planes P;
    P.sh = sh;
    P.sw = sw;
    P.channels = channels;
    P.Hq = (Hp + sh - 1) / sh;
    P.Wq = (Wp + sw - 1) / sw;
    P.pitch = round_up(Index{P.Hq} * P.Wq, kLanes);
    P.plane = P.pitch * m;
    // A tile may read up to kMaxRun floats past the last output, plus the
    // largest tap offset; the slack keeps those reads inside the buffer (they
    // only feed pixels that are dropped or multiplied by zero).
    P.size = P.plane * channels * sh * sw + Index{kh / sh + 1} * P.Wq + kw + kMaxRun;
    P.off.resize(zu(Index{kh} * kw * channels));
    for (int p = 0; p < kh; ++p)
        for (int q = 0; q < kw; ++q)
            for (int k = 0; k < channels; ++k)
                P.off[zu((Index{p} * kw + q) * channels + k)] =
                    ((Index{k} * sh + p % sh) * sw + q % sw) * P.plane + Index{p / sh} * P.Wq + q / sw;
    return P;
}

// Copies sample a (h_prev, w_prev, channels), NHWC, into its part of the
// planes at @p planes (the sample's first float), shifted by the top/left
// padding. Only the image's own cells are written, so padding cells keep the
// zeros the buffer was created with, and a one-sample buffer can be reused as
// is for the next sample.
void pack_sample(const float* a, int h_prev, int w_prev, int pad_top, int pad_left, const Planes& P, float* planes) {
    const int sh = P.sh, sw = P.sw, C = P.channels;
    for (int rp = 0; rp < sh; ++rp)
        for (int rq = 0; rq < sw; ++rq) {
            // The first input row and column that land in phase (rp, rq).
            const int y0 = ((rp - pad_top) % sh + sh) % sh, x0 = ((rq - pad_left) % sw + sw) % sw;
            if (y0 >= h_prev || x0 >= w_prev) continue;
            const int rows = (h_prev - y0 + sh - 1) / sh, cols = (w_prev - x0 + sw - 1) / sw;
            float* dst = planes + (Index{rp} * sw + rq) * P.plane + Index{(y0 + pad_top) / sh} * P.Wq +
                         (x0 + pad_left) / sw;
            scatter_to_planes(a + (Index{y0} * w_prev + x0) * C, Index{sh} * w_prev * C, Index{sw} * C, rows, cols,
                              C, dst, P.plane * sh * sw, P.Wq, 1);
        }
}

// ---------------------------------------------------------------------------
// The correlation kernel: out[y, x, c] = bias[c] + sum_t src[off[t] + y Wq + x] w[t, c]
// for y < Ho, x < Wo, where w is a (K, C) matrix (W itself for the forward
// pass). One call fills CB channels from c0 for the NV kLanes consecutive wide
// pixels from o0.
template <int CB, int NV>
void correlate_tile(const float* src, const Index* off, int K, const float* w, int C, int c0, const float* bias,
                    int o0, int Ho, int Wo, int Wq, float* out) {
    constexpr int J = NV * kLanes;
    Vec acc[CB][NV];
    for (int c = 0; c < CB; ++c)
        for (int v = 0; v < NV; ++v) acc[c][v] = simd::zero();
    for (int t = 0; t < K; ++t) {
        const float* a_t = src + off[t] + o0;  // tap t's input under pixels o0 .. o0 + J
        const float* w_t = w + Index{t} * C + c0;
        Vec a[NV];
        for (int v = 0; v < NV; ++v) a[v] = simd::load(a_t + v * kLanes);
        for (int c = 0; c < CB; ++c) {
            const float w_tc = w_t[c];
            for (int v = 0; v < NV; ++v) acc[c][v] += a[v] * w_tc;
        }
    }
    float tile[CB][J];  // the sums, then scattered to (y, x, c) with the bias
    for (int c = 0; c < CB; ++c)
        for (int v = 0; v < NV; ++v) simd::store(&tile[c][v * kLanes], acc[c][v]);
    float b_c[CB];
    for (int c = 0; c < CB; ++c) b_c[c] = bias ? bias[c0 + c] : 0.0f;
    int y = o0 / Wq, x = o0 % Wq;
    for (int j = 0; j < J && y < Ho; ++j) {
        if (x < Wo) {  // a real pixel, not one of a wide row's extra ones
            float* out_yx = out + (Index{y} * Wo + x) * C + c0;
            for (int c = 0; c < CB; ++c) out_yx[c] = tile[c][j] + b_c[c];
        }
        if (++x == Wq) {
            x = 0;
            ++y;
        }
    }
}

// Pixels per tile for CB channels: CB x NV accumulators plus NV inputs fill
// most of the 32 vector registers.
template <int CB>
constexpr int tile_vectors() {
    return CB <= 3 ? 8 : CB <= 4 ? 6 : CB <= 6 ? 4 : 3;
}

template <int CB>
void correlate_block(const float* src, const Index* off, int K, const float* w, int C, int c0, const float* bias,
                     int Ho, int Wo, int Wq, float* out) {
    constexpr int NV = tile_vectors<CB>();
    const int O = Ho * Wq;
    for (int o0 = 0; o0 < O; o0 += NV * kLanes)
        correlate_tile<CB, NV>(src, off, K, w, C, c0, bias, o0, Ho, Wo, Wq, out);
}

// out (Ho, Wo, C) = bias + correlation of one sample's planes (src is its
// first float) with w (K, C), channels in blocks of at most 8.
void correlate(const float* src, const Planes& P, const float* w, int C, const float* bias, int Ho, int Wo,
               float* out) {
    const int K = static_cast<int>(P.off.size());
    const Index* off = P.off.data();
    for (int c0 = 0; c0 < C; c0 += 8) {
        switch (std::min(8, C - c0)) {
            case 1: correlate_block<1>(src, off, K, w, C, c0, bias, Ho, Wo, P.Wq, out); break;
            case 2: correlate_block<2>(src, off, K, w, C, c0, bias, Ho, Wo, P.Wq, out); break;
            case 3: correlate_block<3>(src, off, K, w, C, c0, bias, Ho, Wo, P.Wq, out); break;
            case 4: correlate_block<4>(src, off, K, w, C, c0, bias, Ho, Wo, P.Wq, out); break;
            case 5: correlate_block<5>(src, off, K, w, C, c0, bias, Ho, Wo, P.Wq, out); break;
            case 6: correlate_block<6>(src, off, K, w, C, c0, bias, Ho, Wo, P.Wq, out); break;
            case 7: correlate_block<7>(src, off, K, w, C, c0, bias, Ho, Wo, P.Wq, out); break;
            default: correlate_block<8>(src, off, K, w, C, c0, bias, Ho, Wo, P.Wq, out); break;
        }
    }
}

// ---------------------------------------------------------------------------
// The same correlation by rows, for outputs no wider than one vector (LeNet's
// C3 backward: dA_prev rows of 14): each vector is one output row, so a tile
// is CB channels x NV whole rows, and taps can be skipped row by row. That
// pays off for dA_prev, where src is the zero-padded dZ: only src rows
// [row_lo, row_hi) hold values, and output row y reads src row y + p at
// kernel row p. Taps that would read only padding rows are skipped, which
// leaves each sum's other terms in the same order: the result is the wide-row
// kernel's to the bit. For C3, 50 of the 70 (output row, kernel row) pairs
// remain, and its dA_prev took about 300 us instead of 440 at batch 32 on one
// thread. Taps are in W's order, kw * C_in of them per kernel row.
struct RowSpan {
    int taps_per_row = 0;  // taps per kernel row p (kw times the input channels)
    int row_lo = 0;        // src rows [row_lo, row_hi) hold values; the others are zero
    int row_hi = 0;
};

template <int CB, int NV>
void correlate_rows_tile(const float* src, const Index* off, int K, const float* w, int C, int c0, int y0, int Ho,
                         int Wo, int Wq, const RowSpan& span, float* out) {
    Vec acc[CB][NV];
    for (int c = 0; c < CB; ++c)
        for (int v = 0; v < NV; ++v) acc[c][v] = simd::zero();
    const int rows = std::min(NV, Ho - y0);  // the tile's real rows
    for (int t0 = 0, p = 0; t0 < K; t0 += span.taps_per_row, ++p) {
        // Tile rows v with a value in src row y0 + v + p.
        const int lo = std::max(0, span.row_lo - p - y0), hi = std::min(rows, span.row_hi - p - y0);
        if (lo >= hi) continue;
        const bool all = lo == 0 && hi == NV;
        for (int t = t0; t < t0 + span.taps_per_row; ++t) {
            const float* a_t = src + off[t] + Index{y0} * Wq;  // tap t's input under row y0
            const float* w_t = w + Index{t} * C + c0;
            Vec w_c[CB];  // broadcast once per tap, not once per row
            for (int c = 0; c < CB; ++c) w_c[c] = simd::broadcast(w_t[c]);
            for (int v = 0; v < NV; ++v) {
                if (!all && (v < lo || v >= hi)) continue;
                const Vec a = simd::load(a_t + Index{v} * Wq);
                for (int c = 0; c < CB; ++c) acc[c][v] += a * w_c[c];
            }
        }
    }
    for (int v = 0; v < rows; ++v) {
        float row[CB][kLanes];
        for (int c = 0; c < CB; ++c) simd::store(row[c], acc[c][v]);
        for (int x = 0; x < Wo; ++x) {
            float* out_yx = out + (Index{y0 + v} * Wo + x) * C + c0;
            for (int c = 0; c < CB; ++c) out_yx[c] = row[c][x];
        }
    }
}

template <int CB>
void correlate_rows_block(const float* src, const Index* off, int K, const float* w, int C, int c0, int Ho, int Wo,
                          int Wq, const RowSpan& span, float* out) {
    constexpr int NV = tile_vectors<CB>();
    for (int y0 = 0; y0 < Ho; y0 += NV)
        correlate_rows_tile<CB, NV>(src, off, K, w, C, c0, y0, Ho, Wo, Wq, span, out);
}

// correlate() for Wo <= kLanes (no bias), skipping what reads only zero rows of src.
void correlate_rows(const float* src, const Planes& P, const float* w, int C, int Ho, int Wo, const RowSpan& span,
                    float* out) {
    const int K = static_cast<int>(P.off.size());
    const Index* off = P.off.data();
    for (int c0 = 0; c0 < C; c0 += 8) {
        switch (std::min(8, C - c0)) {
            case 1: correlate_rows_block<1>(src, off, K, w, C, c0, Ho, Wo, P.Wq, span, out); break;
            case 2: correlate_rows_block<2>(src, off, K, w, C, c0, Ho, Wo, P.Wq, span, out); break;
            case 3: correlate_rows_block<3>(src, off, K, w, C, c0, Ho, Wo, P.Wq, span, out); break;
            case 4: correlate_rows_block<4>(src, off, K, w, C, c0, Ho, Wo, P.Wq, span, out); break;
            case 5: correlate_rows_block<5>(src, off, K, w, C, c0, Ho, Wo, P.Wq, span, out); break;
            case 6: correlate_rows_block<6>(src, off, K, w, C, c0, Ho, Wo, P.Wq, span, out); break;
            case 7: correlate_rows_block<7>(src, off, K, w, C, c0, Ho, Wo, P.Wq, span, out); break;
            default: correlate_rows_block<8>(src, off, K, w, C, c0, Ho, Wo, P.Wq, span, out); break;
        }
    }
}

// ---------------------------------------------------------------------------
// The dW kernel: dW[t, c] = sum_n planes[off[t] + n] dz[c, n] over the wide
// pixels n of every sample (the first `run` floats of its part), where dz
// holds dZ on A's wide rows and is zero at every pixel that is not a real
// output. A tile computes TB taps x CB channels, each as kLanes partial sums
// (lane l takes n = l mod kLanes); partial sums that wait in memory between
// chunks are not rounded. At the end each value's kLanes partial sums are
// added in a fixed order.
struct DwSource {
    const float* planes = nullptr;  // A_prev's planes
    const Index* off = nullptr;     // per tap
    int K = 0;                      // taps
    const float* dz = nullptr;      // C planes, `plane` floats apart
    int C = 0;                      // c_new
    int m = 0;                      // samples to sum over, the first m of the planes
    Index pitch = 0;                // floats per sample in a plane
    Index plane = 0;                // floats from one of dz's planes to the next
    Index run = 0;                  // the first run floats of a sample's part hold its outputs (h Wq, rounded up to kLanes)
};

// Pixels per chunk: a chunk of 6 input and 16 output channels is about 32 KB.
constexpr Index kChunk = 32 * kLanes;

// Samples per group of the backward pass (see backward): a thread's unit of
// work, and the unit dW and db are summed in. A fixed number, so the sums do
// not depend on the thread count. With 16, LeNet's batch of 32 is one group
// per core on two threads, and a group's planes (C1: 460 KB, C3: 290 KB) stay
// in that core's cache; with 8 the extra groups' partial sums cost more than
// they gave (`plaincnn bench`).
constexpr int kGroup = 16;

float lane_sum(Vec v) {
    float lanes[kLanes];
    simd::store(lanes, v);
    float sum = 0.0f;
    for (int l = 0; l < kLanes; ++l) sum += lanes[l];
    return sum;
}

// Samples [i0, i1) of taps t0 .. t0 + TB (a tile past t_end repeats tap t0;
// those rows are never read back) and channels c0 .. c0 + CB. @p sums holds
// the partial sums of tap t0 onwards: sums[(r C + c) kLanes + l].
template <int TB, int CB>
void dw_tile(const DwSource& s, int t0, int t_end, int c0, int i0, int i1, float* sums) {
    const float* a[TB];
    for (int r = 0; r < TB; ++r) a[r] = s.planes + s.off[t0 + r < t_end ? t0 + r : t0];
    const float* d[CB];
    for (int c = 0; c < CB; ++c) d[c] = s.dz + (c0 + c) * s.plane;
    Vec acc[TB][CB];
    for (int r = 0; r < TB; ++r)
        for (int c = 0; c < CB; ++c) acc[r][c] = simd::load(sums + (Index{r} * s.C + c0 + c) * kLanes);
    for (int i = i0; i < i1; ++i)
        for (Index n = i * s.pitch; n < i * s.pitch + s.run; n += kLanes) {
            Vec a_n[TB], d_n[CB];
            for (int r = 0; r < TB; ++r) a_n[r] = simd::load(a[r] + n);
            for (int c = 0; c < CB; ++c) d_n[c] = simd::load(d[c] + n);
            for (int r = 0; r < TB; ++r) simd::keep_in_register(a_n[r]);  // each loaded once, used CB times
            for (int c = 0; c < CB; ++c) simd::keep_in_register(d_n[c]);  // and TB times
            for (int r = 0; r < TB; ++r)
                for (int c = 0; c < CB; ++c) acc[r][c] += a_n[r] * d_n[c];
        }
    for (int r = 0; r < TB; ++r)
        for (int c = 0; c < CB; ++c) simd::store(sums + (Index{r} * s.C + c0 + c) * kLanes, acc[r][c]);
}

// Taps per tile for CB channels: TB CB accumulators and TB + CB inputs must
// fit the 32 vector registers, or the compiler reloads inputs for each product.
template <int CB>
constexpr int tile_taps() {
    return CB <= 2 ? 8 : CB <= 3 ? 6 : CB <= 4 ? 5 : CB <= 5 ? 4 : 3;
}

// Taps [t_begin, t_end), channels [c0, c0 + CB), samples [i0, i1). Every
// tile has TB rows, so each value goes through the same instructions wherever
// a thread's range begins and ends.
template <int CB>
void dw_block(const DwSource& s, int t_begin, int t_end, int c0, int i0, int i1, float* sums) {
    constexpr int TB = tile_taps<CB>();
    for (int t0 = t_begin; t0 < t_end; t0 += TB)
        dw_tile<TB, CB>(s, t0, t_end, c0, i0, i1, sums + Index{t0 - t_begin} * s.C * kLanes);
}

// dW rows [t_begin, t_end). The batch is walked a few samples at a time
// (about kChunk pixels), all tiles per chunk, so the chunk's planes stay in
// the L1 cache; between chunks the partial sums wait in memory.
void dw_range(const DwSource& s, int t_begin, int t_end, float* dW) {
    // Partial sums for the range, with room for the last tile's extra rows.
    Buffer sums(Index{t_end - t_begin + 8} * s.C * kLanes, true);
    const int per_chunk = static_cast<int>(std::max<Index>(1, kChunk / s.run));
    for (int i0 = 0; i0 < s.m; i0 += per_chunk) {
        const int i1 = std::min(s.m, i0 + per_chunk);
        for (int c0 = 0; c0 < s.C; c0 += 6) {
            switch (std::min(6, s.C - c0)) {
                case 1: dw_block<1>(s, t_begin, t_end, c0, i0, i1, sums.data()); break;
                case 2: dw_block<2>(s, t_begin, t_end, c0, i0, i1, sums.data()); break;
                case 3: dw_block<3>(s, t_begin, t_end, c0, i0, i1, sums.data()); break;
                case 4: dw_block<4>(s, t_begin, t_end, c0, i0, i1, sums.data()); break;
                case 5: dw_block<5>(s, t_begin, t_end, c0, i0, i1, sums.data()); break;
                default: dw_block<6>(s, t_begin, t_end, c0, i0, i1, sums.data()); break;
            }
        }
    }
    for (int t = t_begin; t < t_end; ++t)
        for (int c = 0; c < s.C; ++c)
            dW[Index{t} * s.C + c] = lane_sum(simd::load(sums.data() + (Index{t - t_begin} * s.C + c) * kLanes));
}

// db[c] = sum of dz[c, .] over every sample's run, kLanes partial sums added in a fixed order.
void db_sums(const DwSource& s, float* db) {
    for (int c = 0; c < s.C; ++c) {
        const float* d = s.dz + c * s.plane;
        Vec acc = simd::zero();
        for (int i = 0; i < s.m; ++i)
            for (Index n = i * s.pitch; n < i * s.pitch + s.run; n += kLanes) acc += simd::load(d + n);
        db[c] = lane_sum(acc);
    }
}

// ---------------------------------------------------------------------------
// The forward pass with the batch in the lanes, for inputs of several
// channels (LeNet's C3). There, wide rows waste lanes: a 10-wide output row
// is computed 14 wide, and 100 of every 144 pixels a tile sums are kept. Here
// a vector holds one pixel of kLanes samples instead, so every lane is used:
// the block's input is copied to in16[y][x][k][lane] (zero-padded), and a
// tile of CB channels x NP pixels of one output row sums over the taps in
// W's order, as correlate_tile does, so both give the same bits. The price
// is the copy in and the scatter of each lane back to its sample's NHWC
// output. With a single input channel (C1, the course's example) that costs
// more than the lanes save: C1 took 190-230 us this way, 150 with the planes.

// in16[((y Wp + x) C + k) kLanes + l] = A_prev[i0 + l, y - pad_top, x - pad_left, k];
// zero in the padding and in the lanes past the block's n samples.
void pack_lanes(const float* a, int n, const Geometry& g, int Hp, int Wp, float* in16) {
    const bool padded = g.pad_top || g.pad_bottom || g.pad_left || g.pad_right;
    if (padded || n < kLanes) std::fill(in16, in16 + Index{Hp} * Wp * g.c_prev * kLanes, 0.0f);
    const Index in_size = Index{g.h_prev} * g.w_prev * g.c_prev;
    const Index row = Index{g.w_prev} * g.c_prev;  // one input row's floats, (x, k) in order
    for (int l = 0; l < n; ++l)
        for (int y = 0; y < g.h_prev; ++y) {
            const float* src = a + l * in_size + y * row;
            float* dst = in16 + (Index{y + g.pad_top} * Wp + g.pad_left) * g.c_prev * kLanes + l;
            for (Index j = 0; j < row; ++j) dst[j * kLanes] = src[j];
        }
}

// Z[i0 + l, y, x0 + j, c0 + c] = bias[c0 + c] + sum over taps, for c < CB, j < NP, l < n.
template <int CB, int NP>
void lanes_tile(const float* in16, int Wp, const Geometry& g, const float* W, int C_new, int c0, const float* bias,
                int y, int x0, int n, float* Z, Index out_size) {
    const int K = g.c_prev;
    Vec acc[CB][NP];
    for (int c = 0; c < CB; ++c)
        for (int j = 0; j < NP; ++j) acc[c][j] = simd::zero();
    for (int p = 0; p < g.kh; ++p)
        for (int q = 0; q < g.kw; ++q) {
            const float* a_pq = in16 + ((Index{y} * g.sh + p) * Wp + Index{x0} * g.sw + q) * K * kLanes;
            const float* w_pq = W + Index{p * g.kw + q} * K * C_new + c0;
            for (int k = 0; k < K; ++k) {
                Vec a[NP];  // input channel k under the NP output pixels, one vector of samples each
                for (int j = 0; j < NP; ++j) {
                    a[j] = simd::load(a_pq + (Index{j} * g.sw * K + k) * kLanes);
                    simd::keep_in_register(a[j]);  // or GCC reloads it for each of the CB multiplies
                }
                for (int c = 0; c < CB; ++c) {
                    const float w = w_pq[Index{k} * C_new + c];
                    for (int j = 0; j < NP; ++j) acc[c][j] += a[j] * w;
                }
            }
        }
    for (int c = 0; c < CB; ++c) {
        const float b_c = bias[c0 + c];
        for (int j = 0; j < NP; ++j) {
            float sums[kLanes];  // one value per sample, each stored into its own sample
            simd::store(sums, acc[c][j] + b_c);
            float* z = Z + (Index{y} * g.w + x0 + j) * C_new + c0 + c;
            for (int l = 0; l < n; ++l) z[l * out_size] = sums[l];
        }
    }
}

// At most 4 channels x 6 pixels: 24 sums and 6 inputs in the 32 vector registers.
constexpr int kLanesCB = 4, kLanesNP = 6;

template <int CB>
void lanes_tile_np(int np, const float* in16, int Wp, const Geometry& g, const float* W, int C_new, int c0,
                   const float* bias, int y, int x0, int n, float* Z, Index out_size) {
    switch (np) {
        case 1: lanes_tile<CB, 1>(in16, Wp, g, W, C_new, c0, bias, y, x0, n, Z, out_size); break;
        case 2: lanes_tile<CB, 2>(in16, Wp, g, W, C_new, c0, bias, y, x0, n, Z, out_size); break;
        case 3: lanes_tile<CB, 3>(in16, Wp, g, W, C_new, c0, bias, y, x0, n, Z, out_size); break;
        case 4: lanes_tile<CB, 4>(in16, Wp, g, W, C_new, c0, bias, y, x0, n, Z, out_size); break;
        case 5: lanes_tile<CB, 5>(in16, Wp, g, W, C_new, c0, bias, y, x0, n, Z, out_size); break;
        default: lanes_tile<CB, kLanesNP>(in16, Wp, g, W, C_new, c0, bias, y, x0, n, Z, out_size); break;
    }
}

// One block of n <= kLanes samples (its first input and output floats at a and z).
void correlate_lanes(const float* a, int n, const Geometry& g, const float* W, int C_new, const float* bias, float* z,
                     float* in16) {
    const int Hp = g.h_prev + g.pad_top + g.pad_bottom, Wp = g.w_prev + g.pad_left + g.pad_right;
    pack_lanes(a, n, g, Hp, Wp, in16);
    const Index out_size = Index{g.h} * g.w * C_new;
    // Tiles of equal width along a row where possible (a 10-wide row: 5 + 5, not 6 + 4).
    const int row_tiles = (g.w + kLanesNP - 1) / kLanesNP, width = (g.w + row_tiles - 1) / row_tiles;
    for (int y = 0; y < g.h; ++y)
        for (int x0 = 0; x0 < g.w; x0 += width)
            for (int c0 = 0; c0 < C_new; c0 += kLanesCB) {  // channels innermost: the inputs stay in L1
                const int np = std::min(width, g.w - x0);
                switch (std::min(kLanesCB, C_new - c0)) {
                    case 1: lanes_tile_np<1>(np, in16, Wp, g, W, C_new, c0, bias, y, x0, n, z, out_size); break;
                    case 2: lanes_tile_np<2>(np, in16, Wp, g, W, C_new, c0, bias, y, x0, n, z, out_size); break;
                    case 3: lanes_tile_np<3>(np, in16, Wp, g, W, C_new, c0, bias, y, x0, n, z, out_size); break;
                    default: lanes_tile_np<kLanesCB>(np, in16, Wp, g, W, C_new, c0, bias, y, x0, n, z, out_size); break;
                }
            }
}

}  // namespace

namespace {

void forward(const Tensor& A_prev, const Tensor& W, const Tensor& b, Activation activation, Padding padding,
             Stride stride, const Workers& workers, Tensor& Z) {
    const char* fn = "conv_forward_fast";
    const Geometry g = make_conv_geometry(fn, A_prev, W, b, padding, stride);
    require(&Z != &A_prev && &Z != &W && &Z != &b, fn, "the output Z must not be one of the inputs");
    const int c_new = W.dim(3);
    resize_output(Z, {g.m, g.h, g.w, c_new});  // every value is written below
    if (Z.size() == 0) return;

    // One sample's planes, reused by a thread for each of its samples.
    const Planes P = plan_planes(1, g.c_prev, g.h_prev + g.pad_top + g.pad_bottom, g.w_prev + g.pad_left + g.pad_right,
                                 g.kh, g.kw, g.sh, g.sw);
    const Index in_size = Index{g.h_prev} * g.w_prev * g.c_prev;
    const Index out_size = Index{g.h} * g.w * c_new;
    const double work = static_cast<double>(g.m) * g.h * P.Wq * c_new * static_cast<double>(P.off.size());
    // One channel, stride 1, no padding: a sample is its own plane, and the
    // copy can be skipped while the tile's reads past it stay inside A_prev.
    const bool own_plane = g.c_prev == 1 && g.sh == 1 && g.sw == 1 && g.pad_top == 0 && g.pad_left == 0 &&
                           g.pad_bottom == 0 && g.pad_right == 0;
    const int threads = workers.threads_for(work, g.m, kMinWorkPerThread);
    // Several input channels, and enough blocks of kLanes samples for every thread: the batch in the lanes.
    const int blocks = (g.m + kLanes - 1) / kLanes;
    if (g.c_prev >= 2 && blocks >= threads) {
        const Index in16_size = Index{g.h_prev + g.pad_top + g.pad_bottom} * (g.w_prev + g.pad_left + g.pad_right) *
                                g.c_prev * kLanes;
        workers.run(blocks, threads, [&](int, int first, int last) {
            Buffer in16(in16_size, false);  // pack_lanes writes all of it
            for (int block = first; block < last; ++block) {
                const int i0 = block * kLanes, n = std::min(kLanes, g.m - i0);
                float* z = Z.data.data() + i0 * out_size;
                correlate_lanes(A_prev.data.data() + i0 * in_size, n, g, W.data.data(), c_new, b.data.data(), z,
                                in16.data());
                if (activation.kind != Activation::Kind::linear) activation.apply(z, zu(n * out_size));
            }
        });
        return;
    }
    workers.run(g.m, threads, [&](int, int begin, int end) {
        Buffer planes(P.size, true);
        for (int i = begin; i < end; ++i) {
            const float* a_i = A_prev.data.data() + i * in_size;
            const float* src = a_i;
            if (!own_plane || static_cast<std::size_t>(i * in_size + P.size) > A_prev.size()) {
                pack_sample(a_i, g.h_prev, g.w_prev, g.pad_top, g.pad_left, P, planes.data());
                src = planes.data();
            }
            float* z_i = Z.data.data() + i * out_size;
            correlate(src, P, W.data.data(), c_new, b.data.data(), g.h, g.w, z_i);
            if (activation.kind != Activation::Kind::linear) activation.apply(z_i, zu(out_size));
        }
    });
}

void backward(const Tensor& dZ, const Tensor& A_prev, const Tensor& W, const Tensor& b, Padding padding,
              Stride stride, const Workers& workers, ConvGrads& grads, InputGradient input_gradient) {
    const char* fn = "conv_backward_fast";
    const Geometry g = make_conv_geometry(fn, A_prev, W, b, padding, stride);
    const int c_new = W.dim(3);
    const Shape z_shape{g.m, g.h, g.w, c_new};
    require(dZ.shape == z_shape, fn, [&] {
        return "dZ has shape " + dZ.shape_str() + " but the forward output is " + shape_str(z_shape) + " (A_prev " +
               A_prev.shape_str() + ", W " + W.shape_str() + ", padding " + padding.str() + ", stride (" +
               std::to_string(stride.sh) + "," + std::to_string(stride.sw) + "))";
    });
    for (const Tensor* out : {&grads.dA_prev, &grads.dW, &grads.db})
        require(out != &dZ && out != &A_prev && out != &W && out != &b, fn,
                "the output grads must not hold one of the inputs");
    const bool with_dA_prev = input_gradient == InputGradient::compute;
    // Every value of the three outputs is written below (dA_prev by a full
    // correlation per sample, dW and db by assignment), so none is cleared.
    if (with_dA_prev)
        resize_output(grads.dA_prev, A_prev.shape);
    else
        grads.dA_prev = Tensor();
    resize_output(grads.dW, W.shape);
    resize_output(grads.db, b.shape);
    if (dZ.size() == 0) {
        std::fill(grads.dA_prev.data.begin(), grads.dA_prev.data.end(), 0.0f);
        std::fill(grads.dW.data.begin(), grads.dW.data.end(), 0.0f);
        std::fill(grads.db.data.begin(), grads.db.data.end(), 0.0f);
        return;
    }

    // The batch is worked on in groups of kGroup samples, each by one thread
    // from start to end: pack the group's A_prev and dZ into planes that stay
    // in that thread's cache, compute the group's dA_prev, then its share of
    // dW and db. The shares are added in group order at the end. The groups
    // depend on m only, so the sums are the same whatever the thread count;
    // and no plane written by one core is read by the other (when dW was
    // split by taps instead, each call spent its first half taking cache
    // lines back from the other core: on two threads C1's dW took 190 us
    // that way and 105 us this way, `plaincnn bench`).
    //
    // A group's planes, as the forward pass packs them, and dZ on the same
    // wide rows: dz[c, i pitch + y Wq + x] = dZ[i, y, x, c], zero elsewhere.
    const Planes P = plan_planes(kGroup, g.c_prev, g.h_prev + g.pad_top + g.pad_bottom,
                                 g.w_prev + g.pad_left + g.pad_right, g.kh, g.kw, g.sh, g.sw);
    const Index planes_count = Index{g.c_prev} * g.sh * g.sw;
    const int groups = (g.m + kGroup - 1) / kGroup;
    const int K = static_cast<int>(P.off.size());

    // dA_prev as a "full" correlation of dZ:
    //   dA_prev[y, x, k] = sum_{p',q',c} Q[c, y + p', x + q'] Wt[p', q', c, k]
    // with Wt[p', q', c, k] = W[kh-1-p', kw-1-q', k, c] and Q = dZ spread out by
    // the stride (zeros between) and shifted, Q[c, y sh + kh-1 - pad_top, x sw + kw-1 - pad_left] = dZ[y, x, c].
    const int Hq2 = g.h_prev + g.kh - 1, Wq2 = g.w_prev + g.kw - 1;
    const Planes Q = plan_planes(1, c_new, Hq2, Wq2, g.kh, g.kw, 1, 1);
    std::vector<float> Wt(W.size());
    for (int p = 0; p < g.kh; ++p)
        for (int q = 0; q < g.kw; ++q)
            for (int k = 0; k < g.c_prev; ++k)
                for (int c = 0; c < c_new; ++c)
                    Wt[zu(((Index{g.kh - 1 - p} * g.kw + (g.kw - 1 - q)) * c_new + c) * g.c_prev + k)] =
                        W.data[zu(((Index{p} * g.kw + q) * g.c_prev + k) * c_new + c)];
    // The dZ rows and columns that land inside Q (the others only reach padding).
    const int y_lo = std::max(0, (g.pad_top - g.kh + 1 + g.sh - 1) / g.sh);
    const int x_lo = std::max(0, (g.pad_left - g.kw + 1 + g.sw - 1) / g.sw);
    const int y_hi = std::min(g.h, (Hq2 - 1 - (g.kh - 1 - g.pad_top)) / g.sh + 1);
    const int x_hi = std::min(g.w, (Wq2 - 1 - (g.kw - 1 - g.pad_left)) / g.sw + 1);

    const Index q_first = Index{g.kh - 1 - g.pad_top} * Wq2 + (g.kw - 1 - g.pad_left);  // where dZ[0, 0] lands in Q
    const Index q_row = Index{g.sh} * Wq2;  // from one dZ row to the next in Q
    const bool dz_in_q = g.sh == 1 && g.sw == 1 && y_lo == 0 && x_lo == 0 && y_hi == g.h && x_hi == g.w;
    // Rows of dA_prev that fit one vector: correlate by rows, skipping Q's
    // zero rows (dZ rows y_lo .. y_hi land on Q rows row_lo .. row_hi).
    const bool by_rows = g.w_prev <= kLanes;
    RowSpan q_span;
    q_span.taps_per_row = g.kw * c_new;
    q_span.row_lo = g.kh - 1 - g.pad_top + y_lo * g.sh;
    q_span.row_hi = y_lo < y_hi ? g.kh - 1 - g.pad_top + (y_hi - 1) * g.sh + 1 : q_span.row_lo;

    const Index in_size = Index{g.h_prev} * g.w_prev * g.c_prev;
    const Index out_size = Index{g.h} * g.w * c_new;
    const double taps = static_cast<double>(K);
    const double work = static_cast<double>(g.m) * (with_dA_prev ? Hq2 * Wq2 * c_new * taps : 0.0) +
                        static_cast<double>(g.m) * P.pitch * c_new * (taps + 1);  // dA_prev, then dW and db

    // Each group's dW and db, added in group order below.
    std::vector<float> dW_parts(zu(Index{groups} * K * c_new)), db_parts(zu(Index{groups} * c_new));
    workers.run(groups, workers.threads_for(work, groups, kMinWorkPerThread), [&](int, int first, int last) {
        Buffer planes(P.size, false);
        Buffer dz(Index{c_new} * P.plane, false);
        std::fill(planes.data() + planes_count * P.plane, planes.data() + P.size, 0.0f);  // the slack after the planes
        Buffer q_planes(with_dA_prev ? Q.size : 0, true);  // cells off the stride grid stay zero
        for (int group = first; group < last; ++group) {
            const int i0 = group * kGroup, n = std::min(kGroup, g.m - i0);
            // A last group of fewer than kGroup samples: the last sample's
            // taps read a few floats past its part of each plane, where dz is
            // zero; those floats must be numbers (0 * NaN is NaN), not
            // whatever the buffer held.
            if (n < kGroup)
                for (Index j = 0; j < planes_count; ++j)
                    std::fill(planes.data() + j * P.plane + n * P.pitch, planes.data() + (j + 1) * P.plane, 0.0f);
            for (int l = 0; l < n; ++l) {  // sample i0 + l of the batch, l of the group
                const int i = i0 + l;
                for (Index j = 0; j < planes_count; ++j) {
                    float* part = planes.data() + j * P.plane + l * P.pitch;
                    std::fill(part, part + P.pitch, 0.0f);
                }
                for (int c = 0; c < c_new; ++c) {
                    float* part = dz.data() + c * P.plane + l * P.pitch;
                    std::fill(part, part + P.pitch, 0.0f);
                }
                pack_sample(A_prev.data.data() + i * in_size, g.h_prev, g.w_prev, g.pad_top, g.pad_left, P,
                            planes.data() + l * P.pitch);
                const float* dz_i = dZ.data.data() + i * out_size;
                float* dz_planes_i = dz.data() + l * P.pitch;
                if (with_dA_prev && y_lo < y_hi && x_lo < x_hi)
                    scatter_to_planes(dz_i + (Index{y_lo} * g.w + x_lo) * c_new, Index{g.w} * c_new, c_new,
                                      y_hi - y_lo, x_hi - x_lo, c_new,
                                      q_planes.data() + q_first + y_lo * q_row + x_lo * g.sw, Q.plane, q_row, g.sw);
                if (with_dA_prev && dz_in_q) {  // stride 1, all of dZ in Q: copy Q's rows rather than scatter dZ again
                    for (int c = 0; c < c_new; ++c)
                        for (int y = 0; y < g.h; ++y) {
                            const float* from = q_planes.data() + c * Q.plane + q_first + y * q_row;
                            std::copy(from, from + g.w, dz_planes_i + c * P.plane + Index{y} * P.Wq);
                        }
                } else {
                    scatter_to_planes(dz_i, Index{g.w} * c_new, c_new, g.h, g.w, c_new, dz_planes_i, P.plane, P.Wq,
                                      1);
                }
                if (with_dA_prev) {  // (when skipped, dA_prev has no storage to point into)
                    float* da_i = grads.dA_prev.data.data() + i * in_size;
                    if (by_rows)
                        correlate_rows(q_planes.data(), Q, Wt.data(), g.c_prev, g.h_prev, g.w_prev, q_span, da_i);
                    else
                        correlate(q_planes.data(), Q, Wt.data(), g.c_prev, nullptr, g.h_prev, g.w_prev, da_i);
                }
            }
            // The group's dW[t, c] and db[c], from its n samples' planes.
            DwSource s;
            s.planes = planes.data();
            s.off = P.off.data();
            s.K = K;
            s.dz = dz.data();
            s.C = c_new;
            s.m = n;
            s.pitch = P.pitch;
            s.plane = P.plane;
            s.run = std::min(P.pitch, round_up(Index{g.h} * P.Wq, kLanes));
            dw_range(s, 0, K, dW_parts.data() + Index{group} * K * c_new);
            db_sums(s, db_parts.data() + Index{group} * c_new);
        }
    });
    // dW and db: the groups' shares, added in group order.
    std::copy(dW_parts.begin(), dW_parts.begin() + Index{K} * c_new, grads.dW.data.begin());
    std::copy(db_parts.begin(), db_parts.begin() + c_new, grads.db.data.begin());
    for (int group = 1; group < groups; ++group) {
        const float* part = dW_parts.data() + Index{group} * K * c_new;
        for (Index j = 0; j < Index{K} * c_new; ++j) grads.dW.data[zu(j)] += part[j];
        for (int c = 0; c < c_new; ++c) grads.db.data[zu(c)] += db_parts[zu(Index{group} * c_new + c)];
    }
}

}  // namespace

Tensor conv_forward_fast(const Tensor& A_prev, const Tensor& W, const Tensor& b, Activation activation,
                         Padding padding, Stride stride, int threads) {
    Tensor Z;
    forward(A_prev, W, b, activation, padding, stride, Workers(threads), Z);
    return Z;
}

Tensor conv_forward_fast(const Tensor& A_prev, const Tensor& W, const Tensor& b, Activation activation,
                         Padding padding, Stride stride, ThreadPool& pool) {
    Tensor Z;
    forward(A_prev, W, b, activation, padding, stride, Workers(pool), Z);
    return Z;
}

void conv_forward_fast(const Tensor& A_prev, const Tensor& W, const Tensor& b, Activation activation,
                       Padding padding, Stride stride, ThreadPool& pool, Tensor& Z) {
    forward(A_prev, W, b, activation, padding, stride, Workers(pool), Z);
}

ConvGrads conv_backward_fast(const Tensor& dZ, const Tensor& A_prev, const Tensor& W, const Tensor& b,
                             Padding padding, Stride stride, int threads) {
    ConvGrads grads;
    backward(dZ, A_prev, W, b, padding, stride, Workers(threads), grads, InputGradient::compute);
    return grads;
}

ConvGrads conv_backward_fast(const Tensor& dZ, const Tensor& A_prev, const Tensor& W, const Tensor& b,
                             Padding padding, Stride stride, ThreadPool& pool) {
    ConvGrads grads;
    backward(dZ, A_prev, W, b, padding, stride, Workers(pool), grads, InputGradient::compute);
    return grads;
}

void conv_backward_fast(const Tensor& dZ, const Tensor& A_prev, const Tensor& W, const Tensor& b, Padding padding,
                        Stride stride, ThreadPool& pool, ConvGrads& grads, InputGradient input_gradient) {
    backward(dZ, A_prev, W, b, padding, stride, Workers(pool), grads, input_gradient);
}

}  // namespace nn
