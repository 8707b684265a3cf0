// Activation backward on a ThreadPool: each thread runs nn/activations'
// loop on its own contiguous share of the samples.
#include "nn/fast/activations.hpp"

#include <cstddef>

#include "nn/errors.hpp"

namespace nn::fast {

namespace {

// Values that pay for one more freshly started thread (a value is a fraction
// of a nanosecond); a kept pool needs ThreadPool::kPoolDiscount times less.
constexpr double kMinValuesPerThread = 1 << 18;

}  // namespace

Tensor activation_backward(const Tensor& dA, const Tensor& A, Activation act, ThreadPool& pool) {
    require(dA.shape == A.shape, "fast::activation_backward",
            [&] { return "dA and A must have the same shape (dA " + dA.shape_str() + ", A " + A.shape_str() + ")"; });
    Tensor dZ(dA.shape);
    if (dA.size() == 0) return dZ;
    const int m = dA.rank() == 0 ? 1 : dA.dim(0);
    const std::size_t per_sample = dA.size() / static_cast<std::size_t>(m);
    pool.run(m, pool.threads_for(static_cast<double>(dA.size()), m, kMinValuesPerThread), [&](int, int begin, int end) {
        const std::size_t from = static_cast<std::size_t>(begin) * per_sample;
        nn::activation_backward(dA.data.data() + from, A.data.data() + from, dZ.data.data() + from,
                                static_cast<std::size_t>(end - begin) * per_sample, act);
    });
    return dZ;
}

}  // namespace nn::fast
