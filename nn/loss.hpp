// Softmax cross-entropy from logits, its fused gradient, and accuracy.
//
//   loss = -(1/m) sum_i sum_j Y_ij log softmax(Z)_ij
//        = (1/m) sum_i [ logsumexp(Z_i) - sum_j Y_ij Z_ij ]   (stable form)
//   dZ   = (softmax(Z) - Y) / m
//   accuracy = (1/m) #{ i : argmax Z_i == argmax Y_i }   (first maximum wins)
// Z and Y are (m, n_classes); Y is one-hot (or any distribution per row).
#pragma once

#include "nn/tensor.hpp"

namespace nn {

/// Mean softmax cross-entropy over the batch. The sum runs in double.
/// @param Z logits, (m, n_classes)
/// @param Y targets, (m, n_classes): one-hot rows (or distributions)
/// @return the loss, finite for any finite logits
/// @throws std::invalid_argument unless Z and Y are the same rank-2 shape
///         with m > 0 and n_classes > 0.
double softmax_cross_entropy(const Tensor& Z, const Tensor& Y);

/// dLoss/dZ = (softmax(Z) - Y) / m for the mean loss above (rows of Y sum to 1).
/// @param Z logits, (m, n_classes)
/// @param Y targets, (m, n_classes)
/// @return dZ, (m, n_classes)
/// @throws std::invalid_argument like softmax_cross_entropy.
Tensor softmax_cross_entropy_backward(const Tensor& Z, const Tensor& Y);

/// Fraction of rows whose argmax in @p Y_pred equals the argmax in @p Y;
/// on ties the first maximum wins. Works on logits or probabilities alike
/// (softmax keeps the argmax).
/// @param Y_pred predictions, (m, n_classes)
/// @param Y      targets, (m, n_classes)
/// @return a value in [0, 1]
/// @throws std::invalid_argument unless both are the same rank-2 shape with m > 0.
double accuracy(const Tensor& Y_pred, const Tensor& Y);

}  // namespace nn
