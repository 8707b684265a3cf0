// Activation backward on a ThreadPool: each thread runs nn/activations'
// loop on its own contiguous share of the samples.
#include "nn/fast/activations.hpp"

#include <cstddef>

#include "nn/errors.hpp"

namespace nn {

namespace {

// Values that pay for one more freshly started thread (a value is a fraction
// of a nanosecond); a kept pool needs Workers::kPoolDiscount times less.
constexpr double kMinValuesPerThread = 1 << 18;

}  // namespace

void activation_backward_fast(const Tensor& dA, const Tensor& A, Activation act, ThreadPool& pool, Tensor& dZ) {
    const char* fn = "activation_backward_fast";
    require(dA.shape == A.shape, fn,
            [&] { return "dA and A must have the same shape (dA " + dA.shape_str() + ", A " + A.shape_str() + ")"; });
    require(&dZ != &A, fn, "the output dZ must not be A (it may be dA)");
    if (&dZ != &dA) resize_output(dZ, dA.shape);
    if (dA.size() == 0) return;
    const int m = dA.rank() == 0 ? 1 : dA.dim(0);
    const std::size_t per_sample = dA.size() / static_cast<std::size_t>(m);
    const Workers workers(pool);
    workers.run(m, workers.threads_for(static_cast<double>(dA.size()), m, kMinValuesPerThread),
                [&](int, int begin, int end) {
                    const std::size_t from = static_cast<std::size_t>(begin) * per_sample;
                    activation_backward(dA.data.data() + from, A.data.data() + from, dZ.data.data() + from,
                                        static_cast<std::size_t>(end - begin) * per_sample, act);
                });
}

}  // namespace nn
