// Adam, in TensorFlow's form (Kingma & Ba 2015, section 2, with the bias
// correction folded into the step size):
//
//   t     <- t + 1
//   lr_t  =  lr * sqrt(1 - beta2^t) / (1 - beta1^t)
//   m     <- beta1 m + (1 - beta1) g
//   v     <- beta2 v + (1 - beta2) g^2
//   theta <- theta - lr_t * m / (sqrt(v) + epsilon)
//
// Defaults are TensorFlow 1's AdamOptimizer: lr 0.001, beta1 0.9,
// beta2 0.999, epsilon 1e-8. Keras's Adam uses epsilon 1e-7.
#pragma once

#include <cstddef>
#include <vector>

#include "nn/tensor.hpp"

namespace nn {

class Adam;

// The threaded step, nn/fast/adam.hpp, declared here for the friend below.
namespace fast {
class ThreadPool;
void adam_step(Adam& adam, const std::vector<Tensor*>& params, const std::vector<const Tensor*>& grads,
               ThreadPool& pool);
}  // namespace fast

/// Adam's hyper-parameters.
struct AdamConfig {
    float learning_rate = 0.001f;  ///< lr
    float beta1 = 0.9f;            ///< decay of the first moment
    float beta2 = 0.999f;          ///< decay of the second moment
    float epsilon = 1e-8f;         ///< added to sqrt(v); 1e-8 in TF1, 1e-7 in Keras
};

/// Adam's state for a list of parameters: one (m, v) pair each and a shared
/// step count t, as TensorFlow keeps one beta-power pair per optimizer.
class Adam {
public:
    /// An optimizer with the given hyper-parameters and no steps taken.
    /// @param config lr, beta1, beta2 and epsilon
    /// @throws std::invalid_argument naming the field if lr is negative, a
    ///         beta is outside [0, 1) or epsilon is not positive.
    explicit Adam(AdamConfig config = {});

    /// One update of every parameter from its gradient (formula at the top
    /// of adam.hpp). The first call fixes the number and shapes of the
    /// parameters; later calls must pass the same.
    /// @param params the parameters theta, updated in place
    /// @param grads  their gradients g, one per parameter, same shapes
    /// @throws std::invalid_argument naming the parameter index and both
    ///         shapes on a count or shape mismatch (nothing is updated then).
    void step(const std::vector<Tensor*>& params, const std::vector<const Tensor*>& grads);

    /// @return the number of steps taken so far, t
    long steps() const { return t_; }
    /// @return the hyper-parameters
    const AdamConfig& config() const { return config_; }

private:
    // The threaded step (nn/fast/adam.hpp) shares the values of step() out
    // between threads, with start_step() and update() below.
    friend void fast::adam_step(Adam& adam, const std::vector<Tensor*>& params,
                                const std::vector<const Tensor*>& grads, fast::ThreadPool& pool);

    // The checks, m and v created on the first step, t <- t + 1; returns lr_t.
    float start_step(const std::vector<Tensor*>& params, const std::vector<const Tensor*>& grads);
    // The update of values [begin, end) of parameter k.
    void update(std::size_t k, Tensor& theta, const Tensor& g, std::size_t begin, std::size_t end, float lr_t);

    AdamConfig config_;
    long t_ = 0;
    std::vector<Tensor> m_, v_;
};

}  // namespace nn
