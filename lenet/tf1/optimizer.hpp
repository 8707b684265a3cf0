// tf.train.AdamOptimizer: minimize(loss) adds the gradients of the loss
// with respect to the variables (lenet/tf1/gradients.hpp) and one op,
// "Adam", that applies one nn::Adam step to all of them when it runs:
//
//   t <- t + 1,  m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2,
//   W <- W - lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)
//
// Adam's state (m, v, t) lives in the session, under the train op, like TF's
// slot variables; global_variables_initializer() resets it.
#pragma once

#include <string>
#include <vector>

#include "lenet/tf1/graph.hpp"
#include "nn/adam.hpp"

namespace tf1 {

/// tf.train.AdamOptimizer with TF1's defaults (lr 0.001, beta1 0.9, beta2 0.999, epsilon 1e-8).
class AdamOptimizer {
public:
    /// An optimizer with TF1's argument order and defaults.
    /// @param learning_rate lr
    /// @param beta1         decay of the first moment
    /// @param beta2         decay of the second moment
    /// @param epsilon       added to sqrt(v)
    explicit AdamOptimizer(float learning_rate = 0.001f, float beta1 = 0.9f, float beta2 = 0.999f,
                           float epsilon = 1e-8f)
        : config_{learning_rate, beta1, beta2, epsilon} {}

    /// The train op: one Adam step on every variable of @p var_list.
    /// @param loss     a float32 tensor (the mean loss)
    /// @param var_list variables to update; empty = every variable of the graph
    /// @param name     node name, made unique
    /// @return the op to pass to Session::run
    /// @throws ValueError when an entry of var_list is not a variable of the
    ///         loss's graph, or the loss does not depend on it.
    Operation minimize(const Tensor& loss, std::vector<Tensor> var_list = {}, const std::string& name = "Adam") const;

    /// @return the hyper-parameters
    const nn::AdamConfig& config() const { return config_; }

private:
    nn::AdamConfig config_;
};

}  // namespace tf1
