// Weight initializers. Each takes the random source explicitly.
//
//   fan_in  = kh*kw*c_prev for a conv kernel (kh, kw, c_prev, c_new), n_in for (n_in, n_out)
//   fan_out = kh*kw*c_new                                          , n_out
//   he_normal:      N(0, stddev) truncated at 2 stddev,
//                   stddev = sqrt(2 / fan_in) / 0.87962566103423978
//                   (TF's VarianceScaling(scale=2.0, 'fan_in', 'truncated_normal');
//                   the constant is the stddev of a unit normal truncated at ±2)
//   glorot_uniform: U(-limit, limit), limit = sqrt(6 / (fan_in + fan_out))
//   zeros:          all 0 (biases)
#pragma once

#include "nn/rng.hpp"
#include "nn/tensor.hpp"

namespace nn {

/// fan_in and fan_out of a kernel shape (rank 2 or 4); throws std::invalid_argument otherwise.
struct Fans {
    int fan_in;   ///< inputs feeding one output
    int fan_out;  ///< outputs fed by one input
};
/// The fans of a kernel.
/// @param shape (n_in, n_out) or (kh, kw, c_prev, c_new), all extents positive
/// @return {fan_in, fan_out} as at the top of the file
/// @throws std::invalid_argument on another rank or a non-positive extent.
Fans fans(const Shape& shape);

/// He-normal kernel, values drawn in row-major order.
/// @param shape the kernel's shape (rank 2 or 4)
/// @param rng   the random source
/// @return the kernel
/// @throws std::invalid_argument as fans() does.
Tensor he_normal(const Shape& shape, Rng& rng);
/// Glorot-uniform kernel, values drawn in row-major order.
/// @param shape the kernel's shape (rank 2 or 4)
/// @param rng   the random source
/// @return the kernel
/// @throws std::invalid_argument as fans() does.
Tensor glorot_uniform(const Shape& shape, Rng& rng);
/// A tensor of zeros (biases).
/// @param shape any shape
/// @return zeros of that shape
Tensor zeros(const Shape& shape);

}  // namespace nn
