// One Adam step with the values shared out between threads: the fast
// variant of nn::Adam::step (nn/adam.hpp).
//
// Adam updates every value on its own (m, v and theta at one index read only
// that index), so any split of the values gives step()'s numbers. The split
// pays off only for the larger layers: LeNet-5's F5 holds 48,120 of its
// 61,706 parameters.
#pragma once

#include <vector>

#include "nn/adam.hpp"
#include "nn/fast/thread_pool.hpp"
#include "nn/tensor.hpp"

namespace nn::fast {

/// adam.step(params, grads) on the threads of @p pool, with the same bits.
/// @param adam   the optimizer and its state
/// @param params the parameters theta, updated in place
/// @param grads  their gradients g, one per parameter, same shapes
/// @param pool   the threads to use
/// @throws std::invalid_argument as nn::Adam::step (nothing is updated then)
void adam_step(Adam& adam, const std::vector<Tensor*>& params, const std::vector<const Tensor*>& grads,
               ThreadPool& pool);

}  // namespace nn::fast
