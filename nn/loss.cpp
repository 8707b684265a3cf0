// Softmax cross-entropy from logits, its fused gradient, and accuracy (see loss.hpp).
//
//   lse_i = max_i + log sum_j e^(Z_ij - max_i)                (stable log-sum-exp)
//   loss  = (1/m) sum_i sum_j Y_ij (lse_i - Z_ij)              (= -log softmax, weighted by Y)
//   dZ    = (softmax(Z) - Y) / m
//   accuracy = (1/m) #{ i : argmax Z_i == argmax Y_i }, the first maximum winning
// Z, Y and dZ are (m, n_classes). Sums run in double.
#include "nn/loss.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "nn/activations.hpp"
#include "nn/errors.hpp"

namespace nn {

namespace {

void check_pair(const char* fn, const char* z_name, const Tensor& Z, const Tensor& Y) {
    // Every training step passes here: the messages are built only on failure.
    auto shapes = [&] { return " (" + std::string(z_name) + " " + Z.shape_str() + ", Y " + Y.shape_str() + ")"; };
    require(Z.rank() == 2, fn, [&] { return std::string(z_name) + " must be rank 2 (m, n_classes)" + shapes(); });
    require(Y.shape == Z.shape, fn, [&] { return std::string(z_name) + " and Y must have the same shape" + shapes(); });
    require(Z.dim(0) > 0 && Z.dim(1) > 0, fn, [&] { return "need at least one sample and one class" + shapes(); });
}

// Index of the first maximum of row[0..n).
int argmax(const float* row, int n) {
    int best = 0;
    for (int j = 1; j < n; ++j)
        if (row[j] > row[best]) best = j;
    return best;
}

}  // namespace

double softmax_cross_entropy(const Tensor& Z, const Tensor& Y) {
    check_pair("softmax_cross_entropy", "Z", Z, Y);
    const int m = Z.dim(0), n = Z.dim(1);
    double total = 0.0;
    for (int i = 0; i < m; ++i) {
        const float* z_i = Z.data.data() + static_cast<std::size_t>(i) * n;
        const float* y_i = Y.data.data() + static_cast<std::size_t>(i) * n;
        // Shifting by the row maximum keeps every exponent <= 0: no overflow,
        // and the sum is at least 1, so its log is finite.
        const double z_max = *std::max_element(z_i, z_i + n);
        double sum = 0.0;
        for (int j = 0; j < n; ++j) sum += std::exp(z_i[j] - z_max);
        const double lse = z_max + std::log(sum);
        for (int j = 0; j < n; ++j) total += y_i[j] * (lse - z_i[j]);  // -Y_ij log softmax(Z)_ij
    }
    return total / m;
}

Tensor softmax_cross_entropy_backward(const Tensor& Z, const Tensor& Y) {
    check_pair("softmax_cross_entropy_backward", "Z", Z, Y);
    // The softmax Jacobian and the log's 1/p cancel: with rows of Y summing
    // to 1, d(-sum_j Y_j log p_j)/dZ_k = p_k - Y_k.
    Tensor dZ = softmax_forward(Z);
    const float inv_m = 1.0f / static_cast<float>(Z.dim(0));
    for (std::size_t j = 0; j < dZ.size(); ++j) dZ.data[j] = (dZ.data[j] - Y.data[j]) * inv_m;
    return dZ;
}

double accuracy(const Tensor& Y_pred, const Tensor& Y) {
    check_pair("accuracy", "Y_pred", Y_pred, Y);
    const int m = Y_pred.dim(0), n = Y_pred.dim(1);
    long correct = 0;
    for (int i = 0; i < m; ++i) {
        const std::size_t row = static_cast<std::size_t>(i) * n;
        if (argmax(Y_pred.data.data() + row, n) == argmax(Y.data.data() + row, n)) ++correct;
    }
    return static_cast<double>(correct) / m;
}

}  // namespace nn
