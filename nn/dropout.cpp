// Inverted dropout, forward then backward (see dropout.hpp).
//
//   mask[j] = (u_j >= rate) / (1 - rate),  u_j uniform in [0, 1)
//   A       = A_prev ⊙ mask
//   dA_prev = dA ⊙ mask
// All tensors share A_prev's shape.
#include "nn/dropout.hpp"

#include <string>

#include "nn/errors.hpp"

namespace nn {

DropoutResult dropout_forward(const Tensor& A_prev, float rate, Rng& rng) {
    // Written so that NaN fails too.
    require(rate >= 0.0f && rate < 1.0f, "dropout_forward",
            "rate must be in [0, 1), got " + std::to_string(rate) + " (A_prev " + A_prev.shape_str() + ")");
    DropoutResult r{A_prev, Tensor(A_prev.shape, 1.0f)};
    if (rate == 0.0f) return r;  // keeps everything: no draws, the identity
    const float keep_scale = 1.0f / (1.0f - rate);
    for (std::size_t j = 0; j < A_prev.size(); ++j) {
        // P(u >= rate) = 1 - rate: element j is kept with that probability.
        r.mask.data[j] = rng.uniform() >= rate ? keep_scale : 0.0f;
        r.A.data[j] = A_prev.data[j] * r.mask.data[j];
    }
    return r;
}

Tensor dropout_backward(const Tensor& dA, const Tensor& mask) {
    require(dA.shape == mask.shape, "dropout_backward",
            "dA and mask must have the same shape (dA " + dA.shape_str() + ", mask " + mask.shape_str() + ")");
    Tensor dA_prev(dA.shape);
    // A[j] = A_prev[j] * mask[j], so dA_prev[j] = dA[j] * mask[j].
    for (std::size_t j = 0; j < dA.size(); ++j) dA_prev.data[j] = dA.data[j] * mask.data[j];
    return dA_prev;
}

}  // namespace nn
