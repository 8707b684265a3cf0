// Dense layer, forward and backward, by register-tiled matrix products
// (nn/gemm.hpp) split across threads: the training path's variant of
// nn/dense.
//
//   Z       = A_prev · W + b      A_prev (m, n_in), W (n_in, n_out), b (1, n_out)
//   dA_prev = dZ · Wᵀ              (m, n_in)
//   dW      = A_prevᵀ · dZ         (n_in, n_out)
//   db      = sum_i dZ[i]          (1, n_out)
#pragma once

#include "nn/dense.hpp"
#include "nn/tensor.hpp"
#include "nn/fast/thread_pool.hpp"

namespace nn {

/// dense_forward (nn/dense.hpp) by a register-tiled product.
/// @param A_prev  (m, n_in)
/// @param W       (n_in, n_out)
/// @param b       (1, n_out)
/// @param threads number of threads; 0 = all cores
/// @return Z, (m, n_out), equal to dense_forward's within float rounding and
///         identical for every thread count
/// @throws std::invalid_argument exactly where dense_forward throws, with the
///         same message under the name dense_forward_fast
Tensor dense_forward_fast(const Tensor& A_prev, const Tensor& W, const Tensor& b, int threads);

/// dense_backward (nn/dense.hpp) by register-tiled products.
/// @param dZ      (m, n_out)
/// @param A_prev  (m, n_in)
/// @param W       (n_in, n_out)
/// @param b       (1, n_out)
/// @param threads number of threads; 0 = all cores
/// @return dA_prev, dW, db, equal to dense_backward's within float rounding
///         and identical for every thread count
/// @throws std::invalid_argument exactly where dense_backward throws, with
///         the same message under the name dense_backward_fast
DenseGrads dense_backward_fast(const Tensor& dZ, const Tensor& A_prev, const Tensor& W, const Tensor& b, int threads);

/// dense_forward_fast on the threads of @p pool (nn/thread_pool.hpp).
/// @param A_prev (m, n_in)
/// @param W      (n_in, n_out)
/// @param b      (1, n_out)
/// @param pool   the threads to use
/// @return Z, (m, n_out)
/// @throws std::invalid_argument as dense_forward_fast
Tensor dense_forward_fast(const Tensor& A_prev, const Tensor& W, const Tensor& b, ThreadPool& pool);

/// dense_backward_fast on the threads of @p pool (nn/thread_pool.hpp).
/// @param dZ     (m, n_out)
/// @param A_prev (m, n_in)
/// @param W      (n_in, n_out)
/// @param b      (1, n_out)
/// @param pool   the threads to use
/// @return dA_prev, dW, db
/// @throws std::invalid_argument as dense_backward_fast
DenseGrads dense_backward_fast(const Tensor& dZ, const Tensor& A_prev, const Tensor& W, const Tensor& b,
                               ThreadPool& pool);

/// dense_forward_fast on @p pool into a kept output: @p Z is given the shape
/// (m, n_out) by nn::resize_output and every value is written, so a training
/// loop that passes the same Z at every step allocates nothing.
/// @param A_prev (m, n_in)
/// @param W      (n_in, n_out)
/// @param b      (1, n_out)
/// @param pool   the threads to use
/// @param Z      the output, reused; it must not be one of the inputs
/// @throws std::invalid_argument as dense_forward_fast, or if Z is an input
void dense_forward_fast(const Tensor& A_prev, const Tensor& W, const Tensor& b, ThreadPool& pool, Tensor& Z);

/// dense_backward_fast on @p pool into kept outputs (nn::resize_output), so
/// a training loop that passes the same grads at every step allocates nothing.
/// @param dZ     (m, n_out)
/// @param A_prev (m, n_in)
/// @param W      (n_in, n_out)
/// @param b      (1, n_out)
/// @param pool   the threads to use
/// @param grads  the outputs dA_prev, dW, db, reused; none may be one of the inputs
/// @throws std::invalid_argument as dense_backward_fast, or if an output is an input
void dense_backward_fast(const Tensor& dZ, const Tensor& A_prev, const Tensor& W, const Tensor& b, ThreadPool& pool,
                         DenseGrads& grads);

}  // namespace nn
