// LeNet-5 trained on the nn/ core alone: the bench's baseline for what the
// two front-ends add.
//
// The network is lenet/lenet5.hpp's table (C1 conv 6@5x5 same relu, S2 max
// 2x2/2, C3 conv 16@5x5 valid relu, S4 max 2x2/2, F5 120 relu, F6 84 relu,
// F7 10 softmax), with He-normal kernels, zero biases and TF1's Adam. One step
// is forward, softmax cross-entropy, backward and Adam, every stage a direct
// call into nn/, either the plain reference passes or the fast ones of
// nn/fast/ on a kept ThreadPool, each returning fresh tensors.
#pragma once

#include <cstdint>
#include <memory>

#include "nn/adam.hpp"
#include "nn/tensor.hpp"
#include "nn/fast/thread_pool.hpp"

namespace tools::bench {

/// Which implementation of the conv, pool and dense passes a LenetCore calls.
enum class Passes {
    reference,  ///< nn/conv_forward.cpp and friends, single-threaded loop nests
    fast,       ///< nn/fast/: conv_forward.cpp, conv_backward.cpp, pool.cpp, dense.cpp
};

/// FLOP (2 per multiply-add) of one LeNet-5 training step: the conv and
/// dense passes forward and backward (pooling, activations, loss and Adam are
/// not counted).
/// @param m samples in the batch
/// @return FLOP of the step
double lenet_step_flop(int m);

/// LeNet-5's weights, Adam state and the passes it uses.
class LenetCore {
public:
    /// A freshly initialised network.
    /// @param seed    seeds the He-normal kernels, drawn in layer order
    /// @param passes  reference or fast passes
    /// @param threads threads for the fast passes, kept in a ThreadPool for
    ///                the network's lifetime; 0 = all cores
    LenetCore(std::uint64_t seed, Passes passes, int threads);

    /// One training step on a batch: forward, loss, backward, one Adam update.
    /// @param X (m, 28, 28, 1) images
    /// @param Y (m, 10) one-hot labels
    /// @return the batch's mean cross-entropy before the update
    double train_step(const nn::Tensor& X, const nn::Tensor& Y);

    /// @return the time the fast passes' threads have spent in their loops so far
    nn::fast::ThreadPool::LoopTime loop_time() const { return pool_->loop_time(); }

private:
    Passes passes_;
    std::unique_ptr<nn::fast::ThreadPool> pool_;  // the fast passes' threads
    nn::Tensor W1_, b1_, W3_, b3_, W5_, b5_, W6_, b6_, W7_, b7_;
    nn::Adam adam_;
};

/// One epoch over (X, Y) in a shuffled order, as the front-ends train.
/// @param net        the network to train
/// @param X          (n, 28, 28, 1)
/// @param Y          (n, 10)
/// @param batch_size samples per step; the last step may be smaller
/// @param seed       seeds the order
/// @return the mean of the steps' losses
double train_epoch(LenetCore& net, const nn::Tensor& X, const nn::Tensor& Y, int batch_size, std::uint64_t seed);

}  // namespace tools::bench
