// Mini-batches and labels: the two pieces of data handling a training loop
// needs besides the passes.
//
//   gather_samples: X_batch[k] = X[index[k]] for k in [begin, end)
//                   X (m, ...) -> X_batch (end - begin, ...), same trailing shape
//   one_hot:        Y[i, j] = 1 if labels[i] == j else 0
//                   labels (m) -> Y (m, num_classes)
#pragma once

#include <cstddef>
#include <vector>

#include "nn/tensor.hpp"

namespace nn {

/// The samples X[index[begin]], ..., X[index[end - 1]] stacked in that order:
/// a mini-batch drawn through a (shuffled) index. Each sample is the
/// contiguous block of X that starts at X.sample(i).
/// @param X     data, (m, ...) with rank >= 1
/// @param index sample numbers, each in [0, m)
/// @param begin first position of @p index to take
/// @param end   one past the last position, begin <= end <= index.size()
/// @return (end - begin, ...) with X's trailing shape
/// @throws std::invalid_argument when X has rank 0, the range is outside
///         @p index, or an index is outside [0, m).
Tensor gather_samples(const Tensor& X, const std::vector<std::size_t>& index, std::size_t begin,
                      std::size_t end);

/// One-hot rows from class labels, as Keras's to_categorical.
/// @param labels      m labels, each in [0, num_classes)
/// @param num_classes number of columns, positive
/// @return Y, (m, num_classes), a single 1 in each row
/// @throws std::invalid_argument when num_classes is not positive or a label
///         is out of range (naming its position).
Tensor one_hot(const std::vector<int>& labels, int num_classes);

}  // namespace nn
