// Fast convolution backward with the batch in the lanes, for inputs of
// several channels at stride 1 (LeNet's C3); conv_backward.cpp decides when.
//
//   dA_pad[i, y + p, x + q, k] += W[p,q,k,c] dZ[i,y,x,c]
//   dW[p,q,k,c]                += A_pad[i, y + p, x + q, k] dZ[i,y,x,c]
//   db[c]                      += dZ[i,y,x,c]
//
// Wide rows waste lanes in C3's backward pass as in its forward pass
// (conv_forward.cpp): dW's dot products run over 144 floats a sample for 100
// outputs, and a 14-wide dA_prev row fills 14 of 16 lanes. So, for inputs of
// several channels and stride 1, a vector holds one pixel of kLanes samples
// instead, and every lane does useful work:
//   a16[((y Wp + x) c_prev + k) kLanes + l]   A_prev, zero-padded (pack_lanes, as the forward)
//   q16[((y Wq + x) c_new + c) kLanes + l]    Q (dZ padded for the full correlation),
//                                             only its rows that hold dZ: dZ row y is q16 row y
//   da16[((y w_prev + x) c_prev + k) kLanes + l]  dA_prev, copied out to each sample at the end
// dA_prev is the same sum as correlate_rows', tap by tap in Wt's order,
// skipping only taps that read Q's zero padding: the same bits. dW and db sum
// each sample's pixels in its own lane, then add the lanes in order; the
// planes path adds kLanes pixels of one sample per lane instead, so the two
// paths round differently (which path runs depends on the shapes only).
#include "nn/fast/conv_backward_lanes.hpp"

#include <algorithm>
#include <cstddef>
#include <vector>

#include "nn/fast/interleave.hpp"

namespace nn::fast {

using detail::lane_sum;
using detail::lane_sums;
using detail::tile_taps;

namespace {

using simd::kLanes;
using simd::Vec;

// Where a block's buffers hold what (see above).
struct LanesLayout {
    int Hp = 0, Wp = 0;  // a16: A_prev's padded rows and columns
    int Wq = 0;          // q16's columns: Q's, w_prev + kw - 1
    int x_off = 0;       // q16's column of dZ's column 0 (Q row y_off + y is q16 row y)
    int y_off = 0;       // Q's row of dZ's row 0
};

// da16 at pixels (y, x0 + j), channels c0 + k, for j < NP, k < CB: the sum
// over the taps (p, q, c) in Wt's order of q16 at Q pixel (y + p, x0 + j + q)
// times Wt[p, q, c, c0 + k], skipping a kernel row whose Q row holds no dZ,
// and a kernel column whose Q columns hold none under any of the NP pixels
// (the skipped products are all zero).
template <int CB, int NP>
void da_lanes_tile(const float* q16, const LanesLayout& L, const Geometry& g, int C, const float* Wt, int c0, int y,
                   int x0, float* da16) {
    Vec acc[CB][NP];
    for (int k = 0; k < CB; ++k)
        for (int j = 0; j < NP; ++j) acc[k][j] = simd::zero();
    for (int p = 0; p < g.kh; ++p) {
        const int row = y + p - L.y_off;  // q16's row
        if (row < 0 || row >= g.h) continue;
        for (int q = 0; q < g.kw; ++q) {
            if (x0 + NP - 1 + q < L.x_off || x0 + q >= L.x_off + g.w) continue;
            const float* s = q16 + (Index{row} * L.Wq + x0 + q) * C * kLanes;
            const float* w = Wt + Index{p * g.kw + q} * C * g.c_prev + c0;
            for (int c = 0; c < C; ++c) {
                Vec a[NP];  // dZ channel c under the NP pixels, one vector of samples each
                for (int j = 0; j < NP; ++j) {
                    a[j] = simd::load(s + (Index{j} * C + c) * kLanes);
                    simd::keep_in_register(a[j]);
                }
                for (int k = 0; k < CB; ++k) {
                    const float w_k = w[Index{c} * g.c_prev + k];
                    for (int j = 0; j < NP; ++j) acc[k][j] += a[j] * w_k;
                }
            }
        }
    }
    for (int j = 0; j < NP; ++j)
        for (int k = 0; k < CB; ++k)
            simd::store(da16 + ((Index{y} * g.w_prev + x0 + j) * g.c_prev + c0 + k) * kLanes, acc[k][j]);
}

// At most 6 channels x 4 pixels: 24 sums and 4 inputs in 32 vector
// registers; 3 x 3 where there are 16.
constexpr int kDaCB = simd::kRegisters >= 32 ? 6 : 3, kDaNP = simd::kRegisters >= 32 ? 4 : 3;
static_assert(kDaNP <= 4, "da_lanes's switch has cases for at most 4 pixels");

template <int CB>
void da_lanes_np(int np, const float* q16, const LanesLayout& L, const Geometry& g, int C, const float* Wt, int c0,
                 int y, int x0, float* da16) {
    switch (np) {
        case 1: da_lanes_tile<CB, 1>(q16, L, g, C, Wt, c0, y, x0, da16); break;
        case 2: da_lanes_tile<CB, 2>(q16, L, g, C, Wt, c0, y, x0, da16); break;
        case 3: da_lanes_tile<CB, 3>(q16, L, g, C, Wt, c0, y, x0, da16); break;
        default: da_lanes_tile<CB, kDaNP>(q16, L, g, C, Wt, c0, y, x0, da16); break;
    }
}

// All of da16 for one block.
void da_lanes(const float* q16, const LanesLayout& L, const Geometry& g, int C, const float* Wt, float* da16) {
    for (int y = 0; y < g.h_prev; ++y)
        for (int x0 = 0; x0 < g.w_prev; x0 += kDaNP)
            for (int c0 = 0; c0 < g.c_prev; c0 += kDaCB) {
                const int np = std::min(kDaNP, g.w_prev - x0);
                switch (std::min(kDaCB, g.c_prev - c0)) {
                    case 1: da_lanes_np<1>(np, q16, L, g, C, Wt, c0, y, x0, da16); break;
                    case 2: da_lanes_np<2>(np, q16, L, g, C, Wt, c0, y, x0, da16); break;
                    case 3: da_lanes_np<3>(np, q16, L, g, C, Wt, c0, y, x0, da16); break;
                    case 4: da_lanes_np<4>(np, q16, L, g, C, Wt, c0, y, x0, da16); break;
                    case 5: da_lanes_np<5>(np, q16, L, g, C, Wt, c0, y, x0, da16); break;
                    default: da_lanes_np<kDaCB>(np, q16, L, g, C, Wt, c0, y, x0, da16); break;
                }
            }
}

// sums[(t C + c0 + c) kLanes + l] for taps t0 .. t0 + TB (a tile past t_end
// repeats tap t0 and drops it) and channels c0 .. c0 + CB: sample l's sum over
// the output pixels (y, x), row by row, of a16 under tap t times q16's dZ.
// off[t] is tap t's a16 offset from the pixel it starts at.
template <int TB, int CB>
void dw_lanes_tile(const float* a16, const Index* off, int t0, int t_end, const float* q16, const LanesLayout& L,
                   const Geometry& g, int C, int c0, float* sums) {
    const Index* t = off + t0;
    Index a_off[TB];
    for (int r = 0; r < TB; ++r) a_off[r] = t0 + r < t_end ? t[r] : t[0];
    Vec acc[TB][CB];
    for (int r = 0; r < TB; ++r)
        for (int c = 0; c < CB; ++c) acc[r][c] = simd::zero();
    for (int y = 0; y < g.h; ++y)
        for (int x = 0; x < g.w; ++x) {
            const float* a_yx = a16 + (Index{y} * L.Wp + x) * g.c_prev * kLanes;
            const float* d_yx = q16 + ((Index{y} * L.Wq + L.x_off + x) * C + c0) * kLanes;
            Vec a_n[TB], d_n[CB];
            for (int r = 0; r < TB; ++r) a_n[r] = simd::load(a_yx + a_off[r]);
            for (int c = 0; c < CB; ++c) d_n[c] = simd::load(d_yx + Index{c} * kLanes);
            for (int r = 0; r < TB; ++r) simd::keep_in_register(a_n[r]);
            for (int c = 0; c < CB; ++c) simd::keep_in_register(d_n[c]);
            for (int r = 0; r < TB; ++r)
                for (int c = 0; c < CB; ++c) acc[r][c] += a_n[r] * d_n[c];
        }
    for (int r = 0; r < TB && t0 + r < t_end; ++r)
        for (int c = 0; c < CB; ++c) simd::store(sums + (Index{t0 + r} * C + c0 + c) * kLanes, acc[r][c]);
}

template <int CB>
void dw_lanes_block(const float* a16, const Index* off, int K, const float* q16, const LanesLayout& L,
                    const Geometry& g, int C, int c0, float* sums) {
    constexpr int TB = tile_taps<CB>();
    for (int t0 = 0; t0 < K; t0 += TB) dw_lanes_tile<TB, CB>(a16, off, t0, K, q16, L, g, C, c0, sums);
}

// Channels per tile: 4 x 5 taps in 32 registers (C3's backward took 218 us
// that way at batch 32 on one thread, 242 with the planes path's 6 x 3, whose
// loads then outran the L1 cache), 3 x 3 in 16.
constexpr int kDwLanesChannels = simd::kRegisters >= 32 ? 4 : 3;
static_assert(kDwLanesChannels <= 4, "dw_lanes's switch has cases for at most 4 channels");

// One block's dW (K x C) and db (C), its lanes added in order.
void dw_lanes(const float* a16, const Index* off, int K, const float* q16, const LanesLayout& L, const Geometry& g,
              int C, float* sums, float* dW, float* db) {
    for (int c0 = 0; c0 < C; c0 += kDwLanesChannels) {
        switch (std::min(kDwLanesChannels, C - c0)) {
            case 1: dw_lanes_block<1>(a16, off, K, q16, L, g, C, c0, sums); break;
            case 2: dw_lanes_block<2>(a16, off, K, q16, L, g, C, c0, sums); break;
            case 3: dw_lanes_block<3>(a16, off, K, q16, L, g, C, c0, sums); break;
            default: dw_lanes_block<kDwLanesChannels>(a16, off, K, q16, L, g, C, c0, sums); break;
        }
    }
    lane_sums(sums, Index{K} * C, dW);
    for (int c = 0; c < C; ++c) {
        Vec acc = simd::zero();
        for (int y = 0; y < g.h; ++y)
            for (int x = 0; x < g.w; ++x) acc += simd::load(q16 + ((Index{y} * L.Wq + L.x_off + x) * C + c) * kLanes);
        db[c] = lane_sum(acc);
    }
}

}  // namespace

namespace detail {

// out[j] = lane_sum of sums[j kLanes ...] for j < J, kLanes values at a time:
// a register transpose (interleave.hpp) puts lane l of kLanes values in one
// vector, and adding those vectors for l = 0, 1, ... makes every sum in
// lane_sum's order. Summed one value at a time, each a chain of kLanes
// dependent adds, C3's 2,400 dW values took about 15 us per group.
void lane_sums(const float* sums, Index J, float* out) {
    Index j0 = 0;
    for (; j0 + kLanes <= J; j0 += kLanes) {
        Vec v[kLanes];
        for (int i = 0; i < kLanes; ++i) v[i] = simd::load(sums + (j0 + i) * kLanes);
        simd::transpose(v);
        Vec total = simd::zero();
        for (int l = 0; l < kLanes; ++l) total += v[l];
        simd::store(out + j0, total);
    }
    for (; j0 < J; ++j0) out[j0] = lane_sum(simd::load(sums + j0 * kLanes));
}

void add_parts(const std::vector<float>& dW_parts, const std::vector<float>& db_parts, int groups, int K, int C,
               ConvGrads& grads) {
    std::copy(dW_parts.begin(), dW_parts.begin() + Index{K} * C, grads.dW.data.begin());
    std::copy(db_parts.begin(), db_parts.begin() + C, grads.db.data.begin());
    for (int group = 1; group < groups; ++group) {
        const float* part = dW_parts.data() + Index{group} * K * C;
        for (Index j = 0; j < Index{K} * C; ++j) grads.dW.data[zu(j)] += part[j];
        for (int c = 0; c < C; ++c) grads.db.data[zu(c)] += db_parts[zu(Index{group} * C + c)];
    }
}

}  // namespace detail

// Blocks of kLanes samples, shared out across the threads.
void backward_in_lanes(const Tensor& dZ, const Tensor& A_prev, const Geometry& g, int c_new,
                       const std::vector<float>& Wt, double work, ThreadPool& pool, bool need_dA_prev,
                       ConvGrads& grads) {
    const int K = g.kh * g.kw * g.c_prev;
    const Index in_size = Index{g.h_prev} * g.w_prev * g.c_prev;
    const Index out_size = Index{g.h} * g.w * c_new;
    LanesLayout L;
    L.Hp = g.h_prev + g.pad_top + g.pad_bottom;
    L.Wp = g.w_prev + g.pad_left + g.pad_right;
    L.Wq = g.w_prev + g.kw - 1;
    L.x_off = g.kw - 1 - g.pad_left;
    L.y_off = g.kh - 1 - g.pad_top;
    std::vector<Index> off(zu(K));  // tap (p, q, k)'s a16 offset from the output pixel's
    for (int p = 0; p < g.kh; ++p)
        for (int q = 0; q < g.kw; ++q)
            for (int k = 0; k < g.c_prev; ++k)
                off[zu((p * g.kw + q) * g.c_prev + k)] = ((Index{p} * L.Wp + q) * g.c_prev + k) * kLanes;
    const Index a16_size = Index{L.Hp} * L.Wp * g.c_prev * kLanes, q16_size = Index{g.h} * L.Wq * c_new * kLanes;
    const int blocks = (g.m + kLanes - 1) / kLanes;
    // Each block's dW and db, added in block order at the end.
    std::vector<float> dW_parts(zu(Index{blocks} * K * c_new)), db_parts(zu(Index{blocks} * c_new));
    pool.run(blocks, pool.threads_for(work, blocks, kConvWorkPerThread), [&](int, int first, int last) {
        Buffer a16(a16_size, false), q16(q16_size, false), sums(Index{K} * c_new * kLanes, false);
        Buffer da16(need_dA_prev ? in_size * kLanes : 0, false);
        const Index z_row = Index{g.w} * c_new;  // dZ's floats per row, and per q16 row between Q's zero columns
        for (int y = 0; y < g.h; ++y) {  // Q's zero columns, left and right of dZ's
            float* q_row = q16.data() + Index{y} * L.Wq * c_new * kLanes;
            std::fill(q_row, q_row + L.x_off * c_new * kLanes, 0.0f);
            std::fill(q_row + (L.x_off * c_new + z_row) * kLanes, q_row + Index{L.Wq} * c_new * kLanes, 0.0f);
        }
        for (int block = first; block < last; ++block) {
            const int i0 = block * kLanes, n = std::min(kLanes, g.m - i0);
            pack_lanes(A_prev.data.data() + i0 * in_size, n, g, L.Hp, L.Wp, a16.data());
            // Lanes past the batch: zeros, or the last block's dZ would count in db again.
            if (n < kLanes) std::fill(q16.data(), q16.data() + q16_size, 0.0f);
            to_lanes(dZ.data.data() + i0 * out_size, out_size, n, g.h, z_row, z_row,
                     q16.data() + Index{L.x_off} * c_new * kLanes, Index{L.Wq} * c_new);
            if (need_dA_prev) {
                da_lanes(q16.data(), L, g, c_new, Wt.data(), da16.data());
                const Index row = Index{g.w_prev} * g.c_prev;
                from_lanes(da16.data(), row, n, g.h_prev, row, grads.dA_prev.data.data() + i0 * in_size, in_size,
                           row);
            }
            dw_lanes(a16.data(), off.data(), K, q16.data(), L, g, c_new, sums.data(),
                     dW_parts.data() + Index{block} * K * c_new, db_parts.data() + Index{block} * c_new);
        }
    });
    detail::add_parts(dW_parts, db_parts, blocks, K, c_new, grads);
}

}  // namespace nn::fast
