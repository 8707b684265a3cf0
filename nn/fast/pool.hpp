// Pooling, forward and backward, with the batch split across threads: the
// training path's variant of nn/pool_forward and nn/pool_backward.
//
// The loop nests are the reference passes' (same window order, same strict
// comparison, same accumulation order), with row pointers hoisted and the
// samples shared out between threads, so the results are identical to the
// reference passes' and to each other for every thread count.
#pragma once

#include "nn/geometry.hpp"
#include "nn/pool_forward.hpp"
#include "nn/tensor.hpp"
#include "nn/fast/thread_pool.hpp"

namespace nn {

/// pool_forward (nn/pool_forward.hpp) with the batch split across threads.
/// @param A_prev       (m, h_prev, w_prev, c_prev)
/// @param kernel_shape (kh, kw), at most (h_prev, w_prev)
/// @param stride       (sh, sw), both positive
/// @param mode         max or avg
/// @param threads      number of threads; 0 = all cores
/// @return Z, (m, (h_prev - kh) / sh + 1, (w_prev - kw) / sw + 1, c_prev),
///         the same values as pool_forward's
/// @throws std::invalid_argument exactly where pool_forward throws, with the
///         same message under the name pool_forward_fast
Tensor pool_forward_fast(const Tensor& A_prev, Window kernel_shape, Stride stride, PoolMode mode, int threads);

/// pool_backward (nn/pool_backward.hpp) with the batch split across threads.
/// @param dA           (m, h_new, w_new, c_prev), the shape pool_forward returns
/// @param A_prev       (m, h_prev, w_prev, c_prev)
/// @param kernel_shape (kh, kw)
/// @param stride       (sh, sw)
/// @param mode         max or avg
/// @param threads      number of threads; 0 = all cores
/// @return dA_prev, shaped like A_prev, the same values as pool_backward's
/// @throws std::invalid_argument exactly where pool_backward throws, with the
///         same message under the name pool_backward_fast
Tensor pool_backward_fast(const Tensor& dA, const Tensor& A_prev, Window kernel_shape, Stride stride, PoolMode mode,
                          int threads);

/// pool_forward_fast on the threads of @p pool (nn/thread_pool.hpp).
/// @param A_prev       (m, h_prev, w_prev, c_prev)
/// @param kernel_shape (kh, kw)
/// @param stride       (sh, sw)
/// @param mode         max or avg
/// @param pool         the threads to use
/// @return Z, as pool_forward_fast
/// @throws std::invalid_argument as pool_forward_fast
Tensor pool_forward_fast(const Tensor& A_prev, Window kernel_shape, Stride stride, PoolMode mode, ThreadPool& pool);

/// pool_backward_fast on the threads of @p pool (nn/thread_pool.hpp).
/// @param dA           (m, h_new, w_new, c_prev)
/// @param A_prev       (m, h_prev, w_prev, c_prev)
/// @param kernel_shape (kh, kw)
/// @param stride       (sh, sw)
/// @param mode         max or avg
/// @param pool         the threads to use
/// @return dA_prev, as pool_backward_fast
/// @throws std::invalid_argument as pool_backward_fast
Tensor pool_backward_fast(const Tensor& dA, const Tensor& A_prev, Window kernel_shape, Stride stride, PoolMode mode,
                          ThreadPool& pool);

/// pool_forward_fast on @p pool into a kept output: @p Z is given its shape
/// by nn::resize_output and every value is written by the thread that
/// computes it, so a training loop that passes the same Z at every step
/// allocates nothing. The values are those of the other forms.
/// @param A_prev       (m, h_prev, w_prev, c_prev)
/// @param kernel_shape (kh, kw)
/// @param stride       (sh, sw)
/// @param mode         max or avg
/// @param pool         the threads to use
/// @param Z            the output, reused; it must not be A_prev
/// @throws std::invalid_argument as pool_forward_fast, or if Z is A_prev
void pool_forward_fast(const Tensor& A_prev, Window kernel_shape, Stride stride, PoolMode mode, ThreadPool& pool,
                       Tensor& Z);

/// pool_backward_fast on @p pool into a kept output: @p dA_prev is given
/// A_prev's shape by nn::resize_output and each thread clears and fills its
/// own samples, so a training loop that passes the same dA_prev at every step
/// allocates nothing. The values are those of the other forms.
/// @param dA           (m, h_new, w_new, c_prev)
/// @param A_prev       (m, h_prev, w_prev, c_prev)
/// @param kernel_shape (kh, kw)
/// @param stride       (sh, sw)
/// @param mode         max or avg
/// @param pool         the threads to use
/// @param dA_prev      the output, reused; it must not be one of the inputs
/// @throws std::invalid_argument as pool_backward_fast, or if dA_prev is an input
void pool_backward_fast(const Tensor& dA, const Tensor& A_prev, Window kernel_shape, Stride stride, PoolMode mode,
                        ThreadPool& pool, Tensor& dA_prev);

}  // namespace nn
