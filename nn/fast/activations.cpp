// Activations on a ThreadPool: nn/activations' loop runs on contiguous
// shares of the samples, the pool's chunks, whichever thread takes them.
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

// Runs body(from, to) on contiguous shares of @p T's values, whole samples
// each (the pool's chunks of the samples), on the threads of @p pool; nothing
// for an empty tensor.
template <typename Body>
void for_each_share(const Tensor& T, ThreadPool& pool, Body body) {
    if (T.size() == 0) return;
    const int m = T.rank() == 0 ? 1 : T.dim(0);
    const std::size_t per_sample = T.size() / static_cast<std::size_t>(m);
    pool.run(m, pool.threads_for(static_cast<double>(T.size()), m, kMinValuesPerThread), [&](int, int begin, int end) {
        body(static_cast<std::size_t>(begin) * per_sample, static_cast<std::size_t>(end) * per_sample);
    });
}

}  // namespace

Tensor activation_forward(const Tensor& Z, Activation act, ThreadPool& pool) {
    Tensor A(Z.shape);
    const float* z = Z.data.data();
    float* a = A.data.data();
    for_each_share(Z, pool, [&](std::size_t from, std::size_t to) {
        for (std::size_t j = from; j < to; j += kBlock) {
            const std::size_t n = std::min(kBlock, to - j);
            std::copy(z + j, z + j + n, a + j);
            act.apply(a + j, n);
        }
    });
    return A;
}

Tensor activation_backward(const Tensor& dA, const Tensor& A, Activation act, ThreadPool& pool) {
    require(dA.shape == A.shape, "fast::activation_backward",
            [&] { return "dA and A must have the same shape (dA " + dA.shape_str() + ", A " + A.shape_str() + ")"; });
    Tensor dZ(dA.shape);
    for_each_share(dA, pool, [&](std::size_t from, std::size_t to) {
        nn::activation_backward(dA.data.data() + from, A.data.data() + from, dZ.data.data() + from, to - from, act);
    });
    return dZ;
}

}  // namespace nn::fast
