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

#include <vector>

#include "nn/tensor.hpp"

namespace nn {

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
    explicit Adam(AdamConfig config = {});

    /// One update of every parameter from its gradient: params[k] -= ...
    /// grads[k]. The first call fixes the number and shapes of the
    /// parameters; later calls must pass the same, or std::invalid_argument
    /// is thrown naming the parameter index and both shapes.
    void step(const std::vector<Tensor*>& params, const std::vector<const Tensor*>& grads);

    /// Steps taken so far.
    long steps() const { return t_; }
    /// The hyper-parameters.
    const AdamConfig& config() const { return config_; }

private:
    AdamConfig config_;
    long t_ = 0;
    std::vector<Tensor> m_, v_;
};

}  // namespace nn
