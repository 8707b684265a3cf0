// nn::Context's activation passes on tensors of every rank, a scalar
// included: the fast passes split the values into whole samples along the
// first axis, and a rank-0 tensor has no first axis (it is one sample of one
// value). Each result is compared with the plain nn:: pass. And every pass
// of both contexts on a single value, by hand.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nn/activations.hpp"
#include "nn/context.hpp"
#include "tests/test_util.hpp"

TEST(PlumbingContext, ActivationsOnEveryRankEqualThePlainPass) {
    const std::vector<nn::Shape> shapes = {{}, {1}, {7}, {3, 5}, {2, 3, 4, 5}};
    const nn::Activation acts[] = {nn::Activation::relu(), nn::Activation::tanh(), nn::Activation::sigmoid(),
                                   nn::Activation::linear()};
    for (int threads : {1, 2}) {
        nn::Context ctx(threads);
        for (const nn::Shape& shape : shapes)
            for (const nn::Activation& act : acts) {
                const std::string where = "shape " + nn::shape_str(shape) + ", " + std::to_string(threads) + " threads";
                nn::Tensor Z = testutil::seeded_uniform(shape, 5);
                if (shape.empty()) Z.data[0] = 0.75f;  // a scalar: relu keeps it, so the value shows
                const nn::Tensor A = ctx.activation_forward(Z, act);
                EXPECT_TRUE(testutil::all_close(A, nn::activation_forward(Z, act), 1e-6)) << where;
                const nn::Tensor dA = testutil::seeded_uniform(shape, 6);
                EXPECT_TRUE(testutil::all_close(ctx.activation_backward(dA, A, act),
                                                nn::activation_backward(dA, A, act), 1e-6))
                    << where;
            }
    }
}

TEST(PlumbingContext, EveryPassOnASingleValueByHand) {
    // The smallest tensors a pass accepts: one sample of one pixel of one
    // channel. A shortcut for "nothing to do" that fires on one value too
    // would return zeros here. a = 1.5, w = -2, b = 0.25, upstream gradient 3.
    const nn::Tensor A({1, 1, 1, 1}, {1.5f}), W({1, 1, 1, 1}, {-2.0f}), b({1, 1, 1, 1}, {0.25f});
    const nn::Tensor g({1, 1, 1, 1}, {3.0f});
    const nn::Window one{1, 1};
    for (nn::Passes passes : {nn::Passes::reference, nn::Passes::fast}) {
        nn::Context ctx(2, passes);
        const std::string where = passes == nn::Passes::fast ? "fast" : "reference";
        const nn::Tensor Z = ctx.conv_forward(A, W, b, nn::Activation::linear(), nn::Padding::valid(), {1, 1});
        testutil::expect_values(Z, {1, 1, 1, 1}, {1.5f * -2.0f + 0.25f});
        const nn::ConvGrads cg = ctx.conv_backward(g, A, W, b, nn::Padding::valid(), {1, 1});
        testutil::expect_values(cg.dA_prev, {1, 1, 1, 1}, {3.0f * -2.0f});  // dZ w
        testutil::expect_values(cg.dW, {1, 1, 1, 1}, {3.0f * 1.5f});        // dZ a
        testutil::expect_values(cg.db, {1, 1, 1, 1}, {3.0f});               // dZ
        for (nn::PoolMode mode : {nn::PoolMode::max, nn::PoolMode::avg}) {
            SCOPED_TRACE(where + (mode == nn::PoolMode::max ? ", max" : ", avg"));
            testutil::expect_values(ctx.pool_forward(A, one, {1, 1}, mode), {1, 1, 1, 1}, {1.5f});
            testutil::expect_values(ctx.pool_backward(g, A, one, {1, 1}, mode), {1, 1, 1, 1}, {3.0f});
        }
        const nn::Tensor x({1, 1}, {1.5f}), V({1, 1}, {-2.0f}), c({1, 1}, {0.25f}), dz({1, 1}, {3.0f});
        testutil::expect_values(ctx.dense_forward(x, V, c), {1, 1}, {-2.75f});
        const nn::DenseGrads dg = ctx.dense_backward(dz, x, V, c);
        testutil::expect_values(dg.dA_prev, {1, 1}, {-6.0f});
        testutil::expect_values(dg.dW, {1, 1}, {4.5f});
        testutil::expect_values(dg.db, {1, 1}, {3.0f});
    }
}
