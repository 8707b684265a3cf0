// Activations on a ThreadPool: each thread runs nn/activations' loop on its
// own contiguous share of the samples.
#include "nn/fast/activations.hpp"

#include <algorithm>
#include <cstddef>

#include "nn/errors.hpp"

namespace nn::fast {

namespace {

// Values that pay for one more freshly started thread (a value is a fraction
// of a nanosecond); a kept pool needs ThreadPool::kPoolDiscount times less.
constexpr double kMinValuesPerThread = 1 << 18;

// Values copied and then activated together: a block is still in the L1
// cache when Activation::apply reads it back (one pass over memory, not two).
constexpr std::size_t kBlock = 2048;

}  // namespace

Tensor activation_forward(const Tensor& Z, Activation act, ThreadPool& pool) {
    Tensor A(Z.shape);
    if (Z.size() == 0) return A;
    const int m = Z.rank() == 0 ? 1 : Z.dim(0);
    const std::size_t per_sample = Z.size() / static_cast<std::size_t>(m);
    pool.run(m, pool.threads_for(static_cast<double>(Z.size()), m, kMinValuesPerThread), [&](int, int begin, int end) {
        const std::size_t to = static_cast<std::size_t>(end) * per_sample;
        for (std::size_t j = static_cast<std::size_t>(begin) * per_sample; j < to; j += kBlock) {
            const std::size_t n = std::min(kBlock, to - j);
            std::copy(Z.data.begin() + static_cast<std::ptrdiff_t>(j),
                      Z.data.begin() + static_cast<std::ptrdiff_t>(j + n), A.data.begin() + static_cast<std::ptrdiff_t>(j));
            act.apply(A.data.data() + j, n);
        }
    });
    return A;
}

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
