// Fast pooling: the reference loop nests of pool_forward and pool_backward,
// run on a share of the samples per thread.
//
//   max: Z[i,h,w,c] = max_{p,q} A_prev[i, h sh + p, w sw + q, c]
//        dA_prev[i, h sh + p*, w sw + q*, c] += dA[i,h,w,c], (p*, q*) the first maximum
//   avg: Z[i,h,w,c] = sum_{p,q} A_prev[i, h sh + p, w sw + q, c] / (kh kw)
//        dA_prev[i, h sh + p, w sw + q, c] += dA[i,h,w,c] / (kh kw)
//   A_prev (m, h_prev, w_prev, c_prev), Z and dA (m, h, w, c_prev).
//
// Every sample's output depends on that sample alone, so splitting the batch
// changes nothing in the arithmetic. Inside a sample the windows, their cells
// and the channels are visited in the reference's order, so each maximum is
// the same first maximum and each sum adds the same terms in the same order.
// The max mode keeps the running maximum's offset instead of a pointer, and
// the mode test sits outside the loops.
#include "nn/pool_fast.hpp"

#include <cstddef>
#include <string>
#include <vector>

#include "nn/errors.hpp"
#include "nn/parallel.hpp"
#include "nn/work_split.hpp"

namespace nn {

namespace {

using Index = std::ptrdiff_t;

// Window cells that pay for one more thread (a comparison is about a
// nanosecond; a thread costs about 15 us).
constexpr double kMinCellsPerThread = 1 << 16;

void max_forward(const float* a_i, float* z_i, const Geometry& g) {
    const int C = g.c_prev;
    for (int h = 0; h < g.h; ++h)
        for (int w = 0; w < g.w; ++w) {
            float* z_hw = z_i + (Index{h} * g.w + w) * C;                          // Z[i,h,w,:]
            const float* a_hw = a_i + (Index{h} * g.sh * g.w_prev + Index{w} * g.sw) * C;  // the window's first cell
            for (int c = 0; c < C; ++c) z_hw[c] = a_hw[c];
            for (int p = 0; p < g.kh; ++p)
                for (int q = 0; q < g.kw; ++q) {
                    const float* a_pq = a_hw + (Index{p} * g.w_prev + q) * C;  // A_prev[i, h sh + p, w sw + q, :]
                    for (int c = 0; c < C; ++c) z_hw[c] = a_pq[c] > z_hw[c] ? a_pq[c] : z_hw[c];
                }
        }
}

void avg_forward(const float* a_i, float* z_i, const Geometry& g) {
    const int C = g.c_prev;
    const float inv_area = 1.0f / static_cast<float>(g.kh * g.kw);
    for (int h = 0; h < g.h; ++h)
        for (int w = 0; w < g.w; ++w) {
            float* z_hw = z_i + (Index{h} * g.w + w) * C;
            const float* a_hw = a_i + (Index{h} * g.sh * g.w_prev + Index{w} * g.sw) * C;
            for (int c = 0; c < C; ++c) z_hw[c] = 0.0f;
            for (int p = 0; p < g.kh; ++p)
                for (int q = 0; q < g.kw; ++q) {
                    const float* a_pq = a_hw + (Index{p} * g.w_prev + q) * C;
                    for (int c = 0; c < C; ++c) z_hw[c] += a_pq[c] * inv_area;
                }
        }
}

// best and where: one channel's running maximum and its offset from the
// window's first cell, C of each, owned by the calling thread.
void max_backward(const float* dz_i, const float* a_i, float* da_i, const Geometry& g, float* best, Index* where) {
    const int C = g.c_prev;
    for (int h = 0; h < g.h; ++h)
        for (int w = 0; w < g.w; ++w) {
            const float* dz_hw = dz_i + (Index{h} * g.w + w) * C;  // dA[i,h,w,:]
            const Index first = (Index{h} * g.sh * g.w_prev + Index{w} * g.sw) * C;
            const float* a_hw = a_i + first;
            for (int c = 0; c < C; ++c) {
                best[c] = a_hw[c];
                where[c] = c;
            }
            for (int p = 0; p < g.kh; ++p)
                for (int q = 0; q < g.kw; ++q) {
                    const Index cell = (Index{p} * g.w_prev + q) * C;
                    const float* a_pq = a_hw + cell;
                    for (int c = 0; c < C; ++c) {
                        // strictly greater: a later equal value does not replace the first maximum
                        const bool larger = a_pq[c] > best[c];
                        best[c] = larger ? a_pq[c] : best[c];
                        where[c] = larger ? cell + c : where[c];
                    }
                }
            float* da_hw = da_i + first;
            for (int c = 0; c < C; ++c) da_hw[where[c]] += dz_hw[c];  // from Z = the first maximum
        }
}

void avg_backward(const float* dz_i, float* da_i, const Geometry& g) {
    const int C = g.c_prev;
    const float inv_area = 1.0f / static_cast<float>(g.kh * g.kw);
    for (int h = 0; h < g.h; ++h)
        for (int w = 0; w < g.w; ++w) {
            const float* dz_hw = dz_i + (Index{h} * g.w + w) * C;
            float* da_hw = da_i + (Index{h} * g.sh * g.w_prev + Index{w} * g.sw) * C;
            for (int p = 0; p < g.kh; ++p)
                for (int q = 0; q < g.kw; ++q) {
                    float* da_pq = da_hw + (Index{p} * g.w_prev + q) * C;
                    for (int c = 0; c < C; ++c) da_pq[c] += dz_hw[c] * inv_area;  // from Z += A_prev / (kh kw)
                }
        }
}

}  // namespace

Tensor pool_forward_fast(const Tensor& A_prev, Window kernel_shape, Stride stride, PoolMode mode, int threads) {
    const char* fn = "pool_forward_fast";
    require(mode == PoolMode::max || mode == PoolMode::avg, fn, "mode must be max or avg");
    const Geometry g = make_geometry(fn, A_prev.shape, kernel_shape.kh, kernel_shape.kw, Padding::valid(), stride);
    Tensor Z({g.m, g.h, g.w, g.c_prev});
    if (Z.size() == 0) return Z;
    const Index in_size = Index{g.h_prev} * g.w_prev * g.c_prev;
    const Index out_size = Index{g.h} * g.w * g.c_prev;
    const double cells = static_cast<double>(Z.size()) * g.kh * g.kw;
    parallel_for(g.m, threads_for(threads, cells, g.m, kMinCellsPerThread), [&](int, int begin, int end) {
        for (int i = begin; i < end; ++i) {
            const float* a_i = A_prev.data.data() + i * in_size;
            float* z_i = Z.data.data() + i * out_size;
            if (mode == PoolMode::max)
                max_forward(a_i, z_i, g);
            else
                avg_forward(a_i, z_i, g);
        }
    });
    return Z;
}

Tensor pool_backward_fast(const Tensor& dA, const Tensor& A_prev, Window kernel_shape, Stride stride, PoolMode mode,
                          int threads) {
    const char* fn = "pool_backward_fast";
    require(mode == PoolMode::max || mode == PoolMode::avg, fn, "mode must be max or avg");
    const Geometry g = make_geometry(fn, A_prev.shape, kernel_shape.kh, kernel_shape.kw, Padding::valid(), stride);
    const Shape z_shape{g.m, g.h, g.w, g.c_prev};
    require(dA.shape == z_shape, fn,
            "dA has shape " + dA.shape_str() + " but the forward output is " + shape_str(z_shape) + " (A_prev " +
                A_prev.shape_str() + ", kernel (" + std::to_string(g.kh) + "," + std::to_string(g.kw) +
                "), stride (" + std::to_string(g.sh) + "," + std::to_string(g.sw) + "))");
    Tensor dA_prev(A_prev.shape);
    if (dA.size() == 0) return dA_prev;
    const Index in_size = Index{g.h_prev} * g.w_prev * g.c_prev;
    const Index out_size = Index{g.h} * g.w * g.c_prev;
    const double cells = static_cast<double>(dA.size()) * g.kh * g.kw;
    parallel_for(g.m, threads_for(threads, cells, g.m, kMinCellsPerThread), [&](int, int begin, int end) {
        std::vector<float> best(static_cast<std::size_t>(g.c_prev));
        std::vector<Index> where(static_cast<std::size_t>(g.c_prev));
        for (int i = begin; i < end; ++i) {
            const float* dz_i = dA.data.data() + i * out_size;
            float* da_i = dA_prev.data.data() + i * in_size;
            if (mode == PoolMode::max)
                max_backward(dz_i, A_prev.data.data() + i * in_size, da_i, g, best.data(), where.data());
            else
                avg_backward(dz_i, da_i, g);
        }
    });
    return dA_prev;
}

}  // namespace nn
