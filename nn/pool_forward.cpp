// pool_forward: max or average over kh×kw windows of each channel, no padding.
//
//   max: Z[i,h,w,c] = max_{p,q} A_prev[i, h*sh + p, w*sw + q, c]
//   avg: Z[i,h,w,c] = sum_{p,q} A_prev[i, h*sh + p, w*sw + q, c] / (kh kw)
//
//   A_prev (m, h_prev, w_prev, c_prev) → Z (m, (h_prev - kh) / sh + 1, (w_prev - kw) / sw + 1, c_prev)
#include "nn/pool_forward.hpp"

#include "nn/errors.hpp"

namespace nn {

PoolMode parse_pool_mode(const std::string& text, const char* fn) {
    if (text == "max") return PoolMode::max;
    if (text == "avg") return PoolMode::avg;
    require(false, fn, "unknown mode '" + text + "' (expected max or avg)");
    return PoolMode::max;
}

Tensor pool_forward(const Tensor& A_prev, Window kernel_shape, Stride stride, PoolMode mode) {
    require(mode == PoolMode::max || mode == PoolMode::avg, "pool_forward", "mode must be max or avg");
    const Geometry g = make_geometry("pool_forward", A_prev.shape, kernel_shape.kh, kernel_shape.kw,
                                     Padding::valid(), stride);
    const int c_prev = g.c_prev;
    Tensor Z({g.m, g.h, g.w, c_prev});
    const float inv_area = 1.0f / static_cast<float>(g.kh * g.kw);

    //! [pool_forward loop]
    for (int i = 0; i < g.m; ++i) {
        const float* a_i = A_prev.sample(i);
        float* z_i = Z.sample(i);
        for (int h = 0; h < g.h; ++h) {
            float* z_h = z_i + h * g.w * c_prev;
            for (int w = 0; w < g.w; ++w) {
                float* z_hw = z_h + w * c_prev;                                   // Z[i,h,w,:]
                const float* a_hw = a_i + (h * g.sh * g.w_prev + w * g.sw) * c_prev;  // the window's first cell
                for (int c = 0; c < c_prev; ++c) z_hw[c] = mode == PoolMode::max ? a_hw[c] : 0.0f;
                for (int p = 0; p < g.kh; ++p) {
                    const int r = h * g.sh + p;  // row in A_prev
                    const float* a_r = a_i + r * g.w_prev * c_prev;
                    for (int q = 0; q < g.kw; ++q) {
                        const int s = w * g.sw + q;  // column in A_prev
                        const float* a_rs = a_r + s * c_prev;  // A_prev[i,r,s,:]
                        for (int c = 0; c < c_prev; ++c) {
                            if (mode == PoolMode::max) {
                                // strictly greater: a later equal value does not replace the first maximum
                                if (a_rs[c] > z_hw[c]) z_hw[c] = a_rs[c];
                            } else {
                                z_hw[c] += a_rs[c] * inv_area;
                            }
                        }
                    }
                }
            }
        }
    }
    //! [pool_forward loop]
    return Z;
}

}  // namespace nn
