// nn::fast::activation_forward and activation_backward: the plain functions'
// values for every activation, for any thread count, and the errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>

#include "nn/activations.hpp"
#include "nn/fast/activations.hpp"
#include "nn/fast/thread_pool.hpp"
#include "tests/test_util.hpp"

using nn::Activation;
using nn::Tensor;

// relu: dZ = dA where A > 0 (A = 0 counts as clipped).
TEST(ActivationBackwardFast, ReluHandCase) {
    nn::fast::ThreadPool pool(2);
    const Tensor A({2, 3}, {0, 1, 2, 0, 0.5f, 0});
    const Tensor dA({2, 3}, {1, 2, 3, 4, 5, 6});
    const Tensor dZ = nn::fast::activation_backward(dA, A, Activation::relu(), pool);
    EXPECT_EQ(dZ.shape, A.shape);
    EXPECT_EQ(dZ.data, (std::vector<float>{0, 2, 3, 0, 5, 0}));
}

// Big enough that two threads share it.
TEST(ActivationBackwardFast, MatchesThePlainFunction) {
    for (const Activation act : {Activation::relu(), Activation::tanh(), Activation::sigmoid(), Activation::linear()}) {
        const Tensor A = testutil::seeded_uniform({32, 28, 28, 6}, 5, -1.0, 1.0);
        const Tensor dA = testutil::seeded_uniform(A.shape, 6);
        const Tensor want = nn::activation_backward(dA, A, act);
        for (int threads : {1, 2, 3}) {
            nn::fast::ThreadPool pool(threads);
            EXPECT_TRUE(testutil::identical(nn::fast::activation_backward(dA, A, act, pool), want))
                << act.name() << " " << threads;
        }
    }
}

// Big enough that two threads share it, and not a whole number of copy blocks per sample.
TEST(ActivationForwardFast, MatchesThePlainFunction) {
    for (const Activation act : {Activation::relu(), Activation::tanh(), Activation::sigmoid(), Activation::linear()}) {
        const Tensor Z = testutil::seeded_uniform({33, 27, 27, 7}, 7, -3.0, 3.0);
        const Tensor want = nn::activation_forward(Z, act);
        for (int threads : {1, 2, 3}) {
            nn::fast::ThreadPool pool(threads);
            EXPECT_TRUE(testutil::identical(nn::fast::activation_forward(Z, act, pool), want))
                << act.name() << " " << threads;
        }
    }
    nn::fast::ThreadPool pool(2);
    const Tensor relu = nn::fast::activation_forward(Tensor({2, 2}, {-1.0f, 0.0f, 2.0f, -0.5f}), Activation::relu(), pool);
    EXPECT_EQ(relu.data, (std::vector<float>{0, 0, 2, 0}));
}

TEST(ActivationBackwardFast, Errors) {
    nn::fast::ThreadPool pool(1);
    Tensor A({2, 3}), dA({3, 2});
    EXPECT_TRUE(testutil::throws_with([&] { nn::fast::activation_backward(dA, A, Activation::relu(), pool); },
                                      {"fast::activation_backward", "(3,2)", "(2,3)"}));
}
