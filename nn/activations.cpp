// Activations, each forward followed by its backward (see activations.hpp).
//
//   relu    A = max(z, 0)                    dZ = dA * (A > 0)
//   tanh    A = tanh(z)                      dZ = dA * (1 - A^2)
//   sigmoid A = 1 / (1 + e^-z)               dZ = dA * A * (1 - A)
//   linear  A = z                            dZ = dA
//   softmax A_j = e^(z_j - max) / sum_k e^(z_k - max), per row of (m, n)
//           dZ_j = A_j * (dA_j - sum_k dA_k A_k)
// Elementwise ones keep the shape of their input; softmax takes (m, n).
#include "nn/activations.hpp"

#include <algorithm>
#include <cmath>

#include "nn/errors.hpp"

namespace nn {

namespace {

// Sigmoid without overflow: with e = exp(-|z|) in (0, 1], the value is
// 1/(1+e) for z >= 0 and e/(1+e) for z < 0, so exp never sees a large
// positive argument and tiny results keep their precision.
inline float sigmoid_of(float z) {
    float e = std::exp(-std::fabs(z));
    return z >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
}

}  // namespace

Activation Activation::parse(const std::string& name, const char* fn) {
    if (name == "linear") return linear();
    if (name == "relu") return relu();
    if (name == "tanh") return tanh();
    if (name == "sigmoid") return sigmoid();
    require(false, fn, "unknown activation '" + name + "' (known: linear, relu, tanh, sigmoid)");
    return linear();
}

std::string Activation::name() const {
    switch (kind) {
        case Kind::relu: return "relu";
        case Kind::tanh: return "tanh";
        case Kind::sigmoid: return "sigmoid";
        case Kind::linear: break;
    }
    return "linear";
}

float Activation::operator()(float z) const {
    switch (kind) {
        case Kind::relu: return z > 0.0f ? z : 0.0f;
        case Kind::tanh: return std::tanh(z);
        case Kind::sigmoid: return sigmoid_of(z);
        case Kind::linear: break;
    }
    return z;
}

// One switch, then one plain loop per case: the compiler sees a loop body
// without branches on kind and can vectorise it.
void Activation::apply(float* z, std::size_t n) const {
    switch (kind) {
        case Kind::relu:
            for (std::size_t j = 0; j < n; ++j) z[j] = z[j] > 0.0f ? z[j] : 0.0f;
            break;
        case Kind::tanh:
            for (std::size_t j = 0; j < n; ++j) z[j] = std::tanh(z[j]);
            break;
        case Kind::sigmoid:
            for (std::size_t j = 0; j < n; ++j) z[j] = sigmoid_of(z[j]);
            break;
        case Kind::linear:
            break;
    }
}

Tensor activation_forward(const Tensor& Z, Activation act) {
    Tensor A = Z;
    act.apply(A.data.data(), A.size());
    return A;
}

Tensor activation_backward(const Tensor& dA, const Tensor& A, Activation act) {
    require(dA.shape == A.shape, "activation_backward",
            [&] { return "dA and A must have the same shape (dA " + dA.shape_str() + ", A " + A.shape_str() + ")"; });
    Tensor dZ(dA.shape);
    activation_backward(dA.data.data(), A.data.data(), dZ.data.data(), dA.size(), act);
    return dZ;
}

void activation_backward(const float* da, const float* a, float* dz, std::size_t n, Activation act) {
    switch (act.kind) {
        case Activation::Kind::relu:  // dA/dZ = 1 where the unit was active, 0 where it was clipped
            for (std::size_t j = 0; j < n; ++j) dz[j] = a[j] > 0.0f ? da[j] : 0.0f;
            break;
        case Activation::Kind::tanh:  // tanh'(z) = 1 - tanh(z)^2
            for (std::size_t j = 0; j < n; ++j) dz[j] = da[j] * (1.0f - a[j] * a[j]);
            break;
        case Activation::Kind::sigmoid:  // sigma'(z) = sigma(z) (1 - sigma(z))
            for (std::size_t j = 0; j < n; ++j) dz[j] = da[j] * a[j] * (1.0f - a[j]);
            break;
        case Activation::Kind::linear:
            if (dz != da) std::copy(da, da + n, dz);
            break;
    }
}

Tensor softmax_forward(const Tensor& Z) {
    require(Z.rank() == 2, "softmax_forward", [&] { return "Z must be rank 2 (m, n), got Z " + Z.shape_str(); });
    const int m = Z.dim(0), n = Z.dim(1);
    Tensor A(Z.shape);
    for (int i = 0; i < m; ++i) {
        const float* z_i = Z.data.data() + static_cast<std::size_t>(i) * n;
        float* a_i = A.data.data() + static_cast<std::size_t>(i) * n;
        // Subtracting the row maximum leaves softmax unchanged and keeps every
        // exponent <= 0, so nothing overflows; the largest term is exactly 1.
        const float z_max = n > 0 ? *std::max_element(z_i, z_i + n) : 0.0f;
        double sum = 0.0;
        for (int j = 0; j < n; ++j) {
            a_i[j] = std::exp(z_i[j] - z_max);
            sum += a_i[j];
        }
        const float inv = static_cast<float>(1.0 / sum);
        for (int j = 0; j < n; ++j) a_i[j] *= inv;
    }
    return A;
}

Tensor softmax_backward(const Tensor& dA, const Tensor& A) {
    require(A.rank() == 2, "softmax_backward", [&] { return "A must be rank 2 (m, n), got A " + A.shape_str(); });
    require(dA.shape == A.shape, "softmax_backward",
            [&] { return "dA and A must have the same shape (dA " + dA.shape_str() + ", A " + A.shape_str() + ")"; });
    const int m = A.dim(0), n = A.dim(1);
    Tensor dZ(A.shape);
    for (int i = 0; i < m; ++i) {
        const float* a_i = A.data.data() + static_cast<std::size_t>(i) * n;
        const float* da_i = dA.data.data() + static_cast<std::size_t>(i) * n;
        float* dz_i = dZ.data.data() + static_cast<std::size_t>(i) * n;
        // dA_i · A_i: every output A_k depends on every z_j through the shared sum.
        double dot = 0.0;
        for (int k = 0; k < n; ++k) dot += static_cast<double>(da_i[k]) * a_i[k];
        for (int j = 0; j < n; ++j) dz_i[j] = static_cast<float>(a_i[j] * (da_i[j] - dot));
    }
    return dZ;
}

}  // namespace nn
