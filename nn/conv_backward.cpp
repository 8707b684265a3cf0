// conv_backward: gradients of a convolution from dZ, the gradient of its pre-activation output.
//
//   forward:  Z[i,h,w,c] = b[c] + sum_{p,q,k} A_pad[i, h*sh + p, w*sw + q, k] * W[p,q,k,c]
//   backward: each product is differentiated where it was formed, in the same loop nest.
//
//   dZ (m, h, w, c_new), A_prev (m, h_prev, w_prev, c_prev), W (kh, kw, c_prev, c_new), b (1, 1, 1, c_new)
//   → dA_prev like A_prev (padding cropped), dW like W, db like b.
#include "nn/conv_backward.hpp"

#include <algorithm>

#include "nn/errors.hpp"

namespace nn {

ConvGrads conv_backward(const Tensor& dZ, const Tensor& A_prev, const Tensor& W, const Tensor& b, Padding padding,
                        Stride stride) {
    const Geometry g = make_conv_geometry("conv_backward", A_prev, W, b, padding, stride);
    const int c_prev = g.c_prev;
    const int c_new = W.dim(3);
    const Shape z_shape{g.m, g.h, g.w, c_new};
    require(dZ.shape == z_shape, "conv_backward",
            "dZ has shape " + dZ.shape_str() + " but the forward output is " + shape_str(z_shape) + " (A_prev " +
                A_prev.shape_str() + ", W " + W.shape_str() + ", padding " + padding.str() + ", stride (" +
                std::to_string(stride.sh) + "," + std::to_string(stride.sw) + "))");
    ConvGrads grads{Tensor(A_prev.shape), Tensor(W.shape), Tensor(b.shape)};
    float* db = grads.db.data.data();

    // As in conv_forward, A_pad and dA_pad are never built: p and q run only
    // over the window cells inside A_prev, so dA_prev comes out already cropped.
    //! [conv_backward loop]
    for (int i = 0; i < g.m; ++i) {
        const float* a_i = A_prev.sample(i);
        float* da_i = grads.dA_prev.sample(i);
        const float* dz_i = dZ.sample(i);
        for (int h = 0; h < g.h; ++h) {
            const float* dz_h = dz_i + h * g.w * c_new;
            const int r0 = h * g.sh - g.pad_top;  // A_prev row under the window's top row (< 0 in the padding)
            const int p_begin = std::max(0, -r0), p_end = std::min(g.kh, g.h_prev - r0);
            for (int w = 0; w < g.w; ++w) {
                const float* dz_hw = dz_h + w * c_new;  // dZ[i,h,w,:]
                const int s0 = w * g.sw - g.pad_left;  // A_prev column under its left column (< 0 in the padding)
                const int q_begin = std::max(0, -s0), q_end = std::min(g.kw, g.w_prev - s0);
                for (int c = 0; c < c_new; ++c) db[c] += dz_hw[c];  // from z_hw[c] = bias[c]
                for (int p = p_begin; p < p_end; ++p) {
                    const float* a_r = a_i + (r0 + p) * g.w_prev * c_prev;  // A_prev[i,r0+p,:,:]
                    float* da_r = da_i + (r0 + p) * g.w_prev * c_prev;      // dA_prev[i,r0+p,:,:]
                    for (int q = q_begin; q < q_end; ++q) {
                        const float* a_rs = a_r + (s0 + q) * c_prev;                          // A_prev[i,r0+p,s0+q,:]
                        float* da_rs = da_r + (s0 + q) * c_prev;                              // dA_prev[i,r0+p,s0+q,:]
                        const float* w_pq = W.data.data() + (p * g.kw + q) * c_prev * c_new;  // W[p,q,:,:]
                        float* dw_pq = grads.dW.data.data() + (p * g.kw + q) * c_prev * c_new;  // dW[p,q,:,:]
                        for (int k = 0; k < c_prev; ++k) {
                            const float a = a_rs[k];                // A_prev[i,r0+p,s0+q,k]
                            const float* w_pqk = w_pq + k * c_new;  // W[p,q,k,:]
                            float* dw_pqk = dw_pq + k * c_new;      // dW[p,q,k,:]
                            for (int c = 0; c < c_new; ++c) {
                                da_rs[k] += w_pqk[c] * dz_hw[c];  // from z_hw[c] += a * w_pqk[c]
                                dw_pqk[c] += a * dz_hw[c];        // from z_hw[c] += a * w_pqk[c]
                            }
                        }
                    }
                }
            }
        }
    }
    //! [conv_backward loop]
    return grads;
}

}  // namespace nn
