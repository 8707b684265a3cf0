// nn::Context: the reference and the fast contexts agree (within float
// rounding) on every pass, the fast one gives the same bits for every thread
// count, and a negative thread count is refused.
#include "nn/context.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "tests/test_util.hpp"

using nn::Activation;
using nn::Context;
using nn::Padding;
using nn::Passes;
using nn::PoolMode;
using nn::Tensor;
using testutil::all_close;
using testutil::identical;
using testutil::seeded_uniform;

namespace {

// Every output of every Context pass, on small seeded inputs: a conv layer
// with stride 2 and explicit padding, its backward with and without dA_prev,
// a 2x2/2 max pool, a dense layer, tanh and sigmoid forward, a tanh backward
// and three Adam steps.
std::vector<Tensor> run_all(Context& ctx) {
    const Tensor A = seeded_uniform({3, 7, 6, 2}, 1);
    const Tensor W = seeded_uniform({3, 2, 2, 4}, 2);
    const Tensor b = seeded_uniform({1, 1, 1, 4}, 3);
    const Padding pad = Padding::explicit_(1, 0);
    std::vector<Tensor> out;
    const Tensor Z = ctx.conv_forward(A, W, b, Activation::relu(), pad, {2, 1});
    out.push_back(Z);
    const Tensor dZ = seeded_uniform(Z.shape, 4);
    nn::ConvGrads g = ctx.conv_backward(dZ, A, W, b, pad, {2, 1});
    out.insert(out.end(), {g.dA_prev, g.dW, g.db});
    g = ctx.conv_backward(dZ, A, W, b, pad, {2, 1}, false);
    EXPECT_EQ(g.dA_prev.size(), 0u);
    out.insert(out.end(), {g.dA_prev, g.dW, g.db});

    const Tensor P = ctx.pool_forward(Z, {2, 2}, {2, 2}, PoolMode::max);
    out.push_back(P);
    out.push_back(ctx.pool_backward(seeded_uniform(P.shape, 5), Z, {2, 2}, {2, 2}, PoolMode::max));

    const Tensor X = seeded_uniform({5, 12}, 6), V = seeded_uniform({12, 7}, 7), c = seeded_uniform({1, 7}, 8);
    const Tensor D = ctx.dense_forward(X, V, c);
    out.push_back(D);
    const nn::DenseGrads h = ctx.dense_backward(seeded_uniform(D.shape, 9), X, V, c);
    out.insert(out.end(), {h.dA_prev, h.dW, h.db});

    const Tensor T = ctx.activation_forward(D, Activation::tanh());
    out.push_back(T);
    out.push_back(ctx.activation_forward(Z, Activation::sigmoid()));
    out.push_back(ctx.activation_backward(seeded_uniform(T.shape, 10), T, Activation::tanh()));

    nn::Adam adam;
    Tensor theta = seeded_uniform({20, 30}, 11), bias = seeded_uniform({30}, 12);
    const Tensor g_theta = seeded_uniform(theta.shape, 13), g_bias = seeded_uniform(bias.shape, 14);
    for (int step = 0; step < 3; ++step) ctx.adam_step(adam, {&theta, &bias}, {&g_theta, &g_bias});
    out.insert(out.end(), {theta, bias});
    return out;
}

}  // namespace

TEST(Context, ReferenceAndFastAgree) {
    Context reference(0, Passes::reference), fast(2);
    EXPECT_EQ(reference.passes(), Passes::reference);
    EXPECT_EQ(reference.threads(), 1);
    EXPECT_EQ(fast.passes(), Passes::fast);
    EXPECT_EQ(fast.threads(), 2);
    const std::vector<Tensor> want = run_all(reference), got = run_all(fast);
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t k = 0; k < got.size(); ++k) {
        EXPECT_EQ(got[k].shape, want[k].shape) << "output " << k;
        EXPECT_TRUE(all_close(got[k], want[k], 1e-5)) << "output " << k;
    }
}

TEST(Context, IdenticalForEveryThreadCount) {
    Context one(1);
    const std::vector<Tensor> want = run_all(one);
    for (int threads : {2, 3, 0}) {
        Context ctx(threads);
        const std::vector<Tensor> got = run_all(ctx);
        ASSERT_EQ(got.size(), want.size());
        for (std::size_t k = 0; k < got.size(); ++k)
            EXPECT_TRUE(identical(got[k], want[k])) << "output " << k << ", " << threads << " threads";
    }
}

// A moved-to context runs on the threads it took.
TEST(Context, MovesItsThreadsAlong) {
    Context from(3);
    Context to(std::move(from));
    EXPECT_EQ(to.threads(), 3);
    Context one(1);
    one = std::move(to);
    EXPECT_EQ(one.threads(), 3);
    Context ref(1);
    const std::vector<Tensor> want = run_all(ref), got = run_all(one);
    for (std::size_t k = 0; k < got.size(); ++k) EXPECT_TRUE(identical(got[k], want[k])) << "output " << k;
}

TEST(Context, RefusesANegativeThreadCount) {
    EXPECT_TRUE(testutil::throws_with([] { Context ctx(-1); }, {"Context", "threads", "-1"}));
    EXPECT_TRUE(testutil::throws_with([] { Context ctx(-2, Passes::reference); }, {"Context", "threads", "-2"}));
}

// The errors are the passes': a fast context names the fast pass, a
// reference context the plain one.
TEST(Context, ErrorsNameThePass) {
    Context reference(0, Passes::reference), fast(1);
    const Tensor A({1, 5, 5, 1}), W({3, 3, 2, 4}), b({1, 1, 1, 4});
    EXPECT_TRUE(testutil::throws_with(
        [&] { reference.conv_forward(A, W, b, Activation::linear(), Padding::same(), {1, 1}); },
        {"conv_forward: ", "c_prev=2"}));
    EXPECT_TRUE(testutil::throws_with([&] { fast.conv_forward(A, W, b, Activation::linear(), Padding::same(), {1, 1}); },
                                      {"fast::conv_forward: ", "c_prev=2"}));
}
