// Activations: relu, tanh, sigmoid, linear and softmax, each forward
// followed by its backward.
//
// An Activation is a small callable value: act(z) applies it to one number,
// act.apply(p, n) to n numbers in place (the switch sits outside the loop, so
// the loop vectorises). Backward passes take the forward *output* A, because
// every derivative here is cheap to express through it:
//   relu:    A = max(z, 0)        dZ = dA * (A > 0)
//   tanh:    A = tanh(z)          dZ = dA * (1 - A^2)
//   sigmoid: A = 1 / (1 + e^-z)   dZ = dA * A * (1 - A)
//   linear:  A = z                dZ = dA
//   softmax: A_j = e^{z_j} / sum_k e^{z_k} (per row)
//            dZ_j = A_j * (dA_j - sum_k dA_k A_k)
#pragma once

#include <cstddef>
#include <string>

#include "nn/tensor.hpp"

namespace nn {

/// An elementwise activation function, callable as act(z).
struct Activation {
    /// The activations plaincnn provides.
    enum class Kind { linear, relu, tanh, sigmoid };
    Kind kind = Kind::linear;  ///< which function

    /// z itself.
    static Activation linear() { return {Kind::linear}; }
    /// max(z, 0).
    static Activation relu() { return {Kind::relu}; }
    /// tanh(z).
    static Activation tanh() { return {Kind::tanh}; }
    /// 1 / (1 + exp(-z)).
    static Activation sigmoid() { return {Kind::sigmoid}; }
    /// Parses "linear", "relu", "tanh" or "sigmoid"; throws
    /// std::invalid_argument naming @p fn and the known names otherwise.
    static Activation parse(const std::string& name, const char* fn = "Activation");
    /// The name parse() accepts.
    std::string name() const;

    /// The activation of one value.
    float operator()(float z) const;
    /// Applies the activation in place to @p n values starting at @p z.
    void apply(float* z, std::size_t n) const;
};

/// A = act(Z), elementwise.
Tensor activation_forward(const Tensor& Z, Activation act);
/// dZ from dA and the forward output A = act(Z); throws
/// std::invalid_argument if dA and A differ in shape.
Tensor activation_backward(const Tensor& dA, const Tensor& A, Activation act);

/// Row-wise softmax of a rank-2 (m, n) tensor, stable (subtracts each row's
/// maximum). Throws std::invalid_argument if Z is not rank 2.
Tensor softmax_forward(const Tensor& Z);
/// dZ from dA and the softmax output A, row by row. Throws
/// std::invalid_argument if the shapes differ or are not rank 2.
Tensor softmax_backward(const Tensor& dA, const Tensor& A);

}  // namespace nn
