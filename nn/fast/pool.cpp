// Fast pooling: the reference loop nests of pool_forward and pool_backward
// with the channel loop done kLanes channels at a time, on a share of the
// samples per thread.
//
//   max: Z[i,h,w,c] = max_{p,q} A_prev[i, h sh + p, w sw + q, c]
//        dA_prev[i, h sh + p*, w sw + q*, c] += dA[i,h,w,c], (p*, q*) the first maximum
//   avg: Z[i,h,w,c] = sum_{p,q} A_prev[i, h sh + p, w sw + q, c] / (kh kw)
//        dA_prev[i, h sh + p, w sw + q, c] += dA[i,h,w,c] / (kh kw)
//   A_prev (m, h_prev, w_prev, c_prev), Z and dA (m, h, w, c_prev).
//
// Windows, cells and channels are visited in the reference's order with the
// same strict comparison, so each maximum is the same first maximum. The
// running maximum and its cell number are kept in vectors and updated with
// select(), not branches: on real data "is this cell larger?" is a coin toss
// the processor cannot predict. A vector covers kLanes channels even when a
// layer has fewer (LeNet's S2 has 6); the extra lanes read the next cell's
// channels and are never written back. LeNet's window (max, 2x2, stride 2)
// has kernels of its own that work on rows of cells instead, a vector over
// several cells' channels (forward_rows_2x2, backward_rows_2x2). Kernels
// read a little past a sample; near the tensor's end, the sample is copied
// with room after it (readable). Every sample's output depends on that
// sample alone, so splitting the batch changes nothing in the arithmetic.
#include "nn/fast/pool.hpp"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "nn/errors.hpp"
#include "nn/fast/simd.hpp"

namespace nn::fast {

namespace {

using Index = std::ptrdiff_t;
using simd::kLanes;
using simd::Vec;

// Window cells that pay for one more freshly started thread in the backward
// pass (a cell is a fraction of a nanosecond, a thread 15-40 us; a kept
// ThreadPool needs ThreadPool::kPoolDiscount times less). The forward pass
// does about a third of the work per cell, and needs 4 times more: LeNet's
// S4 forward (51K cells, 6 us) took 7.6 us on two threads against 6.2 on
// one, while S2's (150K cells) gains from two.
constexpr double kMinCellsPerThread = 1 << 19;
constexpr double kMinForwardCellsPerThread = 1 << 21;

// Writes the first n <= kLanes lanes of v to out (add: adds them), one by
// one: a whole-vector store would spill into the next cell's channels.
void put(float* out, Vec v, int n, bool add) {
    float lanes[kLanes];
    simd::store(lanes, v);
    if (add)
        for (int l = 0; l < n; ++l) out[l] += lanes[l];
    else
        for (int l = 0; l < n; ++l) out[l] = lanes[l];
}

// One sample's forward pass: a (h_prev, w_prev, C) → z (h, w, C). A vector
// load at a cell may read up to kLanes floats past it.
void forward_sample(const float* a, float* z, const Geometry& g, PoolMode mode) {
    const int C = g.c_prev;
    const Index out_size = Index{g.h} * g.w * C;
    const Vec inv_area = simd::broadcast(1.0f / static_cast<float>(g.kh * g.kw));
    for (int h = 0; h < g.h; ++h)
        for (int w = 0; w < g.w; ++w) {
            float* z_hw = z + (Index{h} * g.w + w) * C;                                     // Z[i,h,w,:]
            const float* a_hw = a + (Index{h} * g.sh * g.w_prev + Index{w} * g.sw) * C;  // the window's first cell
            for (int c0 = 0; c0 < C; c0 += kLanes) {
                Vec z_c = mode == PoolMode::max ? simd::load(a_hw + c0) : simd::zero();
                for (int p = 0; p < g.kh; ++p)
                    for (int q = 0; q < g.kw; ++q) {
                        const Vec a_pq = simd::load(a_hw + (Index{p} * g.w_prev + q) * C + c0);  // A_prev[i, h sh + p, w sw + q, c0:]
                        if (mode == PoolMode::max)
                            z_c = simd::select(simd::greater(a_pq, z_c), a_pq, z_c);  // strictly greater: the first maximum stays
                        else
                            z_c += a_pq * inv_area;
                    }
                // Lanes past n land on later windows' cells, which are written after
                // this one; near the sample's end they would land outside it.
                if ((Index{h} * g.w + w) * C + c0 + kLanes <= out_size)
                    simd::store(z_hw + c0, z_c);
                else
                    put(z_hw + c0, z_c, std::min(kLanes, C - c0), false);
            }
        }
}

// One sample's backward pass: dz (h, w, C) and a (h_prev, w_prev, C) → da
// (h_prev, w_prev, C), zero on entry. Vector loads may read up to kLanes
// floats past a cell of dz or a. KH and KW, when not 0, are the window's
// size known at compile time (see backward): the loops over its cells are
// then unrolled and their offsets stay in registers.
template <int KH, int KW>
void backward_sample(const float* dz, const float* a, float* da, const Geometry& g, PoolMode mode) {
    const int C = g.c_prev;
    const int kh = KH ? KH : g.kh, kw = KW ? KW : g.kw;
    // Windows side by side with no gap and no overlap (LeNet's 2x2/2): each
    // cell belongs to at most one window, and the covered cells after a cell
    // in its row belong to the same or a later window of that row, written
    // later. A vector store there needs no read of da, and its extra lanes are
    // overwritten; only the row's last cells, and the last part of a cell
    // whose channels take several vectors (its spill would reach channels
    // already written), are written lane by lane.
    const bool tiled = g.sw == kw && g.sh >= kh;
    const Index covered = Index{g.w} * g.sw * C;  // floats of a row that windows cover
    const float inv_area = 1.0f / static_cast<float>(kh * kw);
    // Cell k = p kw + q of a window: its offset from the window's first cell,
    // its column offset q C, and k itself as a float for the `where` vectors.
    const int cells = kh * kw;
    std::vector<Index> cell(static_cast<std::size_t>(cells)), cell_column(cell.size());
    std::vector<Vec> cell_number(cell.size());
    for (int k = 0; k < cells; ++k) {
        cell[static_cast<std::size_t>(k)] = (Index{k / kw} * g.w_prev + k % kw) * C;
        cell_column[static_cast<std::size_t>(k)] = Index{k % kw} * C;
        cell_number[static_cast<std::size_t>(k)] = simd::broadcast(static_cast<float>(k));
    }
    for (int h = 0; h < g.h; ++h)
        for (int w = 0; w < g.w; ++w) {
            const float* dz_hw = dz + (Index{h} * g.w + w) * C;  // dA[i,h,w,:]
            const Index first = (Index{h} * g.sh * g.w_prev + Index{w} * g.sw) * C;
            const Index column = Index{w} * g.sw * C;  // the window's first cell, from its row's start
            for (int c0 = 0; c0 < C; c0 += kLanes) {
                const int n = std::min(kLanes, C - c0);
                const Vec dz_c = simd::load(dz_hw + c0);
                if (mode == PoolMode::max) {
                    // The first maximum's cell number k = p kw + q, per channel.
                    const float* a_c = a + first + c0;
                    Vec best = simd::load(a_c), where = simd::zero();
                    for (int k = 0; k < cells; ++k) {
                        const Vec a_k = simd::load(a_c + cell[static_cast<std::size_t>(k)]);
                        const simd::Mask larger = simd::greater(a_k, best);
                        best = simd::select(larger, a_k, best);
                        where = simd::select(larger, cell_number[static_cast<std::size_t>(k)], where);
                    }
                    const bool vectors = tiled && (n == kLanes || C < kLanes);
                    for (int k = 0; k < cells; ++k) {
                        const std::size_t kk = static_cast<std::size_t>(k);
                        const Vec da_c = simd::select(simd::equal(where, cell_number[kk]), dz_c, simd::zero());  // from Z = the first maximum
                        float* da_k = da + first + c0 + cell[kk];
                        if (vectors && column + cell_column[kk] + c0 + kLanes <= covered)
                            simd::store(da_k, da_c);  // the only window on this cell; lanes past n land on cells written later
                        else
                            put(da_k, da_c, n, !tiled);  // tiled: overwrite, as a spill may have reached here
                    }
                } else {
                    for (int p = 0; p < kh; ++p)
                        for (int q = 0; q < kw; ++q) {
                            float* da_pq = da + first + (Index{p} * g.w_prev + q) * C + c0;
                            for (int l = 0; l < n; ++l) da_pq[l] += dz_hw[c0 + l] * inv_area;  // from Z += A_prev / (kh kw)
                        }
                }
            }
        }
}

// LeNet's window, max over 2x2 cells with stride 2, one sample by rows of
// cells: dz (h, w, C) and a (h_prev, w_prev, C) → da (h_prev, w_prev, C),
// zero on entry. A vector covers kLanes consecutive floats of an input row,
// that is the channels of several cells side by side, instead of one cell's
// C channels (6 of 16 lanes in LeNet's S2). Row 2h's floats [0, 2 w C) are
// the cells (p = 0, q = 0 or 1) of windows 0 .. w-1; the float j of that
// range is channel j % C of cell q = (j / C) % 2 of window j / (2 C), and
// its window's other cells are the floats j ± C of rows 2h and 2h + 1.
//   1. For every j, the window starting at j (lanes with q = 0 hold a real
//      window) is scanned in the reference's order, cells 0, 1, 2, 3 =
//      (0,0), (0,1), (1,0), (1,1), with the strict comparison: where[j] is
//      its first maximum's cell number.
//   2. Lane j of q is then the cell q of the window at j - q C: it receives
//      dA[i,h,w,c] if where[j - q C] is q (row 2h) or q + 2 (row 2h + 1).
// Loads may read up to C + kLanes floats past a row's covered part.
struct Rows2x2 {
    // Per float j of a covered row: q as a float; where[j] (C floats of room
    // before it, for j - C); dA[i,h,w,c] spread to both of its cells' floats.
    std::vector<float> q_of, where_buf, spread;

    explicit Rows2x2(const Geometry& g) {
        const int C = g.c_prev;
        const std::size_t covered = static_cast<std::size_t>(g.w) * 2 * static_cast<std::size_t>(C);
        for (int w = 0; w < g.w; ++w)
            for (int q = 0; q < 2; ++q) q_of.insert(q_of.end(), static_cast<std::size_t>(C), static_cast<float>(q));
        q_of.resize(covered + kLanes);
        where_buf.resize(static_cast<std::size_t>(C) + covered + kLanes);
        spread.resize(covered + kLanes);
    }
};

void backward_rows_2x2(const float* dz, const float* a, float* da, const Geometry& g, Rows2x2& r) {
    const int C = g.c_prev;
    const Index row = Index{g.w_prev} * C;     // floats of an input row
    const Index covered = Index{g.w} * 2 * C;  // floats of a row that windows cover
    const float* q_of = r.q_of.data();
    float* where = r.where_buf.data() + C;
    float* spread = r.spread.data();
    const Vec two = simd::broadcast(2.0f);
    for (int h = 0; h < g.h; ++h) {
        const float* a0 = a + Index{2 * h} * row;  // rows 2h and 2h + 1 of A_prev and dA_prev
        const float* a1 = a0 + row;
        float* da0 = da + Index{2 * h} * row;
        float* da1 = da0 + row;
        const float* dz_h = dz + Index{h} * g.w * C;  // dA[i,h,:,:]
        for (Index j = 0; j < covered; j += kLanes) {
            Vec best = simd::load(a0 + j), cell = simd::zero();
            const Vec a_k[3] = {simd::load(a0 + j + C), simd::load(a1 + j), simd::load(a1 + j + C)};
            for (int k = 1; k <= 3; ++k) {
                const simd::Mask larger = simd::greater(a_k[k - 1], best);  // strictly: the first maximum stays
                best = simd::select(larger, a_k[k - 1], best);
                cell = simd::select(larger, simd::broadcast(static_cast<float>(k)), cell);
            }
            simd::store(where + j, cell);
        }
        // dA[i,h,w,c] to both of its window's columns, float by float (vector
        // stores overlapping the next window's floats were slower than this).
        for (int w = 0; w < g.w; ++w)
            for (int c = 0; c < C; ++c) {
                const float v = dz_h[Index{w} * C + c];
                spread[Index{2 * w} * C + c] = v;
                spread[(Index{2 * w} + 1) * C + c] = v;
            }
        for (Index j = 0; j < covered; j += kLanes) {
            const Vec q = simd::load(q_of + j);
            const Vec cell = simd::select(simd::greater(q, simd::zero()), simd::load(where + j - C), simd::load(where + j));
            const Vec dz_j = simd::load(spread + j);
            const Vec da0_j = simd::select(simd::equal(cell, q), dz_j, simd::zero());
            const Vec da1_j = simd::select(simd::equal(cell, q + two), dz_j, simd::zero());
            if (j + kLanes <= covered) {
                simd::store(da0 + j, da0_j);
                simd::store(da1 + j, da1_j);
            } else {  // a spill would reach cells no window covers, or the next row
                put(da0 + j, da0_j, static_cast<int>(covered - j), false);
                put(da1 + j, da1_j, static_cast<int>(covered - j), false);
            }
        }
    }
}

// The forward pass of the same window by rows: each row pair's maxima are
// found for every float j at once (step 1 above, keeping the maximum instead
// of its cell), then each window's C floats are copied to Z. Same cells,
// same order, same strict comparison: the reference's bits.
void forward_rows_2x2(const float* a, float* z, const Geometry& g, Rows2x2& r) {
    const int C = g.c_prev;
    const Index row = Index{g.w_prev} * C;
    const Index covered = Index{g.w} * 2 * C;
    float* best_row = r.spread.data();  // the backward pass's spread buffer, free here
    for (int h = 0; h < g.h; ++h) {
        const float* a0 = a + Index{2 * h} * row;
        const float* a1 = a0 + row;
        for (Index j = 0; j < covered; j += kLanes) {
            Vec best = simd::load(a0 + j);
            for (const Vec a_k : {simd::load(a0 + j + C), simd::load(a1 + j), simd::load(a1 + j + C)})
                best = simd::select(simd::greater(a_k, best), a_k, best);  // strictly: the first maximum stays
            simd::store(best_row + j, best);
        }
        float* z_h = z + Index{h} * g.w * C;  // Z[i,h,:,:]
        // Float by float: vector stores that overlap the next window's floats
        // made the per-window loop this replaces as slow as it was.
        for (int w = 0; w < g.w; ++w) {
            const float* from = best_row + Index{2 * w} * C;
            float* to = z_h + Index{w} * C;
            for (int c = 0; c < C; ++c) to[c] = from[c];
        }
    }
}

// A pointer to sample i's n floats at data + i n that a kernel may read up to
// @p room floats past: the tensor itself, except near its end, where the
// sample is copied into @p spare (n + room floats).
const float* readable(const std::vector<float>& data, int i, Index n, Index room, std::vector<float>& spare) {
    const float* sample = data.data() + i * n;
    if (static_cast<std::size_t>((i + 1) * n + room) <= data.size()) return sample;
    spare.assign(static_cast<std::size_t>(n + room), 0.0f);
    std::copy(sample, sample + n, spare.begin());
    return spare.data();
}

}  // namespace

Tensor pool_forward(const Tensor& A_prev, Window kernel_shape, Stride stride, PoolMode mode, ThreadPool& pool) {
    const char* fn = "fast::pool_forward";
    require(mode == PoolMode::max || mode == PoolMode::avg, fn, "mode must be max or avg");
    const Geometry g = make_geometry(fn, A_prev.shape, kernel_shape.kh, kernel_shape.kw, Padding::valid(), stride);
    Tensor Z({g.m, g.h, g.w, g.c_prev});
    if (Z.size() == 0) return Z;
    const Index in_size = Index{g.h_prev} * g.w_prev * g.c_prev;
    const Index out_size = Index{g.h} * g.w * g.c_prev;
    const double cells = static_cast<double>(Z.size()) * g.kh * g.kw;
    const bool by_rows = mode == PoolMode::max && g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2;
    pool.run(g.m, pool.threads_for(cells, g.m, kMinForwardCellsPerThread), [&](int, int begin, int end) {
        std::vector<float> spare;
        std::optional<Rows2x2> rows;
        if (by_rows) rows.emplace(g);
        for (int i = begin; i < end; ++i) {
            const float* a_i = readable(A_prev.data, i, in_size, g.c_prev + kLanes, spare);
            if (by_rows)  // LeNet's S2 and S4
                forward_rows_2x2(a_i, Z.data.data() + i * out_size, g, *rows);
            else
                forward_sample(a_i, Z.data.data() + i * out_size, g, mode);
        }
    });
    return Z;
}

Tensor pool_backward(const Tensor& dA, const Tensor& A_prev, Window kernel_shape, Stride stride, PoolMode mode,
                     ThreadPool& pool) {
    const char* fn = "fast::pool_backward";
    require(mode == PoolMode::max || mode == PoolMode::avg, fn, "mode must be max or avg");
    const Geometry g = make_geometry(fn, A_prev.shape, kernel_shape.kh, kernel_shape.kw, Padding::valid(), stride);
    const Shape z_shape{g.m, g.h, g.w, g.c_prev};
    require(dA.shape == z_shape, fn, [&] {
        return "dA has shape " + dA.shape_str() + " but the forward output is " + shape_str(z_shape) + " (A_prev " +
               A_prev.shape_str() + ", kernel (" + std::to_string(g.kh) + "," + std::to_string(g.kw) +
               "), stride (" + std::to_string(g.sh) + "," + std::to_string(g.sw) + "))";
    });
    Tensor dA_prev(A_prev.shape);  // cells no window covers stay zero; overlaps add up
    if (dA_prev.size() == 0) return dA_prev;
    const Index in_size = Index{g.h_prev} * g.w_prev * g.c_prev;
    const Index out_size = Index{g.h} * g.w * g.c_prev;
    const double cells = static_cast<double>(dA.size()) * g.kh * g.kw;
    const bool by_rows = mode == PoolMode::max && g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2;
    pool.run(g.m, pool.threads_for(cells, g.m, kMinCellsPerThread), [&](int, int begin, int end) {
        std::vector<float> spare_a, spare_dz;
        std::optional<Rows2x2> rows;
        if (by_rows) rows.emplace(g);
        for (int i = begin; i < end; ++i) {
            float* da_i = dA_prev.data.data() + i * in_size;
            const float* dz_i = readable(dA.data, i, out_size, kLanes, spare_dz);
            const float* a_i = readable(A_prev.data, i, in_size, g.c_prev + kLanes, spare_a);
            if (by_rows)  // LeNet's S2 and S4
                backward_rows_2x2(dz_i, a_i, da_i, g, *rows);
            else if (g.kh == 2 && g.kw == 2)  // the course's window
                backward_sample<2, 2>(dz_i, a_i, da_i, g, mode);
            else
                backward_sample<0, 0>(dz_i, a_i, da_i, g, mode);
        }
    });
    return dA_prev;
}

}  // namespace nn::fast
