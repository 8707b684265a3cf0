// nn::fast::adam_step: the plain nn::Adam::step's numbers, bit for bit, on
// pools of every size, and its errors.
#include "nn/fast/adam.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "nn/fast/thread_pool.hpp"
#include "tests/test_util.hpp"

// LeNet-5's ten parameters (61,706 values, enough to be shared out), ten
// steps with gradients that include zeros (dead units): bit for bit step()'s
// numbers for any pool size.
TEST(FastAdam, GivesThePlainStepsNumbers) {
    const std::vector<nn::Shape> shapes = {{5, 5, 1, 6}, {1, 1, 1, 6}, {5, 5, 6, 16}, {1, 1, 1, 16}, {400, 120},
                                           {1, 120},     {120, 84},    {1, 84},       {84, 10},     {1, 10}};
    for (int threads : {1, 2, 3}) {
        std::vector<nn::Tensor> serial, pooled, grads;
        for (std::size_t k = 0; k < shapes.size(); ++k) {
            serial.push_back(testutil::seeded_uniform(shapes[k], 100 + k));
            grads.push_back(testutil::seeded_uniform(shapes[k], 200 + k));
            for (std::size_t j = 0; j < grads[k].size(); j += 3) grads[k].data[j] = 0.0f;  // dead units
        }
        pooled = serial;
        nn::Adam a, b;
        nn::fast::ThreadPool pool(threads);
        std::vector<nn::Tensor*> ps, pp;
        std::vector<const nn::Tensor*> gs;
        for (std::size_t k = 0; k < shapes.size(); ++k) {
            ps.push_back(&serial[k]);
            pp.push_back(&pooled[k]);
            gs.push_back(&grads[k]);
        }
        for (int step = 0; step < 10; ++step) {
            a.step(ps, gs);
            nn::fast::adam_step(b, pp, gs, pool);
        }
        for (std::size_t k = 0; k < shapes.size(); ++k)
            EXPECT_TRUE(testutil::identical(pooled[k], serial[k])) << "param " << k << ", " << threads << " threads";
        EXPECT_EQ(b.steps(), 10);
    }
}

// The checks are step()'s: nothing is updated when a shape is wrong.
TEST(FastAdam, RefusesMismatchesAsStepDoes) {
    nn::fast::ThreadPool pool(2);
    nn::Adam adam;
    nn::Tensor theta({2, 3}, 1.0f);
    const nn::Tensor grad({3, 2}, 1.0f);
    EXPECT_TRUE(testutil::throws_with([&] { nn::fast::adam_step(adam, {&theta}, {&grad}, pool); },
                                      {"Adam::step", "grad 0", "(3,2)", "(2,3)"}));
    EXPECT_EQ(theta.data, std::vector<float>(6, 1.0f));
    EXPECT_EQ(adam.steps(), 0);
}
