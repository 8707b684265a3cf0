// Activation backward with the batch split across threads, into a kept
// output: the training path's variant of nn/activations' activation_backward.
//
//   relu: dZ = dA * (A > 0)    tanh: dZ = dA (1 - A^2)    sigmoid: dZ = dA A (1 - A)
//
// Elementwise, so each thread takes a contiguous share of the samples and
// the values are the plain function's, for any thread count.
#pragma once

#include "nn/activations.hpp"
#include "nn/tensor.hpp"
#include "nn/fast/thread_pool.hpp"

namespace nn {

/// dZ from dA and the forward output A = act(Z), elementwise, on the threads
/// of @p pool. @p dZ is given dA's shape by nn::resize_output and every value
/// is written by the thread that computes it; it may be @p dA itself, which
/// then turns into dZ in place.
/// @param dA   gradient of the loss with respect to A
/// @param A    the forward output, same shape as dA
/// @param act  the activation that made A
/// @param pool the threads to use
/// @param dZ   the output, reused; dA itself or a tensor other than A
/// @throws std::invalid_argument if dA and A differ in shape, or dZ is A
void activation_backward_fast(const Tensor& dA, const Tensor& A, Activation act, ThreadPool& pool, Tensor& dZ);

}  // namespace nn
