// tools/bench/lenet: LeNet-5 on the nn/ core, the bench's baseline. The fast
// passes must train exactly like the reference passes (same losses within
// float rounding) and learn; the FLOP count is checked by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "nn/rng.hpp"
#include "tools/bench/lenet.hpp"

namespace {

nn::Tensor images(int m, nn::Rng& rng) {
    nn::Tensor X({m, 28, 28, 1});
    for (float& v : X.data) v = static_cast<float>(rng.uniform());
    return X;
}

nn::Tensor labels(int m, nn::Rng& rng) {
    nn::Tensor Y({m, 10});
    for (int i = 0; i < m; ++i) Y.data[static_cast<std::size_t>(i) * 10 + rng.below(10)] = 1.0f;
    return Y;
}

}  // namespace

// Per sample: C1 28*28*6 outputs x 25 taps = 117,600 multiply-adds; C3
// 10*10*16 x 150 = 240,000; dense 400*120 + 120*84 + 84*10 = 58,920. Forward,
// dA_prev and dW make three passes of 2 FLOP each: 6 * 416,520 = 2,499,120.
TEST(BenchLenet, StepFlop) {
    EXPECT_DOUBLE_EQ(tools::bench::lenet_step_flop(1), 2499120.0);
    EXPECT_DOUBLE_EQ(tools::bench::lenet_step_flop(32), 32 * 2499120.0);
}

// Five steps on one batch of 8: the two implementations start from the same
// weights and give the same losses, and the loss goes down.
TEST(BenchLenet, FastPassesTrainLikeTheReference) {
    nn::Rng rng(51);
    const nn::Tensor X = images(8, rng), Y = labels(8, rng);
    tools::bench::LenetCore reference(7, tools::bench::Passes::reference, 1), fast(7, tools::bench::Passes::fast, 2);
    std::vector<double> ref_losses, fast_losses;
    for (int step = 0; step < 5; ++step) {
        ref_losses.push_back(reference.train_step(X, Y));
        fast_losses.push_back(fast.train_step(X, Y));
    }
    for (std::size_t k = 0; k < ref_losses.size(); ++k)
        EXPECT_NEAR(fast_losses[k], ref_losses[k], 1e-4 * std::max(1.0, std::fabs(ref_losses[k]))) << "step " << k;
    EXPECT_LT(fast_losses.back(), fast_losses.front());
}

// 20 images in batches of 8 make steps of 8, 8 and 4: an epoch runs through
// the short last batch and returns a finite, positive mean loss.
TEST(BenchLenet, EpochRunsThroughAShortLastBatch) {
    nn::Rng rng(52);
    const nn::Tensor X = images(20, rng), Y = labels(20, rng);
    tools::bench::LenetCore net(1, tools::bench::Passes::fast, 0);
    const double loss = tools::bench::train_epoch(net, X, Y, 8, 3);
    EXPECT_TRUE(std::isfinite(loss));
    EXPECT_GT(loss, 0.0);
}
