// Small whole-tensor helpers the graph front-end needs for accuracy, the
// mean loss and the backward walk: each is one loop, kept here so that
// nothing under lenet/ loops over tensor elements.
//
//   argmax_last(X)           I[r] = first j with X[r, j] = max_k X[r, k]    X (..., n) -> (...)
//   equal(A, B)              E = 1 where A = B, else 0                      same shape
//   mean(X)                  (1/N) sum of all N values, summed in double     -> a number
//   one_hot_indices(I, n)    Y[r, j] = 1 if I[r] = j, else 0                I (...) -> (..., n)
//   scale(X, s)              s X                                            same shape
//   add_into(acc, X)         acc <- acc + X                                 same shape
// Indices are whole numbers stored as float (exact up to 2^24).
#pragma once

#include "nn/tensor.hpp"

namespace nn {

/// Index of the first maximum along the last axis, as TensorFlow's
/// tf.argmax(X, axis=-1) (ties go to the lowest index).
/// @param X (..., n) with rank >= 1 and n > 0
/// @return (...), X's shape without its last axis; each value is an index in [0, n)
/// @throws std::invalid_argument when X has rank 0 or an empty last axis.
Tensor argmax_last(const Tensor& X);

/// Elementwise equality, 1 where A and B hold the same value, 0 elsewhere.
/// @param A any shape
/// @param B the same shape as A
/// @return a tensor of A's shape holding 0 and 1
/// @throws std::invalid_argument naming both shapes when they differ.
Tensor equal(const Tensor& A, const Tensor& B);

/// The mean of all values of X, summed in double.
/// @param X any shape with at least one value
/// @return (1/N) sum_k X.data[k]
/// @throws std::invalid_argument when X holds no values.
double mean(const Tensor& X);

/// One-hot rows from a tensor of class indices, as TensorFlow's tf.one_hot.
/// @param indices any shape; each value a whole number in [0, depth)
/// @param depth   number of classes, positive
/// @return indices' shape with depth appended; a single 1 per row
/// @throws std::invalid_argument when depth is not positive or a value is
///         not a whole number in [0, depth) (naming its position).
Tensor one_hot_indices(const Tensor& indices, int depth);

/// s X: every value multiplied by @p s.
/// @param X any shape
/// @param s the factor
/// @return a tensor of X's shape
Tensor scale(const Tensor& X, float s);

/// acc += X, value by value (the sum of gradient contributions).
/// @param acc the running sum, changed in place
/// @param X   a tensor of acc's shape
/// @throws std::invalid_argument naming both shapes when they differ.
void add_into(Tensor& acc, const Tensor& X);

}  // namespace nn
