// Pooling backward pass (course exercise 3).
#pragma once

#include "nn/geometry.hpp"
#include "nn/pool_forward.hpp"
#include "nn/tensor.hpp"

namespace nn {

/// Backward pooling: the gradient with respect to A_prev given dA, the
/// gradient with respect to pool_forward's output.
///
/// max: each window's dA[i,h,w,c] goes to the window's first maximum in
///      row-major window order (as TensorFlow and PyTorch); the argmax is
///      recomputed from A_prev, nothing is saved between the passes.
/// avg: each window's dA[i,h,w,c] / (kh kw) goes to every cell of the window.
/// Overlapping windows (stride < kernel) add up.
///
/// The trailing arguments are pool_forward's, in the same order.
/// @param dA           (m, h_new, w_new, c_prev), the shape pool_forward returns
/// @param A_prev       (m, h_prev, w_prev, c_prev)
/// @param kernel_shape (kh, kw)
/// @param stride       (sh, sw)
/// @param mode         max or avg
/// @return dA_prev, shaped like A_prev
/// @throws std::invalid_argument for every error pool_forward reports, and
///         when dA's shape differs from the forward output's.
Tensor pool_backward(const Tensor& dA, const Tensor& A_prev, Window kernel_shape, Stride stride = {1, 1},
                     PoolMode mode = PoolMode::max);

}  // namespace nn
