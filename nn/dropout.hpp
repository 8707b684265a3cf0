// Inverted dropout, as Keras's Dropout layer does it, forward then backward.
//
//   mask[j] = 0 with probability rate, else 1 / (1 - rate)
//   A       = A_prev ⊙ mask           (forward, training only)
//   dA_prev = dA ⊙ mask               (backward)
// Scaling the kept units at training time keeps E[A] = A_prev, so inference
// uses the layer as the identity and needs nothing. All tensors share one
// shape, any rank. Krizhevsky et al. (2012, section 4.2) drop with rate 0.5
// and instead halve the outputs at test time; the two are equivalent in
// expectation.
#pragma once

#include "nn/rng.hpp"
#include "nn/tensor.hpp"

namespace nn {

/// What dropout_forward returns: the output and the mask that made it.
struct DropoutResult {
    Tensor A;     ///< A_prev ⊙ mask, shaped like A_prev
    Tensor mask;  ///< 0 (dropped) or 1 / (1 - rate) (kept) per element, shaped like A_prev
};

/// Drops each element of @p A_prev independently with probability @p rate
/// and scales the rest by 1 / (1 - rate). One uniform draw per element, in
/// row-major order; with rate 0 nothing is drawn and A equals A_prev.
/// @param A_prev the layer input, any shape
/// @param rate   probability of dropping an element, in [0, 1)
/// @param rng    the random source the mask is drawn from
/// @return {A, mask}
/// @throws std::invalid_argument if rate is outside [0, 1).
DropoutResult dropout_forward(const Tensor& A_prev, float rate, Rng& rng);

/// dA_prev = dA ⊙ mask: the gradient flows only through the kept elements,
/// with the same scale as the forward pass.
/// @param dA   gradient of the loss with respect to the dropout output
/// @param mask the mask dropout_forward returned
/// @return dA_prev, shaped like dA
/// @throws std::invalid_argument if dA and mask differ in shape.
Tensor dropout_backward(const Tensor& dA, const Tensor& mask);

}  // namespace nn
