// Activation backward with the batch split across threads: the fast variant
// of nn/activations' activation_backward.
//
//   relu: dZ = dA * (A > 0)    tanh: dZ = dA (1 - A^2)    sigmoid: dZ = dA A (1 - A)
//
// Elementwise, so each thread takes a contiguous share of the samples and
// the values are the plain function's, for any thread count.
#pragma once

#include "nn/activations.hpp"
#include "nn/fast/thread_pool.hpp"
#include "nn/tensor.hpp"

namespace nn::fast {

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
