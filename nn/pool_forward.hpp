// Pooling forward pass (course exercise 1).
#pragma once

#include <string>

#include "nn/geometry.hpp"
#include "nn/tensor.hpp"

namespace nn {

/// Max or average pooling.
enum class PoolMode { max, avg };

/// Parses "max" or "avg"; throws std::invalid_argument naming @p fn otherwise.
/// @param text the mode as written on the command line, "max" or "avg"
/// @param fn   name of the caller, used in the error message
/// @return PoolMode::max or PoolMode::avg
PoolMode parse_pool_mode(const std::string& text, const char* fn = "PoolMode");

/// Forward pooling over kh×kw windows, no padding.
///
/// \f[ Z[i,h,w,c] = \max_{p<kh,\,q<kw} A_{prev}[i,\, h\,sh+p,\, w\,sw+q,\, c] \f]
/// or the mean over the same window for PoolMode::avg.
///
/// @param A_prev       (m, h_prev, w_prev, c_prev)
/// @param kernel_shape (kh, kw), at most (h_prev, w_prev)
/// @param stride       (sh, sw), both positive; smaller than the window means overlap
/// @param mode         max or avg
/// @return Z, (m, (h_prev - kh) / sh + 1, (w_prev - kw) / sw + 1, c_prev)
/// @throws std::invalid_argument when A_prev is not rank 4, the window or
///         stride is not positive, or the window is larger than the input.
Tensor pool_forward(const Tensor& A_prev, Window kernel_shape, Stride stride = {1, 1},
                    PoolMode mode = PoolMode::max);

}  // namespace nn
