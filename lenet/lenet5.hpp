// The course's modified LeNet-5, built on each front-end.
//
//   layer                              output shape      parameters
//   input                              (m, 28, 28, 1)
//   C1  conv 6 @ 5x5, same, relu       (m, 28, 28, 6)    5*5*1*6  + 6   =    156
//   S2  max pool 2x2, stride 2         (m, 14, 14, 6)
//   C3  conv 16 @ 5x5, valid, relu     (m, 10, 10, 16)   5*5*6*16 + 16  =  2,416
//   S4  max pool 2x2, stride 2         (m, 5, 5, 16)
//       flatten                        (m, 400)
//   F5  dense 120, relu                (m, 120)          400*120  + 120 = 48,120
//   F6  dense 84, relu                 (m, 84)           120*84   + 84  = 10,164
//   F7  dense 10, softmax              (m, 10)           84*10    + 10  =    850
//                                                                total   61,706
//
// Kernels are He-normal, biases zero. Both builds draw their initial weights
// from one nn::Rng seeded with the seed, in layer order (C1, C3, F5, F6, F7),
// so the same seed gives the same starting weights on both front-ends.
#pragma once

#include <cstdint>

#include "lenet/keras/model.hpp"

namespace keras {
/// Course task 5: the table above as a keras::Sequential over @p X, kernels
/// from one HeNormal(seed), compiled with Adam (Keras defaults), the
/// categorical cross-entropy and the accuracy metric.
/// @param X    the input, Input({28, 28, 1}) for MNIST
/// @param seed seeds the kernels (seed) and fit's shuffling (seed + 1)
/// @return the compiled model
Sequential lenet5(const Input& X, std::uint64_t seed = 0);
}  // namespace keras

#include "lenet/tf1/graph.hpp"

namespace tf1 {
/// The four handles course task 4 returns.
struct LeNet5 {
    Tensor y_pred;       ///< softmax output, (m, 10)
    Operation train_op;  ///< one Adam step (TF1 defaults) on the mean loss
    Tensor loss;         ///< mean softmax cross-entropy of the logits, ()
    Tensor accuracy;     ///< mean(equal(argmax(y_pred), argmax(y))), ()
};
/// Course task 4: the table above on the graph front-end, kernels He-normal
/// from the graph's random source (seed it with Graph::set_random_seed first).
/// @param x placeholder (m, 28, 28, 1)
/// @param y one-hot placeholder (m, 10)
/// @return y_pred, train_op, loss, accuracy
LeNet5 lenet5(const Tensor& x, const Tensor& y);
}  // namespace tf1
