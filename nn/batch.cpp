// Mini-batches and labels.
//
//   gather_samples: X_batch[k] = X[index[begin + k]]   X (m, ...) -> (end - begin, ...)
//   one_hot:        Y[i, labels[i]] = 1, else 0        labels (m) -> (m, num_classes)
#include "nn/batch.hpp"

#include <algorithm>
#include <string>

#include "nn/errors.hpp"

namespace nn {

Tensor gather_samples(const Tensor& X, const std::vector<std::size_t>& index, std::size_t begin,
                      std::size_t end) {
    require(X.rank() >= 1, "gather_samples", [&] { return "X must have a sample axis, got shape " + X.shape_str(); });
    require(begin <= end && end <= index.size(), "gather_samples", [&] {
        return "range [" + std::to_string(begin) + ", " + std::to_string(end) + ") is outside index of size " +
               std::to_string(index.size());
    });
    const std::size_t m = static_cast<std::size_t>(X.dim(0));
    Shape shape = X.shape;
    shape[0] = static_cast<int>(end - begin);
    Tensor X_batch(shape);
    const std::size_t n = m == 0 ? 0 : X.size() / m;  // values per sample
    for (std::size_t k = begin; k < end; ++k) {
        const std::size_t i = index[k];
        require(i < m, "gather_samples", [&] {  // built only on failure: this runs for every sample of every step
            return "index[" + std::to_string(k) + "] = " + std::to_string(i) + " but X " + X.shape_str() + " has " +
                   std::to_string(m) + " samples";
        });
        const float* x_i = X.data.data() + i * n;
        std::copy(x_i, x_i + n, X_batch.data.data() + (k - begin) * n);
    }
    return X_batch;
}

Tensor one_hot(const std::vector<int>& labels, int num_classes) {
    require(num_classes > 0, "one_hot", "num_classes must be positive, got " + std::to_string(num_classes));
    Tensor Y({static_cast<int>(labels.size()), num_classes});
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const int j = labels[i];
        require(j >= 0 && j < num_classes, "one_hot",
                "labels[" + std::to_string(i) + "] = " + std::to_string(j) + " is outside [0, " +
                    std::to_string(num_classes) + ")");
        Y.at(static_cast<int>(i), j) = 1.0f;
    }
    return Y;
}

}  // namespace nn
