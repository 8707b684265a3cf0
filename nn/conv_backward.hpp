// Convolution backward pass (course exercise 2).
#pragma once

#include "nn/geometry.hpp"
#include "nn/tensor.hpp"

namespace nn {

/// Gradients of a convolution: the forward arguments with a d in front.
struct ConvGrads {
    Tensor dA_prev;  ///< like A_prev: (m, h_prev, w_prev, c_prev), padding cropped
    Tensor dW;       ///< like W: (kh, kw, c_prev, c_new)
    Tensor db;       ///< like b: (1, 1, 1, c_new)
};

/// Backward convolution: gradients of the loss with respect to A_prev, W and
/// b, given dZ, the gradient with respect to the *pre-activation* output.
///
/// \f[ dA_{pad}[i, h\,sh+p, w\,sw+q, k] \mathrel{+}= W[p,q,k,c]\, dZ[i,h,w,c] \f]
/// \f[ dW[p,q,k,c] \mathrel{+}= A_{pad}[i, h\,sh+p, w\,sw+q, k]\, dZ[i,h,w,c] \f]
/// \f[ db[c] \mathrel{+}= dZ[i,h,w,c] \f]
/// summed over every i, h, w, c; dA_prev is dA_pad without the padding.
///
/// The trailing arguments are conv_forward's, in the same order.
/// @param dZ      (m, h_new, w_new, c_new), the shape conv_forward returns
/// @param A_prev  (m, h_prev, w_prev, c_prev)
/// @param W       (kh, kw, c_prev, c_new)
/// @param b       (1, 1, 1, c_new)
/// @param padding as in conv_forward
/// @param stride  as in conv_forward
/// @return dA_prev, dW and db, shaped like A_prev, W and b
/// @throws std::invalid_argument for every error conv_forward reports, and
///         when dZ's shape differs from the forward output's.
ConvGrads conv_backward(const Tensor& dZ, const Tensor& A_prev, const Tensor& W, const Tensor& b,
                        Padding padding = Padding::same(), Stride stride = {1, 1});

}  // namespace nn
