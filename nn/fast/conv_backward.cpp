// Fast convolution backward: dA_prev, dW and db by packed planes and register
// tiles (the planes and the correlation kernel are in conv_planes.cpp).
//
//   dA_pad[i, y sh + p, x sw + q, k] += W[p,q,k,c] dZ[i,y,x,c]
//   dW[p,q,k,c]                      += A_pad[i, y sh + p, x sw + q, k] dZ[i,y,x,c]
//   db[c]                            += dZ[i,y,x,c]
//   A_prev (m, h_prev, w_prev, c_prev), W (kh, kw, c_prev, c_new), dZ (m, h, w, c_new)
//
// dA_prev is the forward's correlation run on dZ with W turned around (by
// whole rows when a row fits one vector, so that taps reading only dZ's zero
// padding can be skipped); dW and db are dot products between A's planes and
// dZ's planes, summed per group of samples. With several input channels and
// stride 1 (LeNet's C3) the batch goes in the lanes instead, as in the
// forward pass (conv_backward_lanes.cpp).
#include "nn/fast/conv_backward.hpp"

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "nn/errors.hpp"
#include "nn/fast/conv_backward_lanes.hpp"
#include "nn/fast/conv_planes.hpp"
#include "nn/fast/simd.hpp"

namespace nn::fast {

using detail::lane_sum;
using detail::lane_sums;
using detail::tile_taps;

namespace {

using simd::kLanes;
using simd::Vec;

// The same correlation by rows, for outputs no wider than one vector (LeNet's
// C3 backward: dA_prev rows of 14): each vector is one output row, so a tile
// is CB channels x NV whole rows, and taps can be skipped row by row. That
// pays off for dA_prev, where src is the zero-padded dZ: only src rows
// [row_lo, row_hi) hold values, and output row y reads src row y + p at
// kernel row p. Taps that would read only padding rows are skipped, which
// leaves each sum's other terms in the same order: the result is the wide-row
// kernel's to the bit. For C3, 50 of the 70 (output row, kernel row) pairs
// remain, and its dA_prev took about 300 us instead of 440 at batch 32 on one
// thread. (correlate() skips the same way, but only kernel rows that no row
// of a whole tile needs.)

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

// Samples per group of the backward pass (see conv_backward): a thread's unit of
// work, and the unit dW and db are summed in. A fixed number, so the sums do
// not depend on the thread count. With 16, LeNet's batch of 32 is one group
// per core on two threads, and a group's planes (C1: 460 KB, C3: 290 KB) stay
// in that core's cache; with 8 the extra groups' partial sums cost more than
// they gave (`plaincnn bench`).
constexpr int kGroup = 16;

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

// Channels per dW tile: 6 x 3 taps in 32 registers, 3 x 3 in 16.
constexpr int kDwChannels = simd::kRegisters >= 32 ? 6 : 3;

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
        for (int c0 = 0; c0 < s.C; c0 += kDwChannels) {
            switch (std::min(kDwChannels, s.C - c0)) {
                case 1: dw_block<1>(s, t_begin, t_end, c0, i0, i1, sums.data()); break;
                case 2: dw_block<2>(s, t_begin, t_end, c0, i0, i1, sums.data()); break;
                case 3: dw_block<3>(s, t_begin, t_end, c0, i0, i1, sums.data()); break;
                case 4: dw_block<4>(s, t_begin, t_end, c0, i0, i1, sums.data()); break;
                case 5: dw_block<5>(s, t_begin, t_end, c0, i0, i1, sums.data()); break;
                default: dw_block<6>(s, t_begin, t_end, c0, i0, i1, sums.data()); break;
            }
        }
    }
    lane_sums(sums.data(), Index{t_end - t_begin} * s.C, dW + Index{t_begin} * s.C);
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

}  // namespace

ConvGrads conv_backward(const Tensor& dZ, const Tensor& A_prev, const Tensor& W, const Tensor& b, Padding padding,
                        Stride stride, ThreadPool& pool, bool need_dA_prev) {
    const char* fn = "fast::conv_backward";
    const Geometry g = make_conv_geometry(fn, A_prev, W, b, padding, stride);
    const int c_new = W.dim(3);
    const Shape z_shape{g.m, g.h, g.w, c_new};
    require(dZ.shape == z_shape, fn, [&] {
        return "dZ has shape " + dZ.shape_str() + " but the forward output is " + shape_str(z_shape) + " (A_prev " +
               A_prev.shape_str() + ", W " + W.shape_str() + ", padding " + padding.str() + ", stride (" +
               std::to_string(stride.sh) + "," + std::to_string(stride.sw) + "))";
    });
    ConvGrads grads;
    if (need_dA_prev) grads.dA_prev = Tensor(A_prev.shape);
    grads.dW = Tensor(W.shape);
    grads.db = Tensor(b.shape);
    if (dZ.size() == 0) return grads;

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
    const double work = static_cast<double>(g.m) * (need_dA_prev ? Hq2 * Wq2 * c_new * taps : 0.0) +
                        static_cast<double>(g.m) * P.pitch * c_new * (taps + 1);  // dA_prev, then dW and db

    if (g.c_prev >= 2 && dz_in_q && g.m >= kLanes) {  // the batch in the lanes, kLanes samples a group
        backward_in_lanes(dZ, A_prev, g, c_new, Wt, work, pool, need_dA_prev, grads);
        return grads;
    }
    // Each group's dW and db, added in group order below.
    std::vector<float> dW_parts(zu(Index{groups} * K * c_new)), db_parts(zu(Index{groups} * c_new));
    pool.run(groups, pool.threads_for(work, groups, kConvWorkPerThread), [&](int, int first, int last) {
        Buffer planes(P.size, false);
        Buffer dz(Index{c_new} * P.plane, false);
        std::fill(planes.data() + planes_count * P.plane, planes.data() + P.size, 0.0f);  // the slack after the planes
        Buffer q_planes(need_dA_prev ? Q.size : 0, true);  // cells off the stride grid stay zero
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
                if (need_dA_prev && y_lo < y_hi && x_lo < x_hi)
                    scatter_to_planes(dz_i + (Index{y_lo} * g.w + x_lo) * c_new, Index{g.w} * c_new, c_new,
                                      y_hi - y_lo, x_hi - x_lo, c_new,
                                      q_planes.data() + q_first + y_lo * q_row + x_lo * g.sw, Q.plane, q_row, g.sw);
                if (need_dA_prev && dz_in_q) {  // stride 1, all of dZ in Q: copy Q's rows rather than scatter dZ again
                    for (int c = 0; c < c_new; ++c)
                        for (int y = 0; y < g.h; ++y) {
                            const float* from = q_planes.data() + c * Q.plane + q_first + y * q_row;
                            std::copy(from, from + g.w, dz_planes_i + c * P.plane + Index{y} * P.Wq);
                        }
                } else {
                    scatter_to_planes(dz_i, Index{g.w} * c_new, c_new, g.h, g.w, c_new, dz_planes_i, P.plane, P.Wq,
                                      1);
                }
                if (need_dA_prev) {  // (when skipped, dA_prev has no storage to point into)
                    float* da_i = grads.dA_prev.data.data() + i * in_size;
                    if (by_rows)
                        correlate_rows(q_planes.data(), Q, Wt.data(), g.c_prev, g.h_prev, g.w_prev, q_span, da_i);
                    else
                        correlate(q_planes.data(), Q, Wt.data(), g.c_prev, nullptr, g.h_prev, g.w_prev, da_i,
                                  &q_span);
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
    detail::add_parts(dW_parts, db_parts, groups, K, c_new, grads);
    return grads;
}

}  // namespace nn::fast
