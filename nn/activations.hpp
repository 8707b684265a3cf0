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

    /// @return the identity, z itself
    static Activation linear() { return {Kind::linear}; }
    /// @return max(z, 0)
    static Activation relu() { return {Kind::relu}; }
    /// @return tanh(z)
    static Activation tanh() { return {Kind::tanh}; }
    /// @return 1 / (1 + exp(-z)), computed without overflow for large |z|
    static Activation sigmoid() { return {Kind::sigmoid}; }
    /// The activation called @p name.
    /// @param name "linear", "relu", "tanh" or "sigmoid"
    /// @param fn   who is asking, for the error message (a function or a flag)
    /// @return the activation
    /// @throws std::invalid_argument naming @p fn, @p name and the known names.
    static Activation parse(const std::string& name, const char* fn = "Activation");
    /// @return the name parse() accepts for this activation
    std::string name() const;

    /// The activation of one value.
    /// @param z the pre-activation
    /// @return act(z)
    float operator()(float z) const;
    /// Applies the activation in place, z[j] = act(z[j]) for j < n.
    /// @param z first of the values
    /// @param n how many values
    void apply(float* z, std::size_t n) const;
};

/// A = act(Z), elementwise.
/// @param Z   pre-activations, any shape
/// @param act the activation
/// @return A, shaped like Z
Tensor activation_forward(const Tensor& Z, Activation act);
/// dZ from dA and the forward output A = act(Z) (formulas at the top of the file).
/// @param dA  gradient of the loss with respect to A
/// @param A   the forward output, same shape as dA
/// @param act the activation that made A
/// @return dZ, shaped like dA
/// @throws std::invalid_argument if dA and A differ in shape.
Tensor activation_backward(const Tensor& dA, const Tensor& A, Activation act);

/// The loop of activation_backward on raw arrays: dz[j] from da[j] and a[j]
/// for j < n. @p dz may be @p da (in place) but must not overlap @p a otherwise.
/// @param da  gradient with respect to the activation's output
/// @param a   the activation's output
/// @param dz  where the gradient with respect to its input goes
/// @param n   how many values
/// @param act the activation that made a
void activation_backward(const float* da, const float* a, float* dz, std::size_t n, Activation act);

/// Row-wise softmax, stable (subtracts each row's maximum first).
/// @param Z logits, (m, n)
/// @return A, (m, n), each row positive and summing to 1
/// @throws std::invalid_argument if Z is not rank 2.
Tensor softmax_forward(const Tensor& Z);
/// dZ from dA and the softmax output A, row by row.
/// @param dA gradient of the loss with respect to A, (m, n)
/// @param A  the softmax output, (m, n)
/// @return dZ, (m, n)
/// @throws std::invalid_argument if the shapes differ or are not rank 2.
Tensor softmax_backward(const Tensor& dA, const Tensor& A);

}  // namespace nn
