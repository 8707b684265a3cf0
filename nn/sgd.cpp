// SGD with momentum, Nesterov momentum and L2 weight decay (see sgd.hpp).
//
//   g' = g + wd * theta
//   v  <- momentum * v - lr * g'
//   theta <- theta + v                       (classical)
//   theta <- theta + momentum * v - lr * g'  (Nesterov)
// Each v[k] has the shape of params[k]; all updates are elementwise.
#include "nn/sgd.hpp"

#include <string>

#include "nn/errors.hpp"

namespace nn {

SGD::SGD(SGDConfig config) : config_(config) {
    require(config.learning_rate >= 0.0f, "SGD",
            "learning_rate must not be negative, got " + std::to_string(config.learning_rate));
    require(config.momentum >= 0.0f && config.momentum <= 1.0f, "SGD",
            "momentum must be in [0, 1], got " + std::to_string(config.momentum));
    require(config.weight_decay >= 0.0f, "SGD",
            "weight_decay must not be negative, got " + std::to_string(config.weight_decay));
}

void SGD::step(const std::vector<Tensor*>& params, const std::vector<const Tensor*>& grads) {
    require(params.size() == grads.size(), "SGD::step",
            "got " + std::to_string(params.size()) + " params but " + std::to_string(grads.size()) + " grads");
    if (t_ == 0) {
        v_.clear();
        for (const Tensor* theta : params) v_.emplace_back(theta->shape);
    }
    require(params.size() == v_.size(), "SGD::step",
            "got " + std::to_string(params.size()) + " params but the first step had " + std::to_string(v_.size()));
    for (std::size_t k = 0; k < params.size(); ++k) {
        const std::string at = "param " + std::to_string(k);
        require(params[k]->shape == v_[k].shape, "SGD::step",
                at + " has shape " + params[k]->shape_str() + " but the first step had " + v_[k].shape_str());
        require(grads[k]->shape == params[k]->shape, "SGD::step",
                "grad " + std::to_string(k) + " has shape " + grads[k]->shape_str() + " but " + at + " has " +
                    params[k]->shape_str());
    }
    const float lr = config_.learning_rate, mu = config_.momentum, wd = config_.weight_decay;
    for (std::size_t k = 0; k < params.size(); ++k) {
        float* theta = params[k]->data.data();
        const float* g = grads[k]->data.data();
        float* v = v_[k].data.data();
        const std::size_t n = params[k]->size();
        if (config_.nesterov) {
            for (std::size_t j = 0; j < n; ++j) {
                const float g_wd = g[j] + wd * theta[j];
                v[j] = mu * v[j] - lr * g_wd;
                theta[j] += mu * v[j] - lr * g_wd;  // look ahead along the new velocity
            }
        } else {
            for (std::size_t j = 0; j < n; ++j) {
                const float g_wd = g[j] + wd * theta[j];
                v[j] = mu * v[j] - lr * g_wd;
                theta[j] += v[j];
            }
        }
    }
    ++t_;
}

}  // namespace nn
