// Context: the one seam between the front-ends and the fast path.
//
// The front-ends (lenet/tf1, lenet/keras) say *what* to compute, by the
// course's names: ctx.conv_forward(A_prev, W, b, ...), ctx.pool_backward(...).
// The context decides *how*: the plain reference loop nests of nn/ (one
// thread, the code a student reads), or the fast variants of nn/fast/ on a
// pool of threads kept for the context's lifetime. Both give the same values
// up to float rounding (the tests of nn/fast/ check it), and the fast ones
// give identical bits for every thread count.
//
//   nn::Context ctx;                               // fast passes, all cores
//   nn::Context ctx(1);                            // fast passes, one thread
//   nn::Context ctx(0, nn::Passes::reference);     // the plain loop nests
//
// Every pass takes and returns plain tensors, with the arguments and errors
// of the nn/ pass of the same name (conv_forward.hpp, pool_backward.hpp, ...).
// A context runs one pass at a time: it must not be shared by two threads.
#pragma once

#include <memory>
#include <vector>

#include "nn/activations.hpp"
#include "nn/adam.hpp"
#include "nn/conv_backward.hpp"
#include "nn/dense.hpp"
#include "nn/geometry.hpp"
#include "nn/pool_forward.hpp"
#include "nn/tensor.hpp"

namespace nn {

namespace fast {
class ThreadPool;
}

/// Which implementation a Context runs.
enum class Passes {
    fast,       ///< nn/fast/: packed planes, register tiles, the batch split across threads
    reference,  ///< nn/conv_forward.cpp and friends: one plain loop nest each, one thread
};

/// Where the passes run: the reference loop nests, or the fast ones on kept threads.
class Context {
public:
    /// A context for @p passes on @p threads threads.
    /// @param threads threads for the fast passes, 0 = all cores (the reference passes use one)
    /// @param passes  fast (the default) or reference
    /// @throws std::invalid_argument when @p threads is negative
    explicit Context(int threads = 0, Passes passes = Passes::fast);
    ~Context();
    /// Moves the threads along.
    /// @param other the context to take over; left without threads
    Context(Context&& other) noexcept;
    /// Stops this context's threads and takes the other's.
    /// @param other the context to take over; left without threads
    /// @return this context
    Context& operator=(Context&& other) noexcept;
    Context(const Context&) = delete;             ///< the threads belong to one context
    Context& operator=(const Context&) = delete;  ///< the threads belong to one context

    /// @return fast or reference
    Passes passes() const { return passes_; }
    /// @return the threads a pass may use (1 for the reference passes)
    int threads() const;

    /// nn::conv_forward: Z = act(A_prev * W + b).
    /// @param A_prev     (m, h_prev, w_prev, c_prev)
    /// @param W          (kh, kw, c_prev, c_new)
    /// @param b          (1, 1, 1, c_new)
    /// @param activation applied to every output value
    /// @param padding    same, valid or explicit (ph, pw)
    /// @param stride     (sh, sw)
    /// @return Z, (m, h_new, w_new, c_new)
    /// @throws std::invalid_argument as nn::conv_forward
    Tensor conv_forward(const Tensor& A_prev, const Tensor& W, const Tensor& b, Activation activation,
                        Padding padding, Stride stride);

    /// nn::conv_backward: dA_prev, dW, db from dZ.
    /// @param dZ            (m, h_new, w_new, c_new), gradient of the pre-activation output
    /// @param A_prev        (m, h_prev, w_prev, c_prev)
    /// @param W             (kh, kw, c_prev, c_new)
    /// @param b             (1, 1, 1, c_new)
    /// @param padding       as in conv_forward
    /// @param stride        as in conv_forward
    /// @param need_dA_prev  false when nothing reads dA_prev (the gradient with
    ///                      respect to the images, for a first layer): it is then
    ///                      left empty, and the fast passes skip that half of the work
    /// @return dA_prev (or empty), dW, db
    /// @throws std::invalid_argument as nn::conv_backward
    ConvGrads conv_backward(const Tensor& dZ, const Tensor& A_prev, const Tensor& W, const Tensor& b,
                            Padding padding, Stride stride, bool need_dA_prev = true);

    /// nn::pool_forward: max or average over each window.
    /// @param A_prev       (m, h_prev, w_prev, c_prev)
    /// @param kernel_shape (kh, kw)
    /// @param stride       (sh, sw)
    /// @param mode         max or avg
    /// @return Z, (m, h_new, w_new, c_prev)
    /// @throws std::invalid_argument as nn::pool_forward
    Tensor pool_forward(const Tensor& A_prev, Window kernel_shape, Stride stride, PoolMode mode);

    /// nn::pool_backward: dA_prev from dA, the maxima recomputed from A_prev.
    /// @param dA           (m, h_new, w_new, c_prev)
    /// @param A_prev       (m, h_prev, w_prev, c_prev)
    /// @param kernel_shape (kh, kw)
    /// @param stride       (sh, sw)
    /// @param mode         max or avg
    /// @return dA_prev, shaped like A_prev
    /// @throws std::invalid_argument as nn::pool_backward
    Tensor pool_backward(const Tensor& dA, const Tensor& A_prev, Window kernel_shape, Stride stride, PoolMode mode);

    /// nn::dense_forward: Z = A_prev · W + b.
    /// @param A_prev (m, n_in)
    /// @param W      (n_in, n_out)
    /// @param b      (1, n_out)
    /// @return Z, (m, n_out)
    /// @throws std::invalid_argument as nn::dense_forward
    Tensor dense_forward(const Tensor& A_prev, const Tensor& W, const Tensor& b);

    /// nn::dense_backward: dA_prev, dW, db from dZ.
    /// @param dZ     (m, n_out)
    /// @param A_prev (m, n_in)
    /// @param W      (n_in, n_out)
    /// @param b      (1, n_out)
    /// @return dA_prev, dW, db
    /// @throws std::invalid_argument as nn::dense_backward
    DenseGrads dense_backward(const Tensor& dZ, const Tensor& A_prev, const Tensor& W, const Tensor& b);

    /// nn::activation_forward: A = act(Z), elementwise.
    /// @param Z          the pre-activation values
    /// @param activation relu, tanh, sigmoid or linear
    /// @return A, shaped like Z
    Tensor activation_forward(const Tensor& Z, Activation activation);

    /// nn::activation_backward: dZ = dA * act'(Z), from A = act(Z).
    /// @param dA         gradient of the loss with respect to A
    /// @param A          the forward output, same shape
    /// @param activation the activation that made A
    /// @return dZ, shaped like dA
    /// @throws std::invalid_argument as nn::activation_backward
    Tensor activation_backward(const Tensor& dA, const Tensor& A, Activation activation);

    /// One nn::Adam step of every parameter (the fast context shares the
    /// values out between its threads; every value is updated on its own, so
    /// the numbers are adam.step()'s).
    /// @param adam   the optimizer and its state
    /// @param params the parameters, updated in place
    /// @param grads  their gradients, same shapes
    /// @throws std::invalid_argument as nn::Adam::step
    void adam_step(Adam& adam, const std::vector<Tensor*>& params, const std::vector<const Tensor*>& grads);

private:
    Passes passes_;
    std::unique_ptr<fast::ThreadPool> pool_;  // the fast passes' threads; null for the reference passes
};

}  // namespace nn
