// Packed planes and the correlation kernel of the fast convolution passes
// (the layout is described in conv_planes.hpp).
//
// Why it is fast. NHWC keeps c_new innermost, but LeNet has only 6 or 16
// output channels: too few to fill vector registers. So the input is first
// copied into one zero-padded plane per channel. In a plane, what tap (p,q,k)
// sees under consecutive outputs x is consecutive floats, so one vector load
// serves 16 outputs, and a tile of CB channels x 16 NV pixels stays in
// registers while it sums over every tap. Each output row is computed as wide
// as a plane row (Wq pixels) and the Wq - w extra pixels are dropped when the
// tile is stored ("wide rows").
#include "nn/fast/conv_planes.hpp"

#include "nn/fast/interleave.hpp"
#include "nn/fast/simd.hpp"

namespace nn::fast {

namespace {

using simd::kLanes;
using simd::Vec;

// The longest run of pixels one tile covers (NV * kLanes <= kMaxRun).
constexpr int kMaxRun = 8 * kLanes;

// correlate_tile's store when a tile holds all C = CB channels of its pixels:
// each row's run of real pixels in the tile goes out kLanes pixels at a time,
// put in NHWC order in registers (interleave.hpp), the run's last kLanes
// pixels ending at its end (a few written twice, with the same values). A run
// shorter than kLanes goes out float by float. In C1 the float-by-float store
// of every tile took almost a third of the forward pass.
template <int CB, int J>
void store_pixels(const float (&tile)[CB][J], const float* b_c, int o0, int Ho, int Wo, int Wq, float* out) {
    for (int y = o0 / Wq; y < Ho && y * Wq < o0 + J; ++y) {
        const int first = std::max(o0, y * Wq), end = std::min(o0 + J, y * Wq + Wo);  // the row's real pixels here
        if (end - first < kLanes) {
            for (int j = first; j < end; ++j)
                for (int c = 0; c < CB; ++c) out[(Index{y} * Wo + (j - y * Wq)) * CB + c] = tile[c][j - o0] + b_c[c];
            continue;
        }
        for (int j0 = first; j0 < end; j0 += kLanes) {
            const int j = std::min(j0, end - kLanes);
            Vec channels[CB], pixels[CB];
            for (int c = 0; c < CB; ++c) channels[c] = simd::load(&tile[c][j - o0]) + simd::broadcast(b_c[c]);
            simd::interleave(channels, pixels);
            float* out_j = out + (Index{y} * Wo + (j - y * Wq)) * CB;
            for (int k = 0; k < CB; ++k) simd::store(out_j + k * kLanes, pixels[k]);
        }
    }
}

// The correlation kernel: out[y, x, c] = bias[c] + sum_t src[off[t] + y Wq + x] w[t, c]
// for y < Ho, x < Wo, where w is a (K, C) matrix (W itself for the forward
// pass). One call fills CB channels from c0 for the NV kLanes consecutive wide
// pixels from o0.
template <int CB, int NV>
void correlate_tile(const float* src, const Index* off, int K, const float* w, int C, int c0, const float* bias,
                    int o0, int Ho, int Wo, int Wq, const RowSpan& span, float* out) {
    constexpr int J = NV * kLanes;
    Vec acc[CB][NV];
    for (int c = 0; c < CB; ++c)
        for (int v = 0; v < NV; ++v) acc[c][v] = simd::zero();
    const int y_first = o0 / Wq, y_last = std::min(Ho - 1, (o0 + J - 1) / Wq);  // the tile's output rows
    for (int t0 = 0, p = 0; t0 < K; t0 += span.taps_per_row, ++p) {
        if (y_last + p < span.row_lo || y_first + p >= span.row_hi) continue;  // kernel row p reads only zeros here
        for (int t = t0; t < t0 + span.taps_per_row; ++t) {
            const float* a_t = src + off[t] + o0;  // tap t's input under pixels o0 .. o0 + J
            const float* w_t = w + Index{t} * C + c0;
            Vec a[NV];
            for (int v = 0; v < NV; ++v) a[v] = simd::load(a_t + v * kLanes);
            for (int c = 0; c < CB; ++c) {
                const float w_tc = w_t[c];
                for (int v = 0; v < NV; ++v) acc[c][v] += a[v] * w_tc;
            }
        }
    }
    float tile[CB][J];  // the sums, then scattered to (y, x, c) with the bias
    for (int c = 0; c < CB; ++c)
        for (int v = 0; v < NV; ++v) simd::store(&tile[c][v * kLanes], acc[c][v]);
    float b_c[CB];
    for (int c = 0; c < CB; ++c) b_c[c] = bias ? bias[c0 + c] : 0.0f;
    if constexpr (CB >= 2 && CB <= 8) {
        if (C == CB && Wo >= kLanes) {  // all of a pixel's channels are here: out kLanes pixels at a time
            store_pixels<CB, J>(tile, b_c, o0, Ho, Wo, Wq, out);
            return;
        }
    }
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

template <int CB>
void correlate_block(const float* src, const Index* off, int K, const float* w, int C, int c0, const float* bias,
                     int Ho, int Wo, int Wq, const RowSpan& span, float* out) {
    constexpr int NV = tile_vectors<CB>();
    const int O = Ho * Wq;
    for (int o0 = 0; o0 < O; o0 += NV * kLanes)
        correlate_tile<CB, NV>(src, off, K, w, C, c0, bias, o0, Ho, Wo, Wq, span, out);
}

}  // namespace

namespace {

// scatter_to_planes for whole pixels of C channels side by side (src_col =
// C), into planes with consecutive columns, at least kLanes pixels a row:
// kLanes pixels at a time, the row's last kLanes ending at its last pixel
// (rewriting a few pixels with the same values rather than going past it).
template <int C>
void scatter_pixels(const float* src, Index src_row, int rows, int cols, float* dst, Index cs, Index rs) {
    for (int y = 0; y < rows; ++y) {
        const float* s = src + y * src_row;
        float* d = dst + y * rs;
        for (int x0 = 0; x0 < cols; x0 += kLanes) {
            const int x = std::min(x0, cols - kLanes);
            Vec pixels[C], channels[C];
            for (int k = 0; k < C; ++k) pixels[k] = simd::load(s + Index{x} * C + k * kLanes);
            simd::deinterleave(pixels, channels);
            for (int c = 0; c < C; ++c) simd::store(d + c * cs + x, channels[c]);
        }
    }
}

// kLanes vectors from src, src_step floats apart, turned around by a
// register transpose (interleave.hpp) and stored dst_step floats apart: the
// kLanes x kLanes square of floats between a sample-by-sample layout and the
// lanes, either way.
void transpose_square(const float* src, Index src_step, float* dst, Index dst_step) {
    Vec v[kLanes];
    for (int i = 0; i < kLanes; ++i) v[i] = simd::load(src + i * src_step);
    simd::transpose(v);
    for (int i = 0; i < kLanes; ++i) simd::store(dst + i * dst_step, v[i]);
}

}  // namespace

void scatter_to_planes(const float* src, Index src_row, Index src_col, int rows, int cols, int C, float* dst,
                       Index cs, Index rs, Index xs) {
    if (xs == 1 && src_col == C && cols >= kLanes) {
        switch (C) {  // a few channels: vector shuffles (interleave.hpp) instead of a gather per vector
            case 2: return scatter_pixels<2>(src, src_row, rows, cols, dst, cs, rs);
            case 3: return scatter_pixels<3>(src, src_row, rows, cols, dst, cs, rs);
            case 4: return scatter_pixels<4>(src, src_row, rows, cols, dst, cs, rs);
            case 5: return scatter_pixels<5>(src, src_row, rows, cols, dst, cs, rs);
            case 6: return scatter_pixels<6>(src, src_row, rows, cols, dst, cs, rs);
            case 7: return scatter_pixels<7>(src, src_row, rows, cols, dst, cs, rs);
            case 8: return scatter_pixels<8>(src, src_row, rows, cols, dst, cs, rs);
            default: break;
        }
    }
    for (int y = 0; y < rows; ++y)
        for (int c = 0; c < C; ++c) {
            const float* s = src + y * src_row + c;
            float* d = dst + c * cs + y * rs;
            if (xs == 1 && src_col == 1)  // one channel (C1's input): rows are copied as they are
                std::copy(s, s + cols, d);
            else if (xs == 1)  // the usual case, written apart so that it vectorises (a gather per vector)
                for (int x = 0; x < cols; ++x) d[x] = s[x * src_col];
            else
                for (int x = 0; x < cols; ++x) d[x * xs] = s[x * src_col];
        }
}

// Both ways, kLanes floats of every sample's row at a time (a square), the
// row's last square ending at its end (a few floats copied twice); float by
// float, the copy into the lanes took a fifth of C3's forward pass.
void to_lanes(const float* src, Index sample, int n, int rows, Index row_floats, Index src_row, float* dst,
              Index dst_row) {
    if (n == kLanes && row_floats >= kLanes) {
        for (int y = 0; y < rows; ++y)
            for (Index j0 = 0; j0 < row_floats; j0 += kLanes) {
                const Index j = std::min(j0, row_floats - kLanes);
                transpose_square(src + y * src_row + j, sample, dst + (y * dst_row + j) * kLanes, kLanes);
            }
        return;
    }
    for (int l = 0; l < n; ++l)
        for (int y = 0; y < rows; ++y)
            for (Index j = 0; j < row_floats; ++j)
                dst[(y * dst_row + j) * kLanes + l] = src[l * sample + y * src_row + j];
}

void from_lanes(const float* src, Index src_row, int n, int rows, Index row_floats, float* dst, Index sample,
                Index dst_row) {
    if (n == kLanes && row_floats >= kLanes) {
        for (int y = 0; y < rows; ++y)
            for (Index j0 = 0; j0 < row_floats; j0 += kLanes) {
                const Index j = std::min(j0, row_floats - kLanes);
                transpose_square(src + (y * src_row + j) * kLanes, kLanes, dst + y * dst_row + j, sample);
            }
        return;
    }
    for (int l = 0; l < n; ++l)
        for (int y = 0; y < rows; ++y)
            for (Index j = 0; j < row_floats; ++j)
                dst[l * sample + y * dst_row + j] = src[(y * src_row + j) * kLanes + l];
}

void pack_lanes(const float* a, int n, const Geometry& g, int Hp, int Wp, float* in16) {
    const bool padded = g.pad_top || g.pad_bottom || g.pad_left || g.pad_right;
    if (padded || n < kLanes) std::fill(in16, in16 + Index{Hp} * Wp * g.c_prev * kLanes, 0.0f);
    const Index row = Index{g.w_prev} * g.c_prev;  // one input row's floats, (x, k) in order
    to_lanes(a, Index{g.h_prev} * row, n, g.h_prev, row, row,
             in16 + (Index{g.pad_top} * Wp + g.pad_left) * g.c_prev * kLanes, Index{Wp} * g.c_prev);
}

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

// Channels in blocks of at most 8.
void correlate(const float* src, const Planes& P, const float* w, int C, const float* bias, int Ho, int Wo,
               float* out, const RowSpan* span) {
    const int K = static_cast<int>(P.off.size());
    const Index* off = P.off.data();
    // Without a span, every tap is one "kernel row" whose source rows all hold values.
    const RowSpan all{K, 0, Ho + P.Hq};
    const RowSpan& rows = span ? *span : all;
    for (int c0 = 0; c0 < C; c0 += 8) {
        switch (std::min(8, C - c0)) {
            case 1: correlate_block<1>(src, off, K, w, C, c0, bias, Ho, Wo, P.Wq, rows, out); break;
            case 2: correlate_block<2>(src, off, K, w, C, c0, bias, Ho, Wo, P.Wq, rows, out); break;
            case 3: correlate_block<3>(src, off, K, w, C, c0, bias, Ho, Wo, P.Wq, rows, out); break;
            case 4: correlate_block<4>(src, off, K, w, C, c0, bias, Ho, Wo, P.Wq, rows, out); break;
            case 5: correlate_block<5>(src, off, K, w, C, c0, bias, Ho, Wo, P.Wq, rows, out); break;
            case 6: correlate_block<6>(src, off, K, w, C, c0, bias, Ho, Wo, P.Wq, rows, out); break;
            case 7: correlate_block<7>(src, off, K, w, C, c0, bias, Ho, Wo, P.Wq, rows, out); break;
            default: correlate_block<8>(src, off, K, w, C, c0, bias, Ho, Wo, P.Wq, rows, out); break;
        }
    }
}

}  // namespace nn::fast
