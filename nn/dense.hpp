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

/// Z = A_prev · W + b.
/// @param A_prev inputs, (m, n_in)
/// @param W      weights, (n_in, n_out)
/// @param b      biases, (1, n_out)
/// @return Z, (m, n_out)
/// @throws std::invalid_argument naming the argument and the shapes when
///         A_prev is not (m, n_in), W not (n_in, n_out) or b not (1, n_out).
Tensor dense_forward(const Tensor& A_prev, const Tensor& W, const Tensor& b);

/// Gradients of Z = A_prev · W + b; the arguments after dZ are the forward's.
/// @param dZ     gradient of the loss with respect to Z, (m, n_out)
/// @param A_prev the forward input, (m, n_in)
/// @param W      the forward weights, (n_in, n_out)
/// @param b      the forward biases, (1, n_out) (only its shape is used)
/// @return {dA_prev, dW, db}, shaped like A_prev, W and b
/// @throws std::invalid_argument on the forward's shape errors, or when dZ
///         is not (m, n_out).
DenseGrads dense_backward(const Tensor& dZ, const Tensor& A_prev, const Tensor& W, const Tensor& b);

/// The shape checks dense_forward and dense_backward share (and the fast
/// variants in nn/fast/dense.hpp), with their messages under the caller's name.
/// @param fn     the public function's name, for the message
/// @param A_prev must be (m, n_in)
/// @param W      must be (n_in, n_out)
/// @param b      must be (1, n_out)
/// @throws std::invalid_argument naming the argument and all three shapes.
void check_dense_shapes(const char* fn, const Tensor& A_prev, const Tensor& W, const Tensor& b);

}  // namespace nn
