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
#include "tools/bench_lenet.hpp"

#include <cstddef>
#include <numeric>
#include <vector>

#include "nn/activations.hpp"
#include "nn/fast/activations.hpp"
#include "nn/batch.hpp"
#include "nn/conv_backward.hpp"
#include "nn/fast/conv_forward.hpp"
#include "nn/conv_forward.hpp"
#include "nn/dense.hpp"
#include "nn/fast/dense.hpp"
#include "nn/init.hpp"
#include "nn/loss.hpp"
#include "nn/pool_backward.hpp"
#include "nn/fast/pool.hpp"
#include "nn/pool_forward.hpp"
#include "nn/rng.hpp"

namespace tools {

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
    : passes_(passes), pool_(std::make_unique<nn::ThreadPool>(threads)) {
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
    nn::ThreadPool& t = *pool_;
    const nn::Activation relu = nn::Activation::relu();
    // Each stage writes into a tensor of s_, kept from step to step: after the
    // first step nothing is allocated (the fast passes' into-forms reuse the
    // storage, and each thread writes its own share of every output).
    auto conv = [&](const Tensor& A, const Tensor& W, const Tensor& b, nn::Padding pad, Tensor& Z) {
        if (fast) nn::conv_forward_fast(A, W, b, relu, pad, kOne, t, Z);
        else Z = nn::conv_forward(A, W, b, relu, pad, kOne);
    };
    auto conv_back = [&](const Tensor& dZ, const Tensor& A, const Tensor& W, const Tensor& b, nn::Padding pad,
                         nn::InputGradient dA, nn::ConvGrads& g) {
        if (fast) nn::conv_backward_fast(dZ, A, W, b, pad, kOne, t, g, dA);
        else g = nn::conv_backward(dZ, A, W, b, pad, kOne);
    };
    auto pool = [&](const Tensor& A, Tensor& Z) {
        if (fast) nn::pool_forward_fast(A, kPool, kPoolStride, nn::PoolMode::max, t, Z);
        else Z = nn::pool_forward(A, kPool, kPoolStride, nn::PoolMode::max);
    };
    auto pool_back = [&](const Tensor& dZ, const Tensor& A, Tensor& dA_prev) {
        if (fast) nn::pool_backward_fast(dZ, A, kPool, kPoolStride, nn::PoolMode::max, t, dA_prev);
        else dA_prev = nn::pool_backward(dZ, A, kPool, kPoolStride, nn::PoolMode::max);
    };
    auto dense = [&](const Tensor& A, const Tensor& W, const Tensor& b, Tensor& Z) {
        if (fast) nn::dense_forward_fast(A, W, b, t, Z);
        else Z = nn::dense_forward(A, W, b);
    };
    auto dense_back = [&](const Tensor& dZ, const Tensor& A, const Tensor& W, const Tensor& b, nn::DenseGrads& g) {
        if (fast) nn::dense_backward_fast(dZ, A, W, b, t, g);
        else g = nn::dense_backward(dZ, A, W, b);
    };
    auto relu_back = [&](Tensor& dA, const Tensor& A) {  // dA becomes dZ, in place
        if (fast) nn::activation_backward_fast(dA, A, relu, t, dA);
        else dA = nn::activation_backward(dA, A, relu);
    };
    const int m = X.dim(0);
    Step& s = s_;

    // Forward.
    conv(X, W1_, b1_, nn::Padding::same(), s.A1);    // (m, 28, 28, 6)
    pool(s.A1, s.P1);                                // (m, 14, 14, 6)
    conv(s.P1, W3_, b3_, nn::Padding::valid(), s.A3);  // (m, 10, 10, 16)
    pool(s.A3, s.P3);                                // (m, 5, 5, 16)
    s.P3.shape = {m, 400};                           // flattened: the same values
    dense(s.P3, W5_, b5_, s.A5);                     // (m, 120)
    relu.apply(s.A5.data.data(), s.A5.size());
    dense(s.A5, W6_, b6_, s.A6);                     // (m, 84)
    relu.apply(s.A6.data.data(), s.A6.size());
    dense(s.A6, W7_, b7_, s.Z7);                     // (m, 10)
    const double loss = nn::softmax_cross_entropy(s.Z7, Y);

    // Backward. The images need no gradient, so C1 skips its dA_prev.
    s.dZ7 = nn::softmax_cross_entropy_backward(s.Z7, Y);
    dense_back(s.dZ7, s.A6, W7_, b7_, s.g7);
    relu_back(s.g7.dA_prev, s.A6);
    dense_back(s.g7.dA_prev, s.A5, W6_, b6_, s.g6);
    relu_back(s.g6.dA_prev, s.A5);
    dense_back(s.g6.dA_prev, s.P3, W5_, b5_, s.g5);
    s.g5.dA_prev.shape = {m, 5, 5, 16};  // unflattened
    pool_back(s.g5.dA_prev, s.A3, s.dA3);
    relu_back(s.dA3, s.A3);
    conv_back(s.dA3, s.P1, W3_, b3_, nn::Padding::valid(), nn::InputGradient::compute, s.g3);
    pool_back(s.g3.dA_prev, s.A1, s.dA1);
    relu_back(s.dA1, s.A1);
    conv_back(s.dA1, X, W1_, b1_, nn::Padding::same(), nn::InputGradient::skip, s.g1);

    const std::vector<Tensor*> params = {&W1_, &b1_, &W3_, &b3_, &W5_, &b5_, &W6_, &b6_, &W7_, &b7_};
    const std::vector<const Tensor*> grads = {&s.g1.dW, &s.g1.db, &s.g3.dW, &s.g3.db, &s.g5.dW,
                                              &s.g5.db, &s.g6.dW, &s.g6.db, &s.g7.dW, &s.g7.db};
    if (fast)
        adam_.step(params, grads, t);
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
    Tensor X_batch, Y_batch;  // kept from step to step
    for (std::size_t begin = 0; begin < n; begin += static_cast<std::size_t>(batch_size), ++steps) {
        const std::size_t end = std::min(n, begin + static_cast<std::size_t>(batch_size));
        nn::gather_samples(X, order, begin, end, X_batch);
        nn::gather_samples(Y, order, begin, end, Y_batch);
        loss_sum += net.train_step(X_batch, Y_batch);
    }
    return steps ? loss_sum / steps : 0.0;
}

}  // namespace tools
