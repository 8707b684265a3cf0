// Context: each pass dispatched to the reference loop nest or to its fast
// variant on the context's threads (see context.hpp).
#include "nn/context.hpp"

#include <string>

#include "nn/conv_forward.hpp"
#include "nn/errors.hpp"
#include "nn/fast/activations.hpp"
#include "nn/fast/adam.hpp"
#include "nn/fast/conv_backward.hpp"
#include "nn/fast/conv_forward.hpp"
#include "nn/fast/dense.hpp"
#include "nn/fast/heap.hpp"
#include "nn/fast/pool.hpp"
#include "nn/fast/thread_pool.hpp"
#include "nn/pool_backward.hpp"

namespace nn {

Context::Context(int threads, Passes passes) : passes_(passes) {
    require(threads >= 0, "Context", [&] { return "threads must not be negative, got " + std::to_string(threads); });
    fast::keep_freed_memory();  // for the reference passes' tensors too (see nn/fast/heap.hpp)
    if (passes_ == Passes::fast) pool_ = std::make_unique<fast::ThreadPool>(threads);
}

Context::~Context() = default;
Context::Context(Context&&) noexcept = default;
Context& Context::operator=(Context&&) noexcept = default;

int Context::threads() const { return pool_ ? pool_->size() : 1; }

Tensor Context::conv_forward(const Tensor& A_prev, const Tensor& W, const Tensor& b, Activation activation,
                             Padding padding, Stride stride) {
    if (!pool_) return nn::conv_forward(A_prev, W, b, activation, padding, stride);
    return fast::conv_forward(A_prev, W, b, activation, padding, stride, *pool_);
}

ConvGrads Context::conv_backward(const Tensor& dZ, const Tensor& A_prev, const Tensor& W, const Tensor& b,
                                 Padding padding, Stride stride, bool need_dA_prev) {
    if (pool_) return fast::conv_backward(dZ, A_prev, W, b, padding, stride, *pool_, need_dA_prev);
    ConvGrads g = nn::conv_backward(dZ, A_prev, W, b, padding, stride);
    if (!need_dA_prev) g.dA_prev = Tensor();  // as the fast pass leaves it
    return g;
}

Tensor Context::pool_forward(const Tensor& A_prev, Window kernel_shape, Stride stride, PoolMode mode) {
    if (!pool_) return nn::pool_forward(A_prev, kernel_shape, stride, mode);
    return fast::pool_forward(A_prev, kernel_shape, stride, mode, *pool_);
}

Tensor Context::pool_backward(const Tensor& dA, const Tensor& A_prev, Window kernel_shape, Stride stride,
                              PoolMode mode) {
    if (!pool_) return nn::pool_backward(dA, A_prev, kernel_shape, stride, mode);
    return fast::pool_backward(dA, A_prev, kernel_shape, stride, mode, *pool_);
}

Tensor Context::dense_forward(const Tensor& A_prev, const Tensor& W, const Tensor& b) {
    if (!pool_) return nn::dense_forward(A_prev, W, b);
    return fast::dense_forward(A_prev, W, b, *pool_);
}

DenseGrads Context::dense_backward(const Tensor& dZ, const Tensor& A_prev, const Tensor& W, const Tensor& b) {
    if (!pool_) return nn::dense_backward(dZ, A_prev, W, b);
    return fast::dense_backward(dZ, A_prev, W, b, *pool_);
}

Tensor Context::activation_forward(const Tensor& Z, Activation activation) {
    if (!pool_) return nn::activation_forward(Z, activation);
    return fast::activation_forward(Z, activation, *pool_);
}

Tensor Context::activation_backward(const Tensor& dA, const Tensor& A, Activation activation) {
    if (!pool_) return nn::activation_backward(dA, A, activation);
    return fast::activation_backward(dA, A, activation, *pool_);
}

void Context::adam_step(Adam& adam, const std::vector<Tensor*>& params, const std::vector<const Tensor*>& grads) {
    if (!pool_) return adam.step(params, grads);
    fast::adam_step(adam, params, grads, *pool_);
}

}  // namespace nn
