// Whole-tensor helpers: argmax along the last axis, equality, mean, one-hot
// from an index tensor, scaling and in-place sums.
//
//   argmax_last: X (..., n) -> I (...),   I[r] = first j maximising X[r, j]
//   equal:       E[k] = (A[k] == B[k])
//   mean:        (1/N) sum_k X[k], in double
//   one_hot_indices: I (...) -> Y (..., depth), Y[r, I[r]] = 1
//   scale:       s X          add_into: acc += X
#include "nn/reduce.hpp"

#include <cmath>
#include <string>

#include "nn/errors.hpp"

namespace nn {

Tensor argmax_last(const Tensor& X) {
    require(X.rank() >= 1, "argmax_last", [&] { return "X must have at least one axis, got shape " + X.shape_str(); });
    const int n = X.dim(X.rank() - 1);
    require(n > 0, "argmax_last", [&] { return "the last axis of X " + X.shape_str() + " is empty"; });
    Shape shape(X.shape.begin(), X.shape.end() - 1);
    Tensor I(shape);
    for (std::size_t r = 0; r < I.size(); ++r) {
        const float* x_r = X.data.data() + r * static_cast<std::size_t>(n);
        int best = 0;
        for (int j = 1; j < n; ++j)
            if (x_r[j] > x_r[best]) best = j;  // strict: the first maximum wins ties
        I.data[r] = static_cast<float>(best);
    }
    return I;
}

Tensor equal(const Tensor& A, const Tensor& B) {
    require(A.shape == B.shape, "equal",
            [&] { return "A and B must have the same shape (A " + A.shape_str() + ", B " + B.shape_str() + ")"; });
    Tensor E(A.shape);
    for (std::size_t k = 0; k < E.size(); ++k) E.data[k] = A.data[k] == B.data[k] ? 1.0f : 0.0f;
    return E;
}

double mean(const Tensor& X) {
    require(!X.data.empty(), "mean", [&] { return "X " + X.shape_str() + " holds no values"; });
    double sum = 0.0;
    for (float x : X.data) sum += x;
    return sum / static_cast<double>(X.size());
}

Tensor one_hot_indices(const Tensor& indices, int depth) {
    require(depth > 0, "one_hot_indices", "depth must be positive, got " + std::to_string(depth));
    Shape shape = indices.shape;
    shape.push_back(depth);
    Tensor Y(shape);
    for (std::size_t r = 0; r < indices.size(); ++r) {
        const float v = indices.data[r];
        require(v >= 0.0f && v < static_cast<float>(depth) && std::floor(v) == v, "one_hot_indices", [&] {
            return "indices[" + std::to_string(r) + "] = " + std::to_string(v) + " is not a whole number in [0, " +
                   std::to_string(depth) + ") (indices " + indices.shape_str() + ")";
        });
        Y.data[r * static_cast<std::size_t>(depth) + static_cast<std::size_t>(v)] = 1.0f;
    }
    return Y;
}

Tensor scale(const Tensor& X, float s) {
    Tensor Y = X;
    for (float& y : Y.data) y *= s;
    return Y;
}

void add_into(Tensor& acc, const Tensor& X) {
    require(acc.shape == X.shape, "add_into", [&] {
        return "acc and X must have the same shape (acc " + acc.shape_str() + ", X " + X.shape_str() + ")";
    });
    for (std::size_t k = 0; k < X.size(); ++k) acc.data[k] += X.data[k];
}

}  // namespace nn
