// LeNet-5 on the nn/ core alone: one training step is these calls, nothing
// else (shapes for a batch of m):
//
//   C1 Z1 = conv(X, W1, b1) relu, same       (m, 28, 28, 6)
//   S2 P1 = maxpool 2x2/2                     (m, 14, 14, 6)
//   C3 Z3 = conv(P1, W3, b3) relu, valid      (m, 10, 10, 16)
//   S4 P3 = maxpool 2x2/2, flattened          (m, 400)
//   F5 A5 = relu(P3 W5 + b5)                  (m, 120)
//   F6 A6 = relu(A5 W6 + b6)                  (m, 84)
//   F7 Z7 = A6 W7 + b7, softmax cross-entropy (m, 10)
// then the same in reverse with the backward passes, and Adam on all ten
// parameters.
#include "tools/bench/lenet.hpp"

#include <algorithm>
#include <cstddef>
#include <numeric>
#include <vector>

#include "nn/activations.hpp"
#include "nn/batch.hpp"
#include "nn/conv_backward.hpp"
#include "nn/conv_forward.hpp"
#include "nn/dense.hpp"
#include "nn/fast/activations.hpp"
#include "nn/fast/adam.hpp"
#include "nn/fast/conv_backward.hpp"
#include "nn/fast/conv_forward.hpp"
#include "nn/fast/dense.hpp"
#include "nn/fast/pool.hpp"
#include "nn/init.hpp"
#include "nn/loss.hpp"
#include "nn/pool_backward.hpp"
#include "nn/pool_forward.hpp"
#include "nn/rng.hpp"

namespace tools::bench {

namespace {

using nn::Tensor;

const nn::Window kPool{2, 2};
const nn::Stride kPoolStride{2, 2};
const nn::Stride kOne{1, 1};

}  // namespace

double lenet_step_flop(int m) {
    const double c1 = 28.0 * 28 * 6 * 5 * 5 * 1, c3 = 10.0 * 10 * 16 * 5 * 5 * 6;
    const double dense = 400.0 * 120 + 120.0 * 84 + 84.0 * 10;
    return 2.0 * m * 3 * (c1 + c3 + dense);  // forward, then dA_prev and dW backward
}

LenetCore::LenetCore(std::uint64_t seed, Passes passes, int threads)
    : passes_(passes), pool_(std::make_unique<nn::fast::ThreadPool>(threads)) {
    nn::Rng rng(seed);
    W1_ = nn::he_normal({5, 5, 1, 6}, rng);
    W3_ = nn::he_normal({5, 5, 6, 16}, rng);
    W5_ = nn::he_normal({400, 120}, rng);
    W6_ = nn::he_normal({120, 84}, rng);
    W7_ = nn::he_normal({84, 10}, rng);
    b1_ = nn::zeros({1, 1, 1, 6});
    b3_ = nn::zeros({1, 1, 1, 16});
    b5_ = nn::zeros({1, 120});
    b6_ = nn::zeros({1, 84});
    b7_ = nn::zeros({1, 10});
}

double LenetCore::train_step(const nn::Tensor& X, const nn::Tensor& Y) {
    const bool fast = passes_ == Passes::fast;
    nn::fast::ThreadPool& t = *pool_;
    const nn::Activation relu = nn::Activation::relu();
    // Every stage returns fresh tensors, as the front-ends' passes do.
    auto conv = [&](const Tensor& A, const Tensor& W, const Tensor& b, nn::Padding pad) {
        return fast ? nn::fast::conv_forward(A, W, b, relu, pad, kOne, t) : nn::conv_forward(A, W, b, relu, pad, kOne);
    };
    auto conv_back = [&](const Tensor& dZ, const Tensor& A, const Tensor& W, const Tensor& b, nn::Padding pad,
                         bool need_dA_prev) {
        return fast ? nn::fast::conv_backward(dZ, A, W, b, pad, kOne, t, need_dA_prev)
                    : nn::conv_backward(dZ, A, W, b, pad, kOne);
    };
    auto pool = [&](const Tensor& A) {
        return fast ? nn::fast::pool_forward(A, kPool, kPoolStride, nn::PoolMode::max, t)
                    : nn::pool_forward(A, kPool, kPoolStride, nn::PoolMode::max);
    };
    auto pool_back = [&](const Tensor& dZ, const Tensor& A) {
        return fast ? nn::fast::pool_backward(dZ, A, kPool, kPoolStride, nn::PoolMode::max, t)
                    : nn::pool_backward(dZ, A, kPool, kPoolStride, nn::PoolMode::max);
    };
    auto dense = [&](const Tensor& A, const Tensor& W, const Tensor& b) {
        return fast ? nn::fast::dense_forward(A, W, b, t) : nn::dense_forward(A, W, b);
    };
    auto dense_back = [&](const Tensor& dZ, const Tensor& A, const Tensor& W, const Tensor& b) {
        return fast ? nn::fast::dense_backward(dZ, A, W, b, t) : nn::dense_backward(dZ, A, W, b);
    };
    auto relu_back = [&](const Tensor& dA, const Tensor& A) {
        return fast ? nn::fast::activation_backward(dA, A, relu, t) : nn::activation_backward(dA, A, relu);
    };
    const int m = X.dim(0);

    // Forward.
    const Tensor A1 = conv(X, W1_, b1_, nn::Padding::same());     // (m, 28, 28, 6)
    const Tensor P1 = pool(A1);                                   // (m, 14, 14, 6)
    const Tensor A3 = conv(P1, W3_, b3_, nn::Padding::valid());   // (m, 10, 10, 16)
    Tensor P3 = pool(A3);                                         // (m, 5, 5, 16)
    P3.shape = {m, 400};                                          // flattened: the same values
    Tensor A5 = dense(P3, W5_, b5_);                              // (m, 120)
    relu.apply(A5.data.data(), A5.size());
    Tensor A6 = dense(A5, W6_, b6_);                              // (m, 84)
    relu.apply(A6.data.data(), A6.size());
    const Tensor Z7 = dense(A6, W7_, b7_);                        // (m, 10)
    const double loss = nn::softmax_cross_entropy(Z7, Y);

    // Backward. The images need no gradient, so C1 skips its dA_prev.
    const nn::DenseGrads g7 = dense_back(nn::softmax_cross_entropy_backward(Z7, Y), A6, W7_, b7_);
    const nn::DenseGrads g6 = dense_back(relu_back(g7.dA_prev, A6), A5, W6_, b6_);
    nn::DenseGrads g5 = dense_back(relu_back(g6.dA_prev, A5), P3, W5_, b5_);
    g5.dA_prev.shape = {m, 5, 5, 16};  // unflattened
    const nn::ConvGrads g3 = conv_back(relu_back(pool_back(g5.dA_prev, A3), A3), P1, W3_, b3_, nn::Padding::valid(),
                                       true);
    const nn::ConvGrads g1 = conv_back(relu_back(pool_back(g3.dA_prev, A1), A1), X, W1_, b1_, nn::Padding::same(),
                                       false);

    const std::vector<Tensor*> params = {&W1_, &b1_, &W3_, &b3_, &W5_, &b5_, &W6_, &b6_, &W7_, &b7_};
    const std::vector<const Tensor*> grads = {&g1.dW, &g1.db, &g3.dW, &g3.db, &g5.dW,
                                              &g5.db, &g6.dW, &g6.db, &g7.dW, &g7.db};
    if (fast)
        nn::fast::adam_step(adam_, params, grads, t);
    else
        adam_.step(params, grads);
    return loss;
}

double train_epoch(LenetCore& net, const nn::Tensor& X, const nn::Tensor& Y, int batch_size, std::uint64_t seed) {
    const std::size_t n = static_cast<std::size_t>(X.dim(0));
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    nn::Rng rng(seed);
    rng.shuffle(order);
    double loss_sum = 0.0;
    int steps = 0;
    for (std::size_t begin = 0; begin < n; begin += static_cast<std::size_t>(batch_size), ++steps) {
        const std::size_t end = std::min(n, begin + static_cast<std::size_t>(batch_size));
        loss_sum += net.train_step(nn::gather_samples(X, order, begin, end), nn::gather_samples(Y, order, begin, end));
    }
    return steps ? loss_sum / steps : 0.0;
}

}  // namespace tools::bench
