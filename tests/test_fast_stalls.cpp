// Training steps on threads that stall at random give the same bits as on
// one thread.
//
// The ThreadPool hands out a loop's chunks to whichever thread asks first, so
// who runs what changes from run to run, and more so on a busy machine. The
// numbers must not: every fast pass computes each value from its own unit of
// work and adds partial sums (dW, db, Adam's shares) in unit order. Here a
// test hook makes each thread sleep now and then before a chunk, at random,
// which shuffles the interleaving far more than a quiet machine would; three
// LeNet-5-shaped training steps (conv, ReLU, max pool twice, two dense
// layers, softmax cross-entropy, Adam) must give identical losses and weights
// on 1 thread, and on 2 and 3 stalling threads.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "nn/adam.hpp"
#include "nn/fast/activations.hpp"
#include "nn/fast/adam.hpp"
#include "nn/fast/conv_backward.hpp"
#include "nn/fast/conv_forward.hpp"
#include "nn/fast/dense.hpp"
#include "nn/fast/pool.hpp"
#include "nn/fast/thread_pool.hpp"
#include "nn/loss.hpp"
#include "tests/test_util.hpp"

using nn::Activation;
using nn::Padding;
using nn::PoolMode;
using nn::Tensor;

namespace {

// The parameters of a small LeNet-5: C1 5x5x1x6 (same), C3 5x5x6x16 (valid), F5 400x120, F6 120x10.
struct Net {
    std::vector<Tensor> params = {
        testutil::seeded_uniform({5, 5, 1, 6}, 1, -0.3, 0.3),   testutil::seeded_uniform({1, 1, 1, 6}, 2, -0.1, 0.1),
        testutil::seeded_uniform({5, 5, 6, 16}, 3, -0.1, 0.1),  testutil::seeded_uniform({1, 1, 1, 16}, 4, -0.1, 0.1),
        testutil::seeded_uniform({400, 120}, 5, -0.08, 0.08),   testutil::seeded_uniform({1, 120}, 6, -0.1, 0.1),
        testutil::seeded_uniform({120, 10}, 7, -0.2, 0.2),      testutil::seeded_uniform({1, 10}, 8, -0.1, 0.1),
    };
};

Tensor reshaped(const Tensor& T, nn::Shape shape) { return Tensor(std::move(shape), T.data); }

// One step on a batch: forward, loss, backward, Adam. Returns the loss.
double train_step(Net& net, nn::Adam& adam, const Tensor& X, const Tensor& Y, nn::fast::ThreadPool& pool) {
    const Activation relu = Activation::relu();
    std::vector<Tensor>& p = net.params;
    const int m = X.dim(0);
    const Tensor Z1 = nn::fast::conv_forward(X, p[0], p[1], Activation::linear(), Padding::same(), {1, 1}, pool);
    const Tensor A1 = nn::fast::activation_forward(Z1, relu, pool);
    const Tensor P1 = nn::fast::pool_forward(A1, {2, 2}, {2, 2}, PoolMode::max, pool);
    const Tensor Z2 = nn::fast::conv_forward(P1, p[2], p[3], Activation::linear(), Padding::valid(), {1, 1}, pool);
    const Tensor A2 = nn::fast::activation_forward(Z2, relu, pool);
    const Tensor P2 = nn::fast::pool_forward(A2, {2, 2}, {2, 2}, PoolMode::max, pool);
    const Tensor F = reshaped(P2, {m, 400});
    const Tensor Z3 = nn::fast::dense_forward(F, p[4], p[5], pool);
    const Tensor A3 = nn::fast::activation_forward(Z3, relu, pool);
    const Tensor Z4 = nn::fast::dense_forward(A3, p[6], p[7], pool);
    const double loss = nn::softmax_cross_entropy(Z4, Y);

    const Tensor dZ4 = nn::softmax_cross_entropy_backward(Z4, Y);
    const nn::DenseGrads g4 = nn::fast::dense_backward(dZ4, A3, p[6], p[7], pool);
    const Tensor dZ3 = nn::fast::activation_backward(g4.dA_prev, A3, relu, pool);
    const nn::DenseGrads g3 = nn::fast::dense_backward(dZ3, F, p[4], p[5], pool);
    const Tensor dP2 = reshaped(g3.dA_prev, P2.shape);
    const Tensor dA2 = nn::fast::pool_backward(dP2, A2, {2, 2}, {2, 2}, PoolMode::max, pool);
    const Tensor dZ2 = nn::fast::activation_backward(dA2, A2, relu, pool);
    const nn::ConvGrads g2 = nn::fast::conv_backward(dZ2, P1, p[2], p[3], Padding::valid(), {1, 1}, pool);
    const Tensor dA1 = nn::fast::pool_backward(g2.dA_prev, A1, {2, 2}, {2, 2}, PoolMode::max, pool);
    const Tensor dZ1 = nn::fast::activation_backward(dA1, A1, relu, pool);
    const nn::ConvGrads g1 = nn::fast::conv_backward(dZ1, X, p[0], p[1], Padding::same(), {1, 1}, pool, false);

    std::vector<Tensor*> params;
    for (Tensor& t : p) params.push_back(&t);
    nn::fast::adam_step(adam, params, {&g1.dW, &g1.db, &g2.dW, &g2.db, &g3.dW, &g3.db, &g4.dW, &g4.db}, pool);
    return loss;
}

struct Trace {
    std::vector<double> losses;
    std::vector<Tensor> params;
};

// Three steps on batches of 32, 32 and 7 seeded images.
Trace train(nn::fast::ThreadPool& pool) {
    Net net;
    nn::Adam adam;
    Trace t;
    std::uint64_t seed = 100;
    for (int m : {32, 32, 7}) {
        const Tensor X = testutil::seeded_uniform({m, 28, 28, 1}, seed++, 0.0, 1.0);
        Tensor Y({m, 10}, 0.0f);
        for (int i = 0; i < m; ++i) Y.data[static_cast<std::size_t>(i * 10 + (i * 7 + m) % 10)] = 1.0f;
        t.losses.push_back(train_step(net, adam, X, Y, pool));
    }
    t.params = net.params;
    return t;
}

// A hook that sleeps 0-300 us before about one chunk in four, at random.
struct Stalls {
    explicit Stalls(unsigned seed = 20261206) : rng(seed) {}
    std::mutex mutex;
    std::mt19937 rng;
    int stalls = 0;
    nn::fast::PoolHooks hooks() {
        nn::fast::PoolHooks h;
        h.before_chunk = [this](int, int) {
            int us = 0;
            {
                std::lock_guard<std::mutex> lock(mutex);
                if (rng() % 4 != 0) return;
                us = static_cast<int>(rng() % 300);
                ++stalls;
            }
            std::this_thread::sleep_for(std::chrono::microseconds(us));
        };
        return h;
    }
};

}  // namespace

TEST(FastStalls, TrainingBitsSurviveStallingThreads) {
    nn::fast::ThreadPool one(1);
    const Trace want = train(one);
    for (int threads : {2, 3}) {
        for (int run = 0; run < 3; ++run) {
            Stalls stalls;
            nn::fast::ThreadPool pool(threads, stalls.hooks());
            const Trace got = train(pool);
            EXPECT_GT(stalls.stalls, 0);
            EXPECT_EQ(got.losses, want.losses) << threads << " threads, run " << run;
            ASSERT_EQ(got.params.size(), want.params.size());
            for (std::size_t k = 0; k < want.params.size(); ++k)
                EXPECT_TRUE(testutil::identical(got.params[k], want.params[k]))
                    << "parameter " << k << ", " << threads << " threads, run " << run;
        }
    }
}

// The test above can fail: a loop that adds its chunks' sums in the order the
// chunks finish, rather than in chunk order, gives different bits once the
// stalls reorder the chunks.
TEST(FastStalls, FinishingOrderWouldShowInTheBits) {
    // Chunk sums of very different size (2^25 for the first chunk, about 6.7
    // for the others), whose float total depends on the order they are added
    // in: in chunk order each small one is rounded to 8 as it is added to
    // 2^25; added among themselves first, they are not.
    auto sum_in_finishing_order = [](nn::fast::ThreadPool& pool) {
        std::mutex mutex;
        float total = 0.0f;
        pool.run(64, pool.size(), [&](int chunk, int, int) {
            const float s = chunk == 0 ? 33554432.0f : 6.656f;
            std::lock_guard<std::mutex> lock(mutex);
            total += s;
        });
        return total;
    };
    nn::fast::ThreadPool one(1);
    const float in_order = sum_in_finishing_order(one);
    bool differed = false;
    for (int run = 0; run < 200 && !differed; ++run) {
        Stalls stalls(20261206u + static_cast<unsigned>(run));  // a new pattern each run
        nn::fast::ThreadPool pool(2, stalls.hooks());
        differed = sum_in_finishing_order(pool) != in_order;
    }
    EXPECT_TRUE(differed);
}
