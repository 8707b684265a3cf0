// Adam in TensorFlow's form (see adam.hpp):
//
//   t    <- t + 1
//   lr_t =  lr * sqrt(1 - beta2^t) / (1 - beta1^t)       (in double)
//   m    <- beta1 m + (1 - beta1) g
//   v    <- beta2 v + (1 - beta2) g^2
//   theta <- theta - lr_t * m / (sqrt(v) + epsilon)
// m[k] and v[k] have the shape of params[k]; all updates are elementwise.
#include "nn/adam.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "nn/errors.hpp"
#include "nn/fast/thread_pool.hpp"

namespace nn {

namespace {

// Values below which one thread updates everything: a kept pool costs about
// 1 us per loop, and a thread updates about 4,000 values per microsecond.
constexpr std::size_t kMinValuesPerThread = 16384;

}  // namespace

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
    step(params, grads, nullptr);
}

void Adam::step(const std::vector<Tensor*>& params, const std::vector<const Tensor*>& grads, ThreadPool& pool) {
    step(params, grads, &pool);
}

void Adam::step(const std::vector<Tensor*>& params, const std::vector<const Tensor*>& grads, ThreadPool* pool) {
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
    std::size_t total = 0;  // values in all the parameters
    for (std::size_t k = 0; k < params.size(); ++k) {
        require(params[k]->shape == m_[k].shape, "Adam::step", [&] {
            return "param " + std::to_string(k) + " has shape " + params[k]->shape_str() + " but the first step had " +
                   m_[k].shape_str();
        });
        require(grads[k]->shape == params[k]->shape, "Adam::step", [&] {
            return "grad " + std::to_string(k) + " has shape " + grads[k]->shape_str() + " but param " +
                   std::to_string(k) + " has " + params[k]->shape_str();
        });
        total += params[k]->size();
    }

    ++t_;
    // The bias corrections of m and v, folded into one step size. TensorFlow
    // keeps the powers beta^t as variables; computing them in double from t
    // gives the same numbers to float precision without extra state.
    const double beta1_t = std::pow(static_cast<double>(config_.beta1), static_cast<double>(t_));
    const double beta2_t = std::pow(static_cast<double>(config_.beta2), static_cast<double>(t_));
    const float lr_t = static_cast<float>(config_.learning_rate * std::sqrt(1.0 - beta2_t) / (1.0 - beta1_t));
    const float b1 = config_.beta1, b2 = config_.beta2, eps = config_.epsilon;
    const float tiny = std::numeric_limits<float>::min();  // the smallest normal float

    // Values [begin, end) of the parameters laid end to end: every value is
    // updated on its own, so any split gives the same numbers.
    // The constants are captured by value: captured by reference they could
    // alias the float arrays, and the loop would reload them at every value.
    auto update = [this, &params, &grads, lr_t, b1, b2, eps, tiny](std::size_t begin, std::size_t end) {
        std::size_t first = 0;  // where params[k] starts in the end-to-end numbering
        for (std::size_t k = 0; k < params.size() && first < end; first += params[k]->size(), ++k) {
            const std::size_t n = params[k]->size();
            const std::size_t j0 = std::max(begin, first) - first, j1 = std::min(end, first + n) - first;
            if (j0 >= std::min(n, j1)) continue;
            float* theta = params[k]->data.data();
            const float* g = grads[k]->data.data();
            float* m = m_[k].data.data();
            float* v = v_[k].data.data();
            for (std::size_t j = j0; j < j1; ++j) {
                float m_j = b1 * m[j] + (1.0f - b1) * g[j];         // first moment: running mean of g
                float v_j = b2 * v[j] + (1.0f - b2) * g[j] * g[j];  // second moment: running mean of g^2
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
                theta[j] -= lr_t * m_j / (std::sqrt(v_j) + eps);
            }
        }
    };
    if (!pool || pool->size() == 1 || total < kMinValuesPerThread) {
        update(0, total);
        return;
    }
    // Split into whole multiples of 16 values, so each thread's vector loop starts aligned to the same lanes.
    const int chunks = static_cast<int>((total + 15) / 16);
    pool->run(chunks, pool->size(), [&](int, int begin, int end) {
        update(static_cast<std::size_t>(begin) * 16, std::min(total, static_cast<std::size_t>(end) * 16));
    });
}

}  // namespace nn
