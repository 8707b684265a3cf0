// conv_forward: a convolution of a batch of NHWC images, then an activation.
//
//   Z[i,h,w,c] = act( b[c] + sum_{p,q,k} A_pad[i, h*sh + p, w*sw + q, k] * W[p,q,k,c] )
//
//   A_prev (m, h_prev, w_prev, c_prev), W (kh, kw, c_prev, c_new), b (1, 1, 1, c_new)
//   → Z (m, h, w, c_new); A_pad is A_prev with pad_top rows / pad_left columns of zeros in front.
#include "nn/conv_forward.hpp"

namespace nn {

Tensor conv_forward(const Tensor& A_prev, const Tensor& W, const Tensor& b, Activation activation, Padding padding,
                    Stride stride) {
    const Geometry g = make_conv_geometry("conv_forward", A_prev, W, b, padding, stride);
    const int c_prev = g.c_prev;
    const int c_new = W.dim(3);
    Tensor Z({g.m, g.h, g.w, c_new});
    const float* bias = b.data.data();

    // A_pad is never built: a padding cell is zero and adds nothing to the sum,
    // so the loop skips rows and columns that fall outside A_prev. A padded copy
    // would cost a pass over the whole batch and as much memory again, and the
    // backward pass would then have to crop it.
    //
    // Offsets inside one sample are ints; sample() takes care of the batch offset.
    //! [conv_forward loop]
    for (int i = 0; i < g.m; ++i) {
        const float* a_i = A_prev.sample(i);
        float* z_i = Z.sample(i);
        for (int h = 0; h < g.h; ++h) {
            float* z_h = z_i + h * g.w * c_new;
            for (int w = 0; w < g.w; ++w) {
                float* z_hw = z_h + w * c_new;  // Z[i,h,w,:]
                for (int c = 0; c < c_new; ++c) z_hw[c] = bias[c];
                for (int p = 0; p < g.kh; ++p) {
                    const int r = h * g.sh + p - g.pad_top;  // row in A_prev
                    if (r < 0 || r >= g.h_prev) continue;    // a padding row
                    const float* a_r = a_i + r * g.w_prev * c_prev;
                    for (int q = 0; q < g.kw; ++q) {
                        const int s = w * g.sw + q - g.pad_left;  // column in A_prev
                        if (s < 0 || s >= g.w_prev) continue;     // a padding column
                        const float* a_rs = a_r + s * c_prev;                   // A_prev[i,r,s,:]
                        const float* w_pq = W.data.data() + (p * g.kw + q) * c_prev * c_new;  // W[p,q,:,:]
                        for (int k = 0; k < c_prev; ++k) {
                            const float* w_pqk = w_pq + k * c_new;  // W[p,q,k,:]
                            for (int c = 0; c < c_new; ++c) {
                                z_hw[c] += a_rs[k] * w_pqk[c];
                            }
                        }
                    }
                }
                activation.apply(z_hw, static_cast<std::size_t>(c_new));
            }
        }
    }
    //! [conv_forward loop]
    return Z;
}

}  // namespace nn
