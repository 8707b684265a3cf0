// Pooling, forward and backward, with the batch split across threads: the
// fast variant of nn/pool_forward and nn/pool_backward.
//
// The loop nests are the reference passes' (same window order, same strict
// comparison, same accumulation order), with row pointers hoisted and the
// samples shared out between threads, so the results are identical to the
// reference passes' and to each other for every thread count.
#pragma once

#include "nn/fast/thread_pool.hpp"
#include "nn/geometry.hpp"
#include "nn/pool_forward.hpp"
#include "nn/tensor.hpp"

namespace nn::fast {

/// nn::pool_forward on the threads of @p pool.
/// @param A_prev       (m, h_prev, w_prev, c_prev)
/// @param kernel_shape (kh, kw), at most (h_prev, w_prev)
/// @param stride       (sh, sw), both positive
/// @param mode         max or avg
/// @param pool         the threads to use
/// @return Z, (m, (h_prev - kh) / sh + 1, (w_prev - kw) / sw + 1, c_prev),
///         the same values as nn::pool_forward's
/// @throws std::invalid_argument exactly where nn::pool_forward throws, with
///         the same message under the name fast::pool_forward
Tensor pool_forward(const Tensor& A_prev, Window kernel_shape, Stride stride, PoolMode mode, ThreadPool& pool);

/// nn::pool_backward on the threads of @p pool.
/// @param dA           (m, h_new, w_new, c_prev), the shape pool_forward returns
/// @param A_prev       (m, h_prev, w_prev, c_prev)
/// @param kernel_shape (kh, kw)
/// @param stride       (sh, sw)
/// @param mode         max or avg
/// @param pool         the threads to use
/// @return dA_prev, shaped like A_prev, the same values as nn::pool_backward's
/// @throws std::invalid_argument exactly where nn::pool_backward throws, with
///         the same message under the name fast::pool_backward
Tensor pool_backward(const Tensor& dA, const Tensor& A_prev, Window kernel_shape, Stride stride, PoolMode mode,
                     ThreadPool& pool);

}  // namespace nn::fast
