// pool_backward: the gradient of pool_forward with respect to A_prev; overlapping windows add up.
//
//   max: dA_prev[i, h*sh + p*, w*sw + q*, c] += dA[i,h,w,c], (p*, q*) the first maximum, recomputed
//   avg: dA_prev[i, h*sh + p,  w*sw + q,  c] += dA[i,h,w,c] / (kh kw) for every (p, q)
//
//   dA (m, h, w, c_prev) is the gradient of the forward's Z (its rows are dz_* below), A_prev → dA_prev.
#include "nn/pool_backward.hpp"

#include <vector>

#include "nn/errors.hpp"

namespace nn {

Tensor pool_backward(const Tensor& dA, const Tensor& A_prev, Window kernel_shape, Stride stride, PoolMode mode) {
    require(mode == PoolMode::max || mode == PoolMode::avg, "pool_backward", "mode must be max or avg");
    const Geometry g = make_geometry("pool_backward", A_prev.shape, kernel_shape.kh, kernel_shape.kw,
                                     Padding::valid(), stride);
    const int c_prev = g.c_prev;
    const Shape z_shape{g.m, g.h, g.w, c_prev};
    require(dA.shape == z_shape, "pool_backward",
            "dA has shape " + dA.shape_str() + " but the forward output is " + shape_str(z_shape) + " (A_prev " +
                A_prev.shape_str() + ", kernel (" + std::to_string(g.kh) + "," + std::to_string(g.kw) +
                "), stride (" + std::to_string(g.sh) + "," + std::to_string(g.sw) + "))");
    Tensor dA_prev(A_prev.shape);
    const float inv_area = 1.0f / static_cast<float>(g.kh * g.kw);
    // For max: per channel, the running maximum of the current window and the
    // dA_prev cell of its first occurrence (forward keeps the former in z_hw).
    std::vector<float> best(static_cast<std::size_t>(c_prev));
    std::vector<float*> route(static_cast<std::size_t>(c_prev));

    //! [pool_backward loop]
    for (int i = 0; i < g.m; ++i) {
        const float* a_i = A_prev.sample(i);
        float* da_i = dA_prev.sample(i);
        const float* dz_i = dA.sample(i);
        for (int h = 0; h < g.h; ++h) {
            const float* dz_h = dz_i + h * g.w * c_prev;
            for (int w = 0; w < g.w; ++w) {
                const float* dz_hw = dz_h + w * c_prev;                            // dA[i,h,w,:]
                const float* a_hw = a_i + (h * g.sh * g.w_prev + w * g.sw) * c_prev;  // the window's first cell
                float* da_hw = da_i + (h * g.sh * g.w_prev + w * g.sw) * c_prev;
                for (int c = 0; c < c_prev; ++c) {
                    best[c] = a_hw[c];
                    route[c] = da_hw + c;
                }
                for (int p = 0; p < g.kh; ++p) {
                    const int r = h * g.sh + p;  // row in A_prev
                    const float* a_r = a_i + r * g.w_prev * c_prev;
                    float* da_r = da_i + r * g.w_prev * c_prev;
                    for (int q = 0; q < g.kw; ++q) {
                        const int s = w * g.sw + q;  // column in A_prev
                        const float* a_rs = a_r + s * c_prev;  // A_prev[i,r,s,:]
                        float* da_rs = da_r + s * c_prev;      // dA_prev[i,r,s,:]
                        for (int c = 0; c < c_prev; ++c) {
                            if (mode == PoolMode::max) {
                                // strictly greater: a later equal value does not replace the first maximum
                                if (a_rs[c] > best[c]) {
                                    best[c] = a_rs[c];
                                    route[c] = da_rs + c;
                                }
                            } else {
                                da_rs[c] += dz_hw[c] * inv_area;  // from z_hw[c] += a_rs[c] * inv_area
                            }
                        }
                    }
                }
                if (mode == PoolMode::max) {
                    for (int c = 0; c < c_prev; ++c) *route[c] += dz_hw[c];  // from z_hw[c] = the first maximum
                }
            }
        }
    }
    //! [pool_backward loop]
    return dA_prev;
}

}  // namespace nn
