// tf.gradients: reverse-mode differentiation over the graph.
//
// gradients(loss, xs) adds one node, "gradients", with one output per x:
// dloss/dx, shaped like x. When the session runs it, the node walks the
// nodes that lie on a path from some x to the loss in reverse graph order
// (a reverse topological order, since inputs always come earlier), calls
// each op's backward (lenet/tf1/ops.cpp) with the gradient of its output,
// and adds the results into the gradients of its inputs, so a node with
// several consumers receives the sum of their contributions:
//
//   dL/dL = 1;   dL/dX_j += backward_j(dL/dY, X, Y)   for every node Y = f(X)
//
// The forward values on the path are the node's inputs, so a run that
// fetches both the loss and the gradients computes the forward pass only once.
#pragma once

#include <string>
#include <vector>

#include "lenet/tf1/graph.hpp"

namespace tf1 {

/// The gradients of @p loss with respect to each of @p xs (tf.gradients).
/// @param loss a float32 tensor (usually a scalar; otherwise the gradient of its sum)
/// @param xs   tensors of the same graph: variables, placeholders or any intermediate
/// @param name node name, made unique
/// @return one tensor per x, shaped like x
/// @throws ValueError when an x belongs to another graph or the loss does not
///         depend on it through differentiable ops.
std::vector<Tensor> gradients(const Tensor& loss, const std::vector<Tensor>& xs,
                              const std::string& name = "gradients");

}  // namespace tf1
