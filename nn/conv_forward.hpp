// Convolution forward pass (course exercise 0).
#pragma once

#include "nn/activations.hpp"
#include "nn/geometry.hpp"
#include "nn/tensor.hpp"

namespace nn {

/// Forward convolution of a batch of images, followed by an activation.
///
/// \f[ Z[i,h,w,c] = \mathrm{act}\Big(b[c] + \sum_{p<kh}\sum_{q<kw}\sum_{k<c_{prev}}
///     A_{pad}[i,\, h\,sh + p,\, w\,sw + q,\, k]\; W[p,q,k,c]\Big) \f]
/// where A_pad is A_prev with the zeros that @p padding adds.
///
/// @param A_prev     input, (m, h_prev, w_prev, c_prev)
/// @param W          kernels, (kh, kw, c_prev, c_new)
/// @param b          biases, (1, 1, 1, c_new)
/// @param activation applied to every output value (linear by default)
/// @param padding    same (TensorFlow's), valid, or explicit (ph, pw)
/// @param stride     (sh, sw), both positive
/// @return Z, (m, h_new, w_new, c_new)
/// @throws std::invalid_argument naming the argument and the shapes when a
///         rank is wrong, W's c_prev differs from A_prev's channels, b is not
///         (1, 1, 1, c_new), the stride is not positive, the padding is
///         negative, or the kernel is larger than the padded input.
Tensor conv_forward(const Tensor& A_prev, const Tensor& W, const Tensor& b,
                    Activation activation = Activation::linear(), Padding padding = Padding::same(),
                    Stride stride = {1, 1});

}  // namespace nn
