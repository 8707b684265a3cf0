// conv_forward: a convolution of a batch of NHWC images, then an activation.
//
//   Z[i,h,w,c] = act( b[c] + sum_{p,q,k} A_pad[i, h*sh + p, w*sw + q, k] * W[p,q,k,c] )
//
//   A_prev (m, h_prev, w_prev, c_prev), W (kh, kw, c_prev, c_new), b (1, 1, 1, c_new)
//   → Z (m, h, w, c_new); A_pad is A_prev with pad_top rows / pad_left columns of zeros in front.
#include "nn/conv_forward.hpp"

#include <algorithm>

namespace nn {

Tensor conv_forward(const Tensor& A_prev, const Tensor& W, const Tensor& b, Activation activation, Padding padding,
                    Stride stride) {
    const Geometry g = make_conv_geometry("conv_forward", A_prev, W, b, padding, stride);
    const int c_prev = g.c_prev;
    const int c_new = W.dim(3);
    Tensor Z({g.m, g.h, g.w, c_new});
    const float* bias = b.data.data();

    // A_pad is never built: a padding cell is zero and adds nothing to the sum,
    // so p and q run only over the window cells that land inside A_prev
    // (p_begin..p_end, q_begin..q_end). A padded copy would cost a pass over
    // the whole batch and as much memory again, and the backward pass would
    // then have to crop it.
    //
    // Offsets inside one sample are ints; sample() takes care of the batch offset.
    //! [conv_forward loop]
    for (int i = 0; i < g.m; ++i) {
        const float* a_i = A_prev.sample(i);
        float* z_i = Z.sample(i);
        for (int h = 0; h < g.h; ++h) {
            float* z_h = z_i + h * g.w * c_new;
            const int r0 = h * g.sh - g.pad_top;  // A_prev row under the window's top row (< 0 in the padding)
            const int p_begin = std::max(0, -r0), p_end = std::min(g.kh, g.h_prev - r0);
            for (int w = 0; w < g.w; ++w) {
                float* z_hw = z_h + w * c_new;          // Z[i,h,w,:]
                const int s0 = w * g.sw - g.pad_left;  // A_prev column under its left column (< 0 in the padding)
                const int q_begin = std::max(0, -s0), q_end = std::min(g.kw, g.w_prev - s0);
                for (int c = 0; c < c_new; ++c) z_hw[c] = bias[c];
                for (int p = p_begin; p < p_end; ++p) {
                    const float* a_r = a_i + (r0 + p) * g.w_prev * c_prev;  // A_prev[i,r0+p,:,:]
                    for (int q = q_begin; q < q_end; ++q) {
                        const float* a_rs = a_r + (s0 + q) * c_prev;                          // A_prev[i,r0+p,s0+q,:]
                        const float* w_pq = W.data.data() + (p * g.kw + q) * c_prev * c_new;  // W[p,q,:,:]
                        for (int k = 0; k < c_prev; ++k) {
                            const float a = a_rs[k];                // A_prev[i,r0+p,s0+q,k]
                            const float* w_pqk = w_pq + k * c_new;  // W[p,q,k,:]
                            for (int c = 0; c < c_new; ++c) {
                                z_hw[c] += a * w_pqk[c];
                            }
                        }
                    }
                }
            }
        }
        // The activation runs over the whole sample at once, while it is still in cache.
        activation.apply(z_i, static_cast<std::size_t>(g.h) * g.w * c_new);
    }
    //! [conv_forward loop]
    return Z;
}

}  // namespace nn
