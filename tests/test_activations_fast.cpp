// activation_backward_fast: the plain activation_backward's values for every
// activation, in place and into a kept tensor, for any thread count, and its
// errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "nn/activations.hpp"
#include "nn/fast/activations.hpp"
#include "nn/fast/thread_pool.hpp"
#include "tests/test_util.hpp"

using nn::Activation;
using nn::Tensor;

// relu: dZ = dA where A > 0 (A = 0 counts as clipped).
TEST(ActivationBackwardFast, ReluHandCase) {
    nn::ThreadPool pool(2);
    const Tensor A({2, 3}, {0, 1, 2, 0, 0.5f, 0});
    const Tensor dA({2, 3}, {1, 2, 3, 4, 5, 6});
    Tensor dZ;
    nn::activation_backward_fast(dA, A, Activation::relu(), pool, dZ);
    EXPECT_EQ(dZ.shape, A.shape);
    EXPECT_EQ(dZ.data, (std::vector<float>{0, 2, 3, 0, 5, 0}));
}

// Big enough that two threads share it; stale NaNs in the kept output; in place.
TEST(ActivationBackwardFast, MatchesThePlainFunction) {
    for (const Activation act : {Activation::relu(), Activation::tanh(), Activation::sigmoid(), Activation::linear()}) {
        const Tensor A = testutil::seeded_uniform({32, 28, 28, 6}, 5, -1.0, 1.0);
        const Tensor dA = testutil::seeded_uniform(A.shape, 6);
        const Tensor want = nn::activation_backward(dA, A, act);
        for (int threads : {1, 2, 3}) {
            nn::ThreadPool pool(threads);
            Tensor dZ({7}, NAN);
            nn::activation_backward_fast(dA, A, act, pool, dZ);
            EXPECT_TRUE(testutil::identical(dZ, want)) << act.name() << " " << threads;
            Tensor in_place = dA;
            nn::activation_backward_fast(in_place, A, act, pool, in_place);
            EXPECT_TRUE(testutil::identical(in_place, want)) << act.name() << " in place, " << threads;
        }
    }
}

TEST(ActivationBackwardFast, Errors) {
    nn::ThreadPool pool(1);
    Tensor A({2, 3}), dA({3, 2}), dZ;
    EXPECT_TRUE(testutil::throws_with([&] { nn::activation_backward_fast(dA, A, Activation::relu(), pool, dZ); },
                                      {"activation_backward_fast", "(3,2)", "(2,3)"}));
    EXPECT_TRUE(testutil::throws_with([&] { nn::activation_backward_fast(A, A, Activation::relu(), pool, A); },
                                      {"activation_backward_fast", "dZ", "A"}));
}
