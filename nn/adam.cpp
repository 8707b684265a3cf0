// Adam in TensorFlow's form (see adam.hpp):
//
//   t    <- t + 1
//   lr_t =  lr * sqrt(1 - beta2^t) / (1 - beta1^t)       (in double)
//   m    <- beta1 m + (1 - beta1) g
//   v    <- beta2 v + (1 - beta2) g^2
//   theta <- theta - lr_t * m / (sqrt(v) + epsilon)
// m[k] and v[k] have the shape of params[k]; all updates are elementwise.
#include "nn/adam.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "nn/errors.hpp"

namespace nn {

Adam::Adam(AdamConfig config) : config_(config) {
    require(config.learning_rate >= 0.0f, "Adam",
            "learning_rate must not be negative, got " + std::to_string(config.learning_rate));
    require(config.beta1 >= 0.0f && config.beta1 < 1.0f, "Adam",
            "beta1 must be in [0, 1), got " + std::to_string(config.beta1));
    require(config.beta2 >= 0.0f && config.beta2 < 1.0f, "Adam",
            "beta2 must be in [0, 1), got " + std::to_string(config.beta2));
    require(config.epsilon > 0.0f, "Adam", "epsilon must be positive, got " + std::to_string(config.epsilon));
}

void Adam::step(const std::vector<Tensor*>& params, const std::vector<const Tensor*>& grads) {
    const float lr_t = start_step(params, grads);
    for (std::size_t k = 0; k < params.size(); ++k) update(k, *params[k], *grads[k], 0, params[k]->size(), lr_t);
}

float Adam::start_step(const std::vector<Tensor*>& params, const std::vector<const Tensor*>& grads) {
    require(params.size() == grads.size(), "Adam::step", [&] {
        return "got " + std::to_string(params.size()) + " params but " + std::to_string(grads.size()) + " grads";
    });
    if (t_ == 0) {
        m_.clear();
        v_.clear();
        for (const Tensor* theta : params) {
            m_.emplace_back(theta->shape);
            v_.emplace_back(theta->shape);
        }
    }
    require(params.size() == m_.size(), "Adam::step", [&] {
        return "got " + std::to_string(params.size()) + " params but the first step had " + std::to_string(m_.size());
    });
    for (std::size_t k = 0; k < params.size(); ++k) {
        require(params[k]->shape == m_[k].shape, "Adam::step", [&] {
            return "param " + std::to_string(k) + " has shape " + params[k]->shape_str() + " but the first step had " +
                   m_[k].shape_str();
        });
        require(grads[k]->shape == params[k]->shape, "Adam::step", [&] {
            return "grad " + std::to_string(k) + " has shape " + grads[k]->shape_str() + " but param " +
                   std::to_string(k) + " has " + params[k]->shape_str();
        });
    }

    ++t_;
    // The bias corrections of m and v, folded into one step size. TensorFlow
    // keeps the powers beta^t as variables; computing them in double from t
    // gives the same numbers to float precision without extra state.
    const double beta1_t = std::pow(static_cast<double>(config_.beta1), static_cast<double>(t_));
    const double beta2_t = std::pow(static_cast<double>(config_.beta2), static_cast<double>(t_));
    return static_cast<float>(config_.learning_rate * std::sqrt(1.0 - beta2_t) / (1.0 - beta1_t));
}

void Adam::update(std::size_t k, Tensor& theta, const Tensor& g, std::size_t begin, std::size_t end, float lr_t) {
    // Local copies of the constants: read through `this` they could alias
    // the float arrays, and the loop would reload them at every value.
    const float b1 = config_.beta1, b2 = config_.beta2, eps = config_.epsilon;
    const float tiny = std::numeric_limits<float>::min();  // the smallest normal float
    float* th = theta.data.data();
    const float* gr = g.data.data();
    float* m = m_[k].data.data();
    float* v = v_[k].data.data();
    for (std::size_t j = begin; j < end; ++j) {
        float m_j = b1 * m[j] + (1.0f - b1) * gr[j];          // first moment: running mean of g
        float v_j = b2 * v[j] + (1.0f - b2) * gr[j] * gr[j];  // second moment: running mean of g^2
        // Subnormal moments become 0, as in TensorFlow (it runs with the
        // processor's flush-to-zero mode): where g stays 0 (a dead ReLU), m
        // shrinks by beta1 per step and is subnormal after ~800 steps, and
        // x86 computes with subnormals about 100x slower (`plaincnn bench`:
        // Adam took 28% of a LeNet-5 epoch). Selects, not branches, so
        // the loop vectorises.
        m_j = std::fabs(m_j) < tiny ? 0.0f : m_j;
        v_j = v_j < tiny ? 0.0f : v_j;
        m[j] = m_j;
        v[j] = v_j;
        th[j] -= lr_t * m_j / (std::sqrt(v_j) + eps);
    }
}

}  // namespace nn
