// Dense (fully connected) layer, forward then backward.
//
//   Z = A_prev · W + b        A_prev (m, n_in), W (n_in, n_out), b (1, n_out)
//   dA_prev = dZ · Wᵀ          (m, n_in)
//   dW      = A_prevᵀ · dZ     (n_in, n_out)
//   db      = sum_i dZ[i]      (1, n_out)
// W is (n_in, n_out) as in TensorFlow and Keras.
#pragma once

#include "nn/tensor.hpp"

namespace nn {

/// Gradients of a dense layer, named like the forward arguments.
struct DenseGrads {
    Tensor dA_prev;  ///< like A_prev: (m, n_in)
    Tensor dW;       ///< like W: (n_in, n_out)
    Tensor db;       ///< like b: (1, n_out)
};

/// Z = A_prev · W + b. Throws std::invalid_argument naming the argument and
/// the shapes when A_prev is not (m, n_in), W not (n_in, n_out) or b not (1, n_out).
Tensor dense_forward(const Tensor& A_prev, const Tensor& W, const Tensor& b);

/// Gradients of Z = A_prev · W + b given dZ (m, n_out). Throws
/// std::invalid_argument on the same shape errors, or when dZ is not (m, n_out).
DenseGrads dense_backward(const Tensor& dZ, const Tensor& A_prev, const Tensor& W, const Tensor& b);

}  // namespace nn
