// Stochastic gradient descent with optional momentum, Nesterov momentum and
// L2 weight decay, in Keras's form (keras.optimizers.SGD).
//
//   g' = g + weight_decay * theta                 (L2 penalty folded into the gradient)
//   v  <- momentum * v - lr * g'                  (v starts at 0)
//   theta <- theta + v                            (classical momentum)
//   theta <- theta + momentum * v - lr * g'       (nesterov = true; v already updated)
// With momentum 0 both reduce to theta <- theta - lr * g'.
//
// This is the update AlexNet was trained with (Krizhevsky et al. 2012,
// section 5): batches of 128, momentum 0.9, weight decay 0.0005, where the
// decay term enters the velocity scaled by the learning rate, exactly as
// lr * (g + wd * theta) does here.
#pragma once

#include <vector>

#include "nn/tensor.hpp"

namespace nn {

/// SGD's hyper-parameters; the defaults are Keras's.
struct SGDConfig {
    float learning_rate = 0.01f;  ///< lr, not negative
    float momentum = 0.0f;        ///< velocity decay in [0, 1]; 0 is plain SGD
    float weight_decay = 0.0f;    ///< L2 coefficient added to the gradient as wd * theta, not negative
    bool nesterov = false;        ///< Nesterov's look-ahead variant of momentum
};

/// SGD's state for a list of parameters: one velocity tensor each.
class SGD {
public:
    /// An optimizer with the given hyper-parameters and zero velocities.
    /// @param config lr, momentum, weight decay and nesterov
    /// @throws std::invalid_argument naming the field if a hyper-parameter is
    ///         out of range (negative lr or weight decay, momentum outside [0, 1]).
    explicit SGD(SGDConfig config = {});

    /// One update of every parameter from its gradient (formula at the top
    /// of sgd.hpp). The first call fixes the number and shapes of the
    /// parameters; later calls must pass the same.
    /// @param params the parameters theta, updated in place
    /// @param grads  their gradients g, one per parameter, same shapes
    /// @throws std::invalid_argument naming the parameter index and both
    ///         shapes on a count or shape mismatch.
    void step(const std::vector<Tensor*>& params, const std::vector<const Tensor*>& grads);

    /// @return the number of steps taken so far
    long steps() const { return t_; }
    /// @return the hyper-parameters
    const SGDConfig& config() const { return config_; }

private:
    SGDConfig config_;
    long t_ = 0;
    std::vector<Tensor> v_;
};

}  // namespace nn
