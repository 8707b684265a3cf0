// Local response normalisation across channels (Krizhevsky et al. 2012, §3.3).
//
//   s[i,h,w,c] = k + alpha * sum_{c' = c-r .. c+r, 0 <= c' < c_prev} A_prev[i,h,w,c']^2,  r = n / 2
//   A[i,h,w,c] = A_prev[i,h,w,c] / s[i,h,w,c]^beta
//
// A_prev and A are (m, h, w, c_prev), NHWC. Each value is divided by a power
// of the energy of its n neighbouring channels at the same pixel; channels
// beyond the edges are left out of the sum (not padded with anything).
//
// Conventions differ between libraries. This file follows the paper: alpha
// multiplies the sum itself. TensorFlow's tf.nn.local_response_normalization
// does the same, with depth_radius = n / 2 and bias = k, so
// (k=2, n=5, alpha=1e-4, beta=0.75) here equals TF's (bias=2, depth_radius=2,
// alpha=1e-4, beta=0.75). Caffe and PyTorch divide alpha by n: their
// alpha is n times ours.
#pragma once

#include "nn/tensor.hpp"

namespace nn {

/// The four constants of local response normalisation, defaulting to the paper's.
struct LrnConfig {
    float k = 2.0f;        ///< added to the scaled sum; must be > 0 so the divisor never vanishes
    int n = 5;             ///< channels in the window, odd: c - n/2 .. c + n/2
    float alpha = 1e-4f;   ///< scale of the sum of squares (not divided by n), >= 0
    float beta = 0.75f;    ///< exponent of the divisor, >= 0
};

/// Local response normalisation across channels:
/// A[c] = A_prev[c] / (k + alpha * sum over the n channels around c of A_prev[c']^2)^beta.
///
/// @param A_prev  input, (m, h, w, c_prev)
/// @param config  k, n, alpha, beta (the paper's 2, 5, 1e-4, 0.75 by default)
/// @return A, the same shape as A_prev
/// @throws std::invalid_argument if A_prev is not rank 4, n is not a positive
///         odd number, k is not positive, or alpha or beta is negative.
Tensor lrn_forward(const Tensor& A_prev, LrnConfig config = {});

/// Gradient of lrn_forward. With s[c] the divisor base of channel c above,
///
///   dA_prev[j] = dA[j] s[j]^-beta
///              - 2 alpha beta A_prev[j] * sum_{c within n/2 of j} dA[c] A_prev[c] s[c]^(-beta-1)
///
/// (the window is symmetric, so j lies in c's window exactly when c lies in j's).
///
/// @param dA      gradient of the loss with respect to A, (m, h, w, c_prev)
/// @param A_prev  the forward input, (m, h, w, c_prev)
/// @param config  the constants the forward pass used
/// @return dA_prev, the same shape as A_prev
/// @throws std::invalid_argument as lrn_forward, and if dA's shape differs from A_prev's.
Tensor lrn_backward(const Tensor& dA, const Tensor& A_prev, LrnConfig config = {});

}  // namespace nn
