// Activations with the batch split across threads: the fast variants of
// nn/activations' activation_forward and activation_backward.
//
//   forward   A = act(Z):  relu max(Z, 0), tanh, sigmoid
//   backward  relu: dZ = dA * (A > 0)    tanh: dZ = dA (1 - A^2)    sigmoid: dZ = dA A (1 - A)
//
// Elementwise, so each thread takes a contiguous share of the samples and
// the values are the plain function's, for any thread count.
#pragma once

#include "nn/activations.hpp"
#include "nn/fast/thread_pool.hpp"
#include "nn/tensor.hpp"

namespace nn::fast {

/// nn::activation_forward on the threads of @p pool: A = act(Z), elementwise.
/// @param Z    the pre-activation values
/// @param act  the activation
/// @param pool the threads to use
/// @return A, shaped like Z, the same values as nn::activation_forward's
Tensor activation_forward(const Tensor& Z, Activation act, ThreadPool& pool);

/// nn::activation_backward on the threads of @p pool: dZ from dA and the
/// forward output A = act(Z), elementwise.
/// @param dA   gradient of the loss with respect to A
/// @param A    the forward output, same shape as dA
/// @param act  the activation that made A
/// @param pool the threads to use
/// @return dZ, shaped like dA, the same values as nn::activation_backward's
/// @throws std::invalid_argument if dA and A differ in shape
Tensor activation_backward(const Tensor& dA, const Tensor& A, Activation act, ThreadPool& pool);

}  // namespace nn::fast
