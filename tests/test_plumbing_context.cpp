// nn::Context's activation passes on tensors of every rank, a scalar
// included: the fast passes split the values into whole samples along the
// first axis, and a rank-0 tensor has no first axis (it is one sample of one
// value). Each result is compared with the plain nn:: pass.
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
