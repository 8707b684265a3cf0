// Dense layer, forward and backward, by register-tiled matrix products
// (nn/fast/gemm.hpp) split across threads: the fast variant of nn/dense.
//
//   Z       = A_prev · W + b      A_prev (m, n_in), W (n_in, n_out), b (1, n_out)
//   dA_prev = dZ · Wᵀ              (m, n_in)
//   dW      = A_prevᵀ · dZ         (n_in, n_out)
//   db      = sum_i dZ[i]          (1, n_out)
#pragma once

#include "nn/dense.hpp"
#include "nn/fast/thread_pool.hpp"
#include "nn/tensor.hpp"

namespace nn::fast {

/// nn::dense_forward by a register-tiled product on the threads of @p pool.
/// @param A_prev (m, n_in)
/// @param W      (n_in, n_out)
/// @param b      (1, n_out)
/// @param pool   the threads to use
/// @return Z, (m, n_out), equal to nn::dense_forward's within float rounding
///         and identical for every thread count
/// @throws std::invalid_argument exactly where nn::dense_forward throws, with
///         the same message under the name fast::dense_forward
Tensor dense_forward(const Tensor& A_prev, const Tensor& W, const Tensor& b, ThreadPool& pool);

/// nn::dense_backward by register-tiled products on the threads of @p pool.
/// @param dZ     (m, n_out)
/// @param A_prev (m, n_in)
/// @param W      (n_in, n_out)
/// @param b      (1, n_out)
/// @param pool   the threads to use
/// @return dA_prev, dW, db, equal to nn::dense_backward's within float
///         rounding and identical for every thread count
/// @throws std::invalid_argument exactly where nn::dense_backward throws,
///         with the same message under the name fast::dense_backward
DenseGrads dense_backward(const Tensor& dZ, const Tensor& A_prev, const Tensor& W, const Tensor& b,
                          ThreadPool& pool);

}  // namespace nn::fast
