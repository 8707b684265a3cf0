// The graph ops (tf.nn / tf.math style) and the tf.layers builders over them.
//
// Each op adds one node whose forward and backward are single calls into
// nn/ (lenet/tf1/ops.cpp keeps each backward next to its forward). conv2d,
// max_pool, dense and the activations' backward go through the session's
// nn::Context, which runs the plain reference loop nests or the fast ones.
// conv2d's backward skips dx when x needs no gradient (the images):
//
//   op                         forward (nn/)                     backward (nn/)
//   conv2d(x, W, b)            conv_forward, linear              conv_backward -> dx, dW, db
//   max_pool(x)                pool_forward, max                 pool_backward
//   flatten(x)                 reshape (m, ...) -> (m, n)        reshape back
//   dense(x, W, b)             dense_forward                     dense_backward -> dx, dW, db
//   activation / relu(x)       activation_forward                activation_backward
//   softmax(x)                 softmax_forward                   softmax_backward
//   softmax_cross_entropy(y,z) softmax_cross_entropy (mean)      softmax_cross_entropy_backward * dL
//   reduce_mean(x)             mean                              dL / N everywhere
//   cast(x, float32)           copy                              copy (float32 -> float32 only)
//   argmax, equal, one_hot     argmax_last, equal, one_hot_indices   none (not differentiable)
//
// Shapes are NHWC as in nn/: x (m, h, w, c), W (kh, kw, c_prev, c_new),
// b (1, 1, 1, c_new) for conv2d; x (m, n_in), W (n_in, n_out), b (1, n_out)
// for dense. Static shapes are inferred while building, so most shape errors
// surface as a ValueError at the line that builds the op.
#pragma once

#include <string>

#include "lenet/tf1/graph.hpp"
#include "nn/activations.hpp"
#include "nn/geometry.hpp"

namespace tf1 {

/// Convolution plus bias, no activation (tf.nn.conv2d followed by tf.nn.bias_add).
/// @param x       input, (m, h_prev, w_prev, c_prev)
/// @param kernel  (kh, kw, c_prev, c_new), fully known
/// @param bias    (1, 1, 1, c_new)
/// @param padding same (TensorFlow's), valid or explicit
/// @param strides (sh, sw)
/// @param name    node name, made unique
/// @return (m, h_new, w_new, c_new)
/// @throws ValueError (or std::invalid_argument from nn/) when the shapes do not fit.
Tensor conv2d(const Tensor& x, const Tensor& kernel, const Tensor& bias, nn::Padding padding,
              nn::Stride strides = {1, 1}, const std::string& name = "Conv2D");

/// Max pooling without padding (tf.nn.max_pool with padding "VALID").
/// @param x        (m, h_prev, w_prev, c)
/// @param ksize    window (kh, kw)
/// @param strides  (sh, sw)
/// @param name     node name, made unique
/// @return (m, (h_prev - kh) / sh + 1, (w_prev - kw) / sw + 1, c)
Tensor max_pool(const Tensor& x, nn::Window ksize, nn::Stride strides, const std::string& name = "MaxPool");

/// Keeps the first axis and merges the others, row-major (tf.layers.flatten).
/// @param x    (m, d1, ..., dk) with d1..dk known
/// @param name node name, made unique
/// @return (m, d1 * ... * dk)
Tensor flatten(const Tensor& x, const std::string& name = "Flatten");

/// x · W + b (tf.matmul followed by tf.nn.bias_add).
/// @param x      (m, n_in)
/// @param kernel (n_in, n_out)
/// @param bias   (1, n_out)
/// @param name   node name, made unique
/// @return (m, n_out)
Tensor dense(const Tensor& x, const Tensor& kernel, const Tensor& bias, const std::string& name = "MatMul");

/// An elementwise activation (tf.nn.relu, tf.tanh, tf.sigmoid, tf.identity).
/// @param x          any shape
/// @param activation the function
/// @param name       node name ("" = "Relu", "Tanh", "Sigmoid" or "Identity"), made unique
/// @return x's shape
Tensor activation(const Tensor& x, nn::Activation activation, const std::string& name = "");

/// tf.nn.relu: max(x, 0).
/// @param x    any shape
/// @param name node name, made unique
/// @return x's shape
Tensor relu(const Tensor& x, const std::string& name = "Relu");

/// tf.nn.softmax over the last axis of a (m, n) tensor.
/// @param logits (m, n)
/// @param name   node name, made unique
/// @return (m, n), rows summing to 1
Tensor softmax(const Tensor& logits, const std::string& name = "Softmax");

/// tf.losses.softmax_cross_entropy: the mean over the batch of
/// -sum_j labels_j log softmax(logits)_j. No gradient flows to the labels.
/// @param onehot_labels (m, n), one-hot rows (or any distributions)
/// @param logits        (m, n)
/// @param name          node name, made unique
/// @return a scalar, shape ()
Tensor softmax_cross_entropy(const Tensor& onehot_labels, const Tensor& logits,
                             const std::string& name = "softmax_cross_entropy_loss");

/// tf.argmax along the last axis (int64; the first maximum wins ties).
/// @param x    (..., n)
/// @param axis must be the last axis (x's rank - 1) or -1
/// @param name node name, made unique
/// @return x's shape without the last axis
Tensor argmax(const Tensor& x, int axis, const std::string& name = "ArgMax");

/// tf.equal without broadcasting (bool).
/// @param a    any shape
/// @param b    a's shape (unknown extents allowed)
/// @param name node name, made unique
/// @return a's shape, 1 where equal, 0 elsewhere
Tensor equal(const Tensor& a, const Tensor& b, const std::string& name = "Equal");

/// tf.cast. Values are stored as float already, so only casts to float32 (from
/// any dtype) and casts to the same dtype exist; a gradient flows only from
/// float32 to float32.
/// @param x     any shape
/// @param dtype the target type
/// @param name  node name, made unique
/// @return x's shape with dtype @p dtype
/// @throws ValueError for any other cast (e.g. float32 to int64).
Tensor cast(const Tensor& x, DType dtype, const std::string& name = "Cast");

/// tf.reduce_mean over every axis.
/// @param x    any float32 shape
/// @param name node name, made unique
/// @return a scalar, shape ()
Tensor reduce_mean(const Tensor& x, const std::string& name = "Mean");

/// tf.one_hot: float32 rows with a 1 at each index.
/// @param indices any shape, whole numbers in [0, depth)
/// @param depth   number of classes, positive
/// @param name    node name, made unique
/// @return indices' shape with depth appended
Tensor one_hot(const Tensor& indices, int depth, const std::string& name = "one_hot");

/// tf.layers: builders that create their variables and ops under a unique
/// scope SCOPE ("conv2d", "conv2d_1", ...), with biases starting at zero.
namespace layers {

/// tf.layers.conv2d: variables SCOPE/kernel (kh, kw, c_prev, filters) and
/// SCOPE/bias (1, 1, 1, filters), then SCOPE/Conv2D and the activation.
/// @param inputs             (m, h_prev, w_prev, c_prev), c_prev known
/// @param filters            c_new, positive
/// @param kernel_size        (kh, kw)
/// @param padding            same, valid or explicit
/// @param activation         applied after the bias (linear = none)
/// @param kernel_initializer draws the kernel from the graph's random source
/// @param strides            (sh, sw)
/// @param name               scope name, made unique
/// @return (m, h_new, w_new, filters)
Tensor conv2d(const Tensor& inputs, int filters, nn::Window kernel_size, nn::Padding padding,
              nn::Activation activation, const Initializer& kernel_initializer, nn::Stride strides = {1, 1},
              const std::string& name = "conv2d");

/// tf.layers.max_pooling2d (padding "valid").
/// @param inputs    (m, h_prev, w_prev, c)
/// @param pool_size (kh, kw)
/// @param strides   (sh, sw)
/// @param name      scope name, made unique
/// @return the pooled tensor
Tensor max_pooling2d(const Tensor& inputs, nn::Window pool_size, nn::Stride strides,
                     const std::string& name = "max_pooling2d");

/// tf.layers.flatten.
/// @param inputs (m, d1, ..., dk)
/// @param name   scope name, made unique
/// @return (m, d1 * ... * dk)
Tensor flatten(const Tensor& inputs, const std::string& name = "flatten");

/// tf.layers.dense: variables SCOPE/kernel (n_in, units) and SCOPE/bias
/// (1, units), then SCOPE/MatMul and the activation.
/// @param inputs             (m, n_in), n_in known
/// @param units              n_out, positive
/// @param activation         applied after the bias (linear = none)
/// @param kernel_initializer draws the kernel from the graph's random source
/// @param name               scope name, made unique
/// @return (m, units)
Tensor dense(const Tensor& inputs, int units, nn::Activation activation, const Initializer& kernel_initializer,
             const std::string& name = "dense");

}  // namespace layers

}  // namespace tf1
