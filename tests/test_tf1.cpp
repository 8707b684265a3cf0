// The TF1-style graph front-end: placeholders and feeds, partial and shared
// evaluation, the errors a TF user would expect, every op's forward on small
// hand cases and its gradient by central differences, fan-in sums, and Adam
// through the train op.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "lenet/tf1/gradients.hpp"
#include "lenet/tf1/graph.hpp"
#include "lenet/tf1/ops.hpp"
#include "lenet/tf1/optimizer.hpp"
#include "lenet/tf1/session.hpp"
#include "nn/adam.hpp"
#include "tests/gradcheck.hpp"
#include "tests/test_util.hpp"

using testutil::throws_with;

namespace {

// How many times the last run evaluated the node called @p name.
long runs_of(const tf1::Session& sess, const std::string& name) {
    return std::count(sess.last_run().begin(), sess.last_run().end(), name);
}

// Random values at least 0.1 away from 0 (relu's kink).
nn::Tensor away_from_zero(const nn::Shape& shape, nn::Rng& rng) {
    nn::Tensor t = gradcheck::random_tensor(shape, rng);
    for (float& v : t.data) v = v < 0 ? v - 0.1f : v + 0.1f;
    return t;
}

// One input of an op under a gradient check: a placeholder and its value.
struct Input {
    tf1::Tensor placeholder;
    nn::Tensor value;
};

// Builds L = mean(flatten(Z) · R) for an op output Z of rank >= 2 (R a
// fixed random column), or L = Z when Z is already a scalar, then checks
// dL/d(input) from tf1::gradients against central differences for every
// input in @p check.
void check_op_gradients(tf1::Graph& g, const tf1::Tensor& Z, std::vector<Input>& inputs,
                        const std::vector<std::size_t>& check, nn::Rng& rng,
                        const gradcheck::Options& opt = gradcheck::Options()) {
    tf1::Tensor L = Z;
    if (!Z.shape().empty()) {
        tf1::Tensor flat = tf1::flatten(Z);
        const int n = flat.shape()[1];
        tf1::Tensor R = tf1::constant(g, gradcheck::random_tensor({n, 1}, rng));
        tf1::Tensor zero = tf1::constant(g, nn::Tensor({1, 1}));
        L = tf1::reduce_mean(tf1::dense(flat, R, zero));
    }
    std::vector<tf1::Tensor> xs;
    for (std::size_t k : check) xs.push_back(inputs[k].placeholder);
    std::vector<tf1::Tensor> grads = tf1::gradients(L, xs);
    // Both kinds of passes: the plain loop nests, and the fast variants on two threads.
    for (tf1::SessionConfig config : {tf1::SessionConfig{1, true}, tf1::SessionConfig{2, false}}) {
        SCOPED_TRACE(config.reference_passes ? "reference passes" : "fast passes");
        tf1::Session sess(g, config);
        tf1::FeedDict feed;
        for (Input& in : inputs) feed.emplace_back(in.placeholder, in.value);  // read in place: sees perturbations
        std::vector<tf1::Fetch> fetches(grads.begin(), grads.end());
        std::vector<nn::Tensor> analytic = sess.run(fetches, feed);
        for (std::size_t j = 0; j < check.size(); ++j) {
            Input& in = inputs[check[j]];
            EXPECT_TRUE(gradcheck::check(
                in.placeholder.name(), in.value, analytic[j], [&] { return double(sess.run(L, feed).data[0]); },
                opt));
        }
    }
}

// A placeholder of @p value's exact shape, with the value.
Input input(tf1::Graph& g, const std::string& name, nn::Tensor value) {
    return {tf1::placeholder(g, value.shape, name), std::move(value)};
}

}  // namespace

// ---------------------------------------------------------------- names and shapes

TEST(Tf1Graph, NamesAreUniqueAsInTensorFlow) {
    tf1::Graph g;
    tf1::Tensor a = tf1::placeholder(g, {-1, 3});
    tf1::Tensor b = tf1::placeholder(g, {-1, 3});
    EXPECT_EQ(a.name(), "Placeholder:0");
    EXPECT_EQ(b.name(), "Placeholder_1:0");
    EXPECT_EQ(a.str(), "Tensor(\"Placeholder:0\", shape=(?, 3), dtype=float32)");
    tf1::Tensor c = tf1::layers::dense(a, 4, nn::Activation::relu(), tf1::zeros_initializer());
    tf1::Tensor d = tf1::layers::dense(a, 4, nn::Activation::linear(), tf1::zeros_initializer());
    EXPECT_EQ(c.name(), "dense/Relu:0");
    EXPECT_EQ(d.name(), "dense_1/MatMul:0");
    std::vector<tf1::Tensor> vars = g.global_variables();
    ASSERT_EQ(vars.size(), 4u);
    EXPECT_EQ(vars[0].name(), "dense/kernel:0");
    EXPECT_EQ(vars[3].name(), "dense_1/bias:0");
    EXPECT_EQ(vars[0].shape(), (nn::Shape{3, 4}));
    EXPECT_EQ(vars[1].shape(), (nn::Shape{1, 4}));
}

TEST(Tf1Graph, StaticShapesFollowTheLayers) {
    tf1::Graph g;
    tf1::Tensor x = tf1::placeholder(g, {-1, 28, 28, 1});
    tf1::Tensor c = tf1::layers::conv2d(x, 6, {5, 5}, nn::Padding::same(), nn::Activation::relu(),
                                        tf1::he_normal_initializer());
    EXPECT_EQ(c.shape(), (nn::Shape{-1, 28, 28, 6}));
    tf1::Tensor p = tf1::layers::max_pooling2d(c, {2, 2}, {2, 2});
    EXPECT_EQ(p.shape(), (nn::Shape{-1, 14, 14, 6}));
    tf1::Tensor v = tf1::layers::conv2d(p, 16, {5, 5}, nn::Padding::valid(), nn::Activation::relu(),
                                        tf1::he_normal_initializer());
    EXPECT_EQ(v.shape(), (nn::Shape{-1, 10, 10, 16}));
    EXPECT_EQ(tf1::layers::flatten(v).shape(), (nn::Shape{-1, 1600}));
    EXPECT_EQ(tf1::shape_text({-1, 3}), "(?, 3)");
    EXPECT_EQ(tf1::shape_text({5}), "(5,)");
    EXPECT_EQ(tf1::shape_text({}), "()");
}

TEST(Tf1Graph, BuildTimeShapeErrorsNameTheOpAndShapes) {
    tf1::Graph g;
    tf1::Tensor x = tf1::placeholder(g, {-1, 8, 8, 3});
    tf1::Tensor W = tf1::constant(g, nn::Tensor({3, 3, 2, 4}));
    tf1::Tensor b = tf1::constant(g, nn::Tensor({1, 1, 1, 4}));
    EXPECT_TRUE(throws_with<tf1::ValueError>([&] { tf1::conv2d(x, W, b, nn::Padding::same()); },
                                             {"conv2d", "c_prev=2", "x (?, 8, 8, 3)", "kernel (3, 3, 2, 4)"}));
    tf1::Tensor v = tf1::placeholder(g, {-1, 5});
    EXPECT_TRUE(throws_with<tf1::ValueError>(
        [&] { tf1::dense(v, tf1::constant(g, nn::Tensor({4, 2})), tf1::constant(g, nn::Tensor({1, 2}))); },
        {"dense", "n_in=4", "x (?, 5)"}));
    EXPECT_TRUE(throws_with<tf1::ValueError>([&] { tf1::argmax(v, 0); }, {"argmax", "last axis"}));
    EXPECT_TRUE(throws_with<tf1::ValueError>([&] { tf1::cast(v, tf1::DType::int64); }, {"cast", "float32", "int64"}));
    EXPECT_TRUE(throws_with<tf1::ValueError>([&] { tf1::reduce_mean(tf1::equal(v, v)); }, {"reduce_mean", "bool"}));
    // a 9x9 window does not fit an 8x8 input: nn/'s geometry check names the op
    tf1::Tensor big = tf1::constant(g, nn::Tensor({9, 9, 3, 1}));
    EXPECT_TRUE(throws_with<std::invalid_argument>(
        [&] { tf1::conv2d(x, big, tf1::constant(g, nn::Tensor({1, 1, 1, 1})), nn::Padding::valid()); }, {"conv2d"}));
}

// ---------------------------------------------------------------- session behaviour

TEST(Tf1Session, FeedsAPlaceholderAndReturnsValuesInFetchOrder) {
    tf1::Graph g;
    tf1::Tensor x = tf1::placeholder(g, {-1, 3}, "x");
    tf1::Tensor r = tf1::relu(x);
    tf1::Tensor m = tf1::reduce_mean(r);
    tf1::Session sess(g);
    nn::Tensor X({2, 3}, {-1, 2, 3, 4, -5, 6});
    // relu: (0, 2, 3, 4, 0, 6); mean = 15 / 6 = 2.5
    std::vector<nn::Tensor> out = sess.run({m, r, x}, {{x, X}});
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(out[0].shape, nn::Shape{});
    EXPECT_FLOAT_EQ(out[0].data[0], 2.5f);
    EXPECT_EQ(out[1].data, (std::vector<float>{0, 2, 3, 4, 0, 6}));
    EXPECT_EQ(out[2].data, X.data);
    // the batch dimension is free: one row works too
    nn::Tensor one({1, 3}, {1, 1, -1});
    EXPECT_FLOAT_EQ(sess.run(m, {{x, one}}).data[0], 2.0f / 3.0f);
}

TEST(Tf1Session, FeedingANonPlaceholderOverridesIt) {
    tf1::Graph g;
    tf1::Tensor a = tf1::constant(g, nn::Tensor({2}, {1, -1}), "a");
    tf1::Tensor b = tf1::relu(a, "b");
    tf1::Tensor c = tf1::reduce_mean(b, "c");
    tf1::Session sess(g);
    EXPECT_FLOAT_EQ(sess.run(c).data[0], 0.5f);  // mean(relu(1, -1)) = 0.5
    nn::Tensor B({2}, {4, 6});
    EXPECT_FLOAT_EQ(sess.run(c, {{b, B}}).data[0], 5.0f);  // b fed: mean(4, 6)
    EXPECT_EQ(runs_of(sess, "a"), 0);
    EXPECT_EQ(runs_of(sess, "b"), 0);
    EXPECT_EQ(runs_of(sess, "c"), 1);
    // fetching a fed tensor gives the fed value
    EXPECT_EQ(sess.run(b, {{b, B}}).data, B.data);
}

TEST(Tf1Session, RunsOnlyTheNodesTheFetchesNeed) {
    tf1::Graph g;
    tf1::Tensor x = tf1::placeholder(g, {-1, 2}, "x");
    tf1::Tensor left = tf1::relu(x, "left");
    tf1::Tensor right = tf1::softmax(x, "right");
    tf1::Tensor right_mean = tf1::reduce_mean(right, "right_mean");
    tf1::Session sess(g);
    nn::Tensor X({1, 2}, {1, 2});
    sess.run(left, {{x, X}});
    EXPECT_EQ(sess.last_run(), (std::vector<std::string>{"left"}));
    sess.run(right_mean, {{x, X}});
    EXPECT_EQ(sess.last_run(), (std::vector<std::string>{"right", "right_mean"}));
    // a needed but unfed placeholder is evaluated (and fails); an unneeded one is not
    tf1::Tensor unused = tf1::placeholder(g, {3}, "unused");
    (void)unused;
    EXPECT_NO_THROW(sess.run(left, {{x, X}}));
}

TEST(Tf1Session, EvaluatesEachNodeOncePerRunWhateverItsConsumers) {
    tf1::Graph g;
    tf1::Tensor x = tf1::placeholder(g, {-1, 2}, "x");
    tf1::Tensor shared = tf1::relu(x, "shared");
    tf1::Tensor a = tf1::reduce_mean(shared, "a");
    tf1::Tensor b = tf1::softmax(shared, "b");
    tf1::Tensor c = tf1::reduce_mean(b, "c");
    std::vector<tf1::Tensor> grads = tf1::gradients(c, {x});
    tf1::Session sess(g);
    nn::Tensor X({2, 2}, {1, 2, 3, 4});
    std::vector<nn::Tensor> out = sess.run({a, c, shared, grads[0], shared}, {{x, X}});
    EXPECT_EQ(runs_of(sess, "shared"), 1);
    EXPECT_EQ(runs_of(sess, "b"), 1);
    EXPECT_EQ(runs_of(sess, "gradients"), 1);
    EXPECT_EQ(sess.last_run().size(), 5u);  // shared, a, b, c, gradients
    EXPECT_EQ(out[2].data, out[4].data);    // the same tensor fetched twice comes back twice
    EXPECT_EQ(out[2].data, X.data);         // relu of positive values
}

TEST(Tf1Session, RunningAnOperationReturnsNothing) {
    tf1::Graph g;
    tf1::Variable v(g, {2}, tf1::constant_initializer(nn::Tensor({2}, {3, 4})), "v");
    tf1::Operation init = tf1::global_variables_initializer(g);
    tf1::Tensor c = tf1::constant(g, nn::Tensor({1}, {7}));
    tf1::Session sess(g);
    std::vector<nn::Tensor> out = sess.run({init, c});
    ASSERT_EQ(out.size(), 2u);
    EXPECT_TRUE(out[0].data.empty());  // TF's None
    EXPECT_EQ(out[1].data, (std::vector<float>{7}));
    EXPECT_EQ(sess.run(v).data, (std::vector<float>{3, 4}));
    EXPECT_EQ(init.name(), "init");
    EXPECT_EQ(v.name(), "v");
}

TEST(Tf1Session, VariablesKeepTheirValuesAndCanBeFed) {
    tf1::Graph g;
    tf1::Variable v(g, {2}, tf1::constant_initializer(nn::Tensor({2}, {3, 4})), "v");
    tf1::Tensor m = tf1::reduce_mean(v);
    tf1::Session sess(g);
    sess.run(v.initializer());
    EXPECT_FLOAT_EQ(sess.run(m).data[0], 3.5f);
    nn::Tensor V({2}, {10, 20});
    EXPECT_FLOAT_EQ(sess.run(m, {{v, V}}).data[0], 15.0f);  // fed for one run
    EXPECT_FLOAT_EQ(sess.run(m).data[0], 3.5f);             // the stored value is unchanged
}

// ---------------------------------------------------------------- errors

TEST(Tf1Errors, UnfedPlaceholderNamesItWithDtypeAndShape) {
    tf1::Graph g;
    tf1::Tensor x = tf1::placeholder(g, {-1, 28, 28, 1}, "x");
    tf1::Tensor y = tf1::placeholder(g, {-1}, "y", tf1::DType::int64);
    tf1::Tensor r = tf1::relu(x);
    tf1::Tensor hit = tf1::equal(y, tf1::argmax(tf1::flatten(r), 1));
    tf1::Session sess(g);
    EXPECT_TRUE(throws_with<tf1::InvalidArgumentError>(
        [&] { sess.run(r); }, {"You must feed a value for placeholder tensor 'x'", "float32", "(?, 28, 28, 1)"}));
    nn::Tensor X({1, 28, 28, 1});
    EXPECT_NO_THROW(sess.run(r, {{x, X}}));  // y is not needed for r
    EXPECT_TRUE(throws_with<tf1::InvalidArgumentError>([&] { sess.run(hit, {{x, X}}); },
                                                       {"placeholder tensor 'y'", "int64", "(?,)"}));
}

TEST(Tf1Errors, FeedOfTheWrongShape) {
    tf1::Graph g;
    tf1::Tensor x = tf1::placeholder(g, {-1, 28, 28, 1}, "x");
    tf1::Tensor r = tf1::relu(x);
    tf1::Session sess(g);
    nn::Tensor bad({2, 28, 28});
    EXPECT_TRUE(throws_with<tf1::ValueError>([&] { sess.run(r, {{x, bad}}); },
                                             {"Cannot feed value of shape (2, 28, 28)", "'x:0'", "'(?, 28, 28, 1)'"}));
    nn::Tensor wrong_width({2, 28, 27, 1});
    EXPECT_TRUE(throws_with<tf1::ValueError>([&] { sess.run(r, {{x, wrong_width}}); }, {"(2, 28, 27, 1)", "x:0"}));
}

TEST(Tf1Errors, UninitialisedVariable) {
    tf1::Graph g;
    tf1::Tensor x = tf1::placeholder(g, {-1, 3}, "x");
    tf1::Tensor z = tf1::layers::dense(x, 2, nn::Activation::linear(), tf1::glorot_uniform_initializer());
    tf1::Session sess(g);
    nn::Tensor X({1, 3});
    EXPECT_TRUE(throws_with<tf1::FailedPreconditionError>([&] { sess.run(z, {{x, X}}); },
                                                          {"Attempting to use uninitialized value dense/kernel"}));
    sess.run(tf1::global_variables_initializer(g));
    EXPECT_EQ(sess.run(z, {{x, X}}).shape, (nn::Shape{1, 2}));
}

TEST(Tf1Errors, TensorFromAnotherGraph) {
    tf1::Graph g1, g2;
    tf1::Tensor a = tf1::placeholder(g1, {2}, "a");
    tf1::Tensor b = tf1::placeholder(g2, {2}, "b");
    tf1::Session sess(g1);
    nn::Tensor V({2});
    EXPECT_TRUE(throws_with<tf1::ValueError>(
        [&] { sess.run(b, {{b, V}}); },
        {"Tensor(\"b:0\", shape=(2,), dtype=float32)", "is not an element of this graph"}));
    EXPECT_TRUE(throws_with<tf1::ValueError>([&] { sess.run(a, {{a, V}, {b, V}}); },
                                             {"feed_dict key", "b:0", "not an element"}));
    EXPECT_TRUE(throws_with<tf1::ValueError>([&] { tf1::equal(a, b); }, {"b:0", "must be from the same graph"}));
    EXPECT_TRUE(throws_with<tf1::ValueError>([&] { tf1::gradients(tf1::reduce_mean(a), {b}); },
                                             {"b:0", "not an element"}));
    EXPECT_TRUE(throws_with<tf1::ValueError>([&] { sess.run(tf1::Tensor()); }, {"empty"}));
}

TEST(Tf1Errors, GradientOfSomethingTheLossDoesNotDependOn) {
    tf1::Graph g;
    tf1::Tensor x = tf1::placeholder(g, {-1, 3}, "x");
    tf1::Tensor other = tf1::placeholder(g, {-1, 3}, "other");
    tf1::Tensor loss = tf1::reduce_mean(x);
    EXPECT_TRUE(throws_with<tf1::ValueError>([&] { tf1::gradients(loss, {other}); },
                                             {"does not depend on", "other:0"}));
    // argmax, equal and cast from bool pass no gradient
    tf1::Tensor acc = tf1::reduce_mean(tf1::cast(tf1::equal(tf1::argmax(x, 1), tf1::argmax(x, -1)), tf1::DType::float32));
    EXPECT_TRUE(throws_with<tf1::ValueError>([&] { tf1::gradients(acc, {x}); }, {"does not depend on", "x:0"}));
}

// ---------------------------------------------------------------- forward values of the small ops

TEST(Tf1Ops, ArgmaxEqualCastMeanOneHotByHand) {
    tf1::Graph g;
    tf1::Tensor p = tf1::placeholder(g, {-1, 3}, "p");
    tf1::Tensor labels = tf1::placeholder(g, {-1}, "labels", tf1::DType::int64);
    tf1::Tensor y = tf1::one_hot(labels, 3);
    tf1::Tensor hit = tf1::equal(tf1::argmax(p, 1), tf1::argmax(y, 1));
    tf1::Tensor acc = tf1::reduce_mean(tf1::cast(hit, tf1::DType::float32));
    EXPECT_EQ(y.shape(), (nn::Shape{-1, 3}));
    EXPECT_EQ(hit.dtype(), tf1::DType::bool_);
    tf1::Session sess(g);
    // argmax rows: (0.1, 0.7, 0.2) -> 1, (0.5, 0.5, 0) -> 0 (first), (0, 0, 1) -> 2, (0.3, 0.3, 0.4) -> 2
    nn::Tensor P({4, 3}, {0.1f, 0.7f, 0.2f, 0.5f, 0.5f, 0, 0, 0, 1, 0.3f, 0.3f, 0.4f});
    nn::Tensor L({4}, {1, 1, 2, 0});  // hits: yes, no, yes, no -> accuracy 0.5
    std::vector<nn::Tensor> out = sess.run({y, hit, acc}, {{p, P}, {labels, L}});
    EXPECT_EQ(out[0].data, (std::vector<float>{0, 1, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0}));
    EXPECT_EQ(out[1].data, (std::vector<float>{1, 0, 1, 0}));
    EXPECT_FLOAT_EQ(out[2].data[0], 0.5f);
}

TEST(Tf1Ops, SoftmaxCrossEntropyByHand) {
    tf1::Graph g;
    tf1::Tensor y = tf1::placeholder(g, {-1, 2}, "y");
    tf1::Tensor z = tf1::placeholder(g, {-1, 2}, "z");
    tf1::Tensor loss = tf1::softmax_cross_entropy(y, z);
    tf1::Session sess(g);
    // logits (0, 0): loss ln 2 for either label; mean over two rows = ln 2
    nn::Tensor Z({2, 2}, {0, 0, 0, 0});
    nn::Tensor Y({2, 2}, {1, 0, 0, 1});
    EXPECT_NEAR(sess.run(loss, {{y, Y}, {z, Z}}).data[0], std::log(2.0), 1e-6);
}

// ---------------------------------------------------------------- gradients by central differences

TEST(Tf1Gradients, Conv2dOverPaddingStrideAndKernelParity) {
    struct Case {
        nn::Padding padding;
        nn::Stride stride;
        int k;
    };
    const std::vector<Case> cases = {{nn::Padding::same(), {1, 1}, 3},  {nn::Padding::valid(), {1, 1}, 3},
                                     {nn::Padding::same(), {2, 2}, 2},  {nn::Padding::valid(), {2, 1}, 2},
                                     {nn::Padding::explicit_(1, 2), {1, 2}, 3}};
    nn::Rng rng(1);
    for (const Case& c : cases) {
        SCOPED_TRACE("padding " + c.padding.str() + ", stride " + std::to_string(c.stride.sh) + "," +
                     std::to_string(c.stride.sw) + ", kernel " + std::to_string(c.k));
        tf1::Graph g;
        std::vector<Input> in = {input(g, "x", gradcheck::random_tensor({2, 5, 5, 2}, rng)),
                                 input(g, "W", gradcheck::random_tensor({c.k, c.k, 2, 3}, rng)),
                                 input(g, "b", gradcheck::random_tensor({1, 1, 1, 3}, rng))};
        tf1::Tensor Z = tf1::conv2d(in[0].placeholder, in[1].placeholder, in[2].placeholder, c.padding, c.stride);
        check_op_gradients(g, Z, in, {0, 1, 2}, rng);
    }
}

TEST(Tf1Gradients, MaxPoolWithAndWithoutOverlap) {
    nn::Rng rng(2);
    for (int k : {2, 3}) {
        SCOPED_TRACE("window " + std::to_string(k));
        tf1::Graph g;
        // distinct values 0.05 apart: no tie appears within eps = 0.01
        std::vector<Input> in = {input(g, "x", gradcheck::distinct_tensor({2, 5, 5, 2}, rng, 0.05))};
        tf1::Tensor Z = tf1::max_pool(in[0].placeholder, {k, k}, {2, 2});
        check_op_gradients(g, Z, in, {0}, rng);
    }
}

TEST(Tf1Gradients, FlattenAndDense) {
    nn::Rng rng(3);
    tf1::Graph g;
    std::vector<Input> in = {input(g, "x", gradcheck::random_tensor({3, 2, 1, 2}, rng)),
                             input(g, "W", gradcheck::random_tensor({4, 5}, rng)),
                             input(g, "b", gradcheck::random_tensor({1, 5}, rng))};
    tf1::Tensor Z = tf1::dense(tf1::flatten(in[0].placeholder), in[1].placeholder, in[2].placeholder);
    check_op_gradients(g, Z, in, {0, 1, 2}, rng);
}

TEST(Tf1Gradients, Activations) {
    nn::Rng rng(4);
    for (nn::Activation act : {nn::Activation::relu(), nn::Activation::tanh(), nn::Activation::sigmoid(),
                               nn::Activation::linear()}) {
        SCOPED_TRACE(act.name());
        tf1::Graph g;
        std::vector<Input> in = {input(g, "x", away_from_zero({3, 4}, rng))};
        check_op_gradients(g, tf1::activation(in[0].placeholder, act), in, {0}, rng);
    }
}

TEST(Tf1Gradients, SoftmaxCastAndMean) {
    nn::Rng rng(5);
    tf1::Graph g;
    std::vector<Input> in = {input(g, "x", gradcheck::random_tensor({3, 4}, rng))};
    tf1::Tensor s = tf1::softmax(tf1::cast(in[0].placeholder, tf1::DType::float32));
    check_op_gradients(g, s, in, {0}, rng);
    tf1::Graph g2;
    std::vector<Input> in2 = {input(g2, "x", gradcheck::random_tensor({2, 3}, rng))};
    check_op_gradients(g2, tf1::reduce_mean(in2[0].placeholder), in2, {0}, rng);
}

TEST(Tf1Gradients, SoftmaxCrossEntropyReachesTheLogitsOnly) {
    nn::Rng rng(6);
    tf1::Graph g;
    std::vector<Input> in = {input(g, "y", nn::Tensor({3, 4}, {1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0})),
                             input(g, "z", gradcheck::random_tensor({3, 4}, rng, -2, 2))};
    tf1::Tensor loss = tf1::softmax_cross_entropy(in[0].placeholder, in[1].placeholder);
    check_op_gradients(g, loss, in, {1}, rng);
    // no gradient flows to the labels: asking for it gives zeros
    std::vector<tf1::Tensor> dy = tf1::gradients(loss, {in[0].placeholder});
    tf1::Session sess(g);
    nn::Tensor d = sess.run(dy[0], {{in[0].placeholder, in[0].value}, {in[1].placeholder, in[1].value}});
    EXPECT_EQ(d.data, std::vector<float>(12, 0.0f));
}

TEST(Tf1Gradients, SumsTheContributionsOfSeveralConsumers) {
    // W and b feed two dense layers, Z = tanh(x W + b) W + b, so dL/dW and
    // dL/db are the sums of what arrives through both layers.
    nn::Rng rng(7);
    tf1::Graph g;
    std::vector<Input> in = {input(g, "x", gradcheck::random_tensor({2, 3}, rng)),
                             input(g, "W", gradcheck::random_tensor({3, 3}, rng)),
                             input(g, "b", gradcheck::random_tensor({1, 3}, rng))};
    tf1::Tensor h1 = tf1::activation(tf1::dense(in[0].placeholder, in[1].placeholder, in[2].placeholder),
                                     nn::Activation::tanh());
    tf1::Tensor Z = tf1::dense(h1, in[1].placeholder, in[2].placeholder);
    check_op_gradients(g, Z, in, {0, 1, 2}, rng);
}

// ---------------------------------------------------------------- Adam through the train op

TEST(Tf1Adam, OneRunOfTheTrainOpIsOneNnAdamStep) {
    nn::Rng rng(8);
    tf1::Graph g;
    tf1::Tensor x = tf1::placeholder(g, {-1, 3}, "x");
    tf1::Tensor y = tf1::placeholder(g, {-1, 2}, "y");
    nn::Tensor W0 = gradcheck::random_tensor({3, 2}, rng), b0({1, 2}, {0.1f, -0.2f});
    tf1::Variable W(g, {3, 2}, tf1::constant_initializer(W0), "W");
    tf1::Variable b(g, {1, 2}, tf1::constant_initializer(b0), "b");
    tf1::Tensor loss = tf1::softmax_cross_entropy(y, tf1::dense(x, W, b));
    tf1::AdamOptimizer opt(0.01f);
    EXPECT_FLOAT_EQ(tf1::AdamOptimizer().config().epsilon, 1e-8f);  // TF1's default
    tf1::Operation train = opt.minimize(loss);
    std::vector<tf1::Tensor> grads = tf1::gradients(loss, {W, b});
    tf1::Operation init = tf1::global_variables_initializer(g);

    tf1::Session sess(g);
    sess.run(init);
    nn::Tensor X = gradcheck::random_tensor({4, 3}, rng), Y({4, 2}, {1, 0, 0, 1, 0, 1, 1, 0});
    tf1::FeedDict feed = {{x, X}, {y, Y}};

    // The same two steps by hand with nn::Adam, from the same gradients.
    nn::Adam reference(opt.config());
    nn::Tensor W_ref = W0, b_ref = b0;
    for (int step = 1; step <= 2; ++step) {
        SCOPED_TRACE("step " + std::to_string(step));
        std::vector<nn::Tensor> gv = sess.run({grads[0], grads[1]}, feed);
        reference.step({&W_ref, &b_ref}, {&gv[0], &gv[1]});
        std::vector<nn::Tensor> out = sess.run({train, loss}, feed);
        EXPECT_TRUE(out[0].data.empty());
        std::vector<nn::Tensor> now = sess.run({W, b});
        for (std::size_t k = 0; k < W_ref.size(); ++k) EXPECT_NEAR(now[0].data[k], W_ref.data[k], 1e-6);
        for (std::size_t k = 0; k < b_ref.size(); ++k) EXPECT_NEAR(now[1].data[k], b_ref.data[k], 1e-6);
    }
    // Every value moved, by about lr on the first step (Adam's step is ~lr per coordinate).
    nn::Tensor W_now = sess.run(W);
    for (std::size_t k = 0; k < W0.size(); ++k) EXPECT_GT(std::fabs(W_now.data[k] - W0.data[k]), 0.005f);

    // The initializer resets the variables and Adam's slots: the next step is a first step again.
    sess.run(init);
    EXPECT_EQ(sess.run(W).data, W0.data);
    nn::Adam fresh(opt.config());
    nn::Tensor W_fresh = W0, b_fresh = b0;
    std::vector<nn::Tensor> gv = sess.run({grads[0], grads[1]}, feed);
    fresh.step({&W_fresh, &b_fresh}, {&gv[0], &gv[1]});
    sess.run(train, feed);
    nn::Tensor W_after = sess.run(W);
    for (std::size_t k = 0; k < W_fresh.size(); ++k) EXPECT_NEAR(W_after.data[k], W_fresh.data[k], 1e-6);
}

TEST(Tf1Adam, TrainOpNeedsInitialisedVariablesAndAVariableList) {
    tf1::Graph g;
    tf1::Tensor x = tf1::placeholder(g, {-1, 2}, "x");
    tf1::Tensor loss = tf1::reduce_mean(tf1::layers::dense(x, 1, nn::Activation::linear(), tf1::zeros_initializer()));
    tf1::Operation train = tf1::AdamOptimizer().minimize(loss);
    tf1::Session sess(g);
    nn::Tensor X({1, 2}, {1, 2});
    EXPECT_TRUE(throws_with<tf1::FailedPreconditionError>([&] { sess.run(train, {{x, X}}); },
                                                          {"uninitialized value dense/"}));
    EXPECT_TRUE(throws_with<tf1::ValueError>([&] { tf1::AdamOptimizer().minimize(loss, {x}); },
                                             {"x:0", "not a Variable"}));
}

// ---------------------------------------------------------------- buffer reuse between runs

namespace {

// A small LeNet-like net: conv 3x3 (same) + relu, 2x2 max pool, flatten,
// dense 5 + relu, dense 3, softmax cross-entropy, and Adam on every variable.
struct SmallNet {
    tf1::Graph g{3};
    tf1::Tensor x = tf1::placeholder(g, {-1, 6, 6, 2}, "x");
    tf1::Tensor y = tf1::placeholder(g, {-1, 3}, "y");
    tf1::Tensor c1 = tf1::layers::conv2d(x, 4, {3, 3}, nn::Padding::same(), nn::Activation::relu(),
                                         tf1::he_normal_initializer());
    tf1::Tensor logits = tf1::layers::dense(
        tf1::layers::dense(tf1::layers::flatten(tf1::layers::max_pooling2d(c1, {2, 2}, {2, 2})), 5,
                           nn::Activation::relu(), tf1::he_normal_initializer()),
        3, nn::Activation::linear(), tf1::he_normal_initializer());
    tf1::Tensor loss = tf1::softmax_cross_entropy(y, logits);
    std::vector<tf1::Tensor> vars = g.global_variables();
    tf1::AdamOptimizer adam{0.01f};
    tf1::Operation train = adam.minimize(loss);
    std::vector<tf1::Tensor> grads = tf1::gradients(loss, vars);  // the images are not among the xs
    tf1::Operation init = tf1::global_variables_initializer(g);
};

// A batch of @p m random images and one-hot labels.
std::pair<nn::Tensor, nn::Tensor> small_batch(int m, nn::Rng& rng) {
    nn::Tensor X = gradcheck::random_tensor({m, 6, 6, 2}, rng), Y({m, 3});
    for (int i = 0; i < m; ++i) Y.data[static_cast<std::size_t>(i) * 3 + static_cast<std::size_t>(i % 3)] = 1.0f;
    return {X, Y};
}

}  // namespace

TEST(Tf1Reuse, TrainOpOnBatchesOf32Then7Then32MatchesAFreshSessionEachTime) {
    SmallNet net;
    nn::Rng rng(9);
    const tf1::SessionConfig config{2, false};
    tf1::Session sess(net.g, config);
    sess.run(net.init);
    // The reference: the variables and nn::Adam held here, each step's gradients
    // from a new session that is fed the variables and has kept nothing.
    std::vector<nn::Tensor> ref = sess.run(std::vector<tf1::Fetch>(net.vars.begin(), net.vars.end()));
    nn::Adam adam(net.adam.config());
    for (int m : {32, 7, 32, 32, 7}) {  // also twice the same size: the kept tensors fit as they are
        SCOPED_TRACE("batch " + std::to_string(m));
        auto [X, Y] = small_batch(m, rng);
        tf1::Session fresh(net.g, config);
        tf1::FeedDict feed = {{net.x, X}, {net.y, Y}};
        for (std::size_t k = 0; k < ref.size(); ++k) feed.emplace_back(net.vars[k], ref[k]);
        std::vector<nn::Tensor> g = fresh.run(std::vector<tf1::Fetch>(net.grads.begin(), net.grads.end()), feed);
        std::vector<nn::Tensor*> params;
        std::vector<const nn::Tensor*> grads;
        for (std::size_t k = 0; k < ref.size(); ++k) {
            params.push_back(&ref[k]);
            grads.push_back(&g[k]);
        }
        adam.step(params, grads);

        sess.run(net.train, {{net.x, X}, {net.y, Y}});
        for (std::size_t k = 0; k < ref.size(); ++k)
            EXPECT_TRUE(testutil::identical(sess.run(net.vars[k]), ref[k])) << net.vars[k].name();
    }
}

TEST(Tf1Reuse, AFetchedTensorKeepsItsValuesAfterLaterRuns) {
    SmallNet net;
    nn::Rng rng(10);
    tf1::Session sess(net.g, tf1::SessionConfig{2, false});
    sess.run(net.init);
    auto [X, Y] = small_batch(32, rng);
    // The conv output, the loss and every gradient, and twice the same one.
    std::vector<tf1::Fetch> fetches = {net.c1, net.loss, net.grads[0], net.grads[0]};
    fetches.insert(fetches.end(), net.grads.begin() + 1, net.grads.end());
    const std::vector<nn::Tensor> got = sess.run(fetches, {{net.x, X}, {net.y, Y}});
    const std::vector<nn::Tensor> copy = got;
    EXPECT_TRUE(testutil::identical(got[2], got[3]));
    for (int m : {32, 7, 32}) {
        auto [X2, Y2] = small_batch(m, rng);
        sess.run(net.train, {{net.x, X2}, {net.y, Y2}});
        sess.run(fetches, {{net.x, X2}, {net.y, Y2}});
    }
    for (std::size_t k = 0; k < got.size(); ++k) EXPECT_TRUE(testutil::identical(got[k], copy[k])) << k;
}

TEST(Tf1Reuse, SkippingTheImagesGradientGivesTheSameKernelGradients) {
    // With x among the xs, the conv backward computes dx; without it, it skips
    // dx (need_dA_prev false). dW and db must be the same bits.
    SmallNet net;
    std::vector<tf1::Tensor> xs = {net.x};
    xs.insert(xs.end(), net.vars.begin(), net.vars.end());
    std::vector<tf1::Tensor> with_dx = tf1::gradients(net.loss, xs);
    nn::Rng rng(11);
    auto [X, Y] = small_batch(32, rng);
    for (int threads : {1, 2}) {
        tf1::Session sess(net.g, tf1::SessionConfig{threads, false});
        sess.run(net.init);
        std::vector<nn::Tensor> skipped = sess.run(std::vector<tf1::Fetch>(net.grads.begin(), net.grads.end()),
                                                   {{net.x, X}, {net.y, Y}});
        std::vector<nn::Tensor> full = sess.run(std::vector<tf1::Fetch>(with_dx.begin(), with_dx.end()),
                                                {{net.x, X}, {net.y, Y}});
        EXPECT_EQ(full[0].shape, X.shape);
        EXPECT_GT(*std::max_element(full[0].data.begin(), full[0].data.end()), 0.0f);
        ASSERT_EQ(skipped.size() + 1, full.size());
        for (std::size_t k = 0; k < skipped.size(); ++k)
            EXPECT_TRUE(testutil::identical(skipped[k], full[k + 1])) << net.vars[k].name();
        // The reference passes compute dx always; the same dW up to rounding.
        tf1::Session reference(net.g, tf1::SessionConfig{1, true});
        reference.run(net.init);
        std::vector<nn::Tensor> ref = reference.run(std::vector<tf1::Fetch>(net.grads.begin(), net.grads.end()),
                                                    {{net.x, X}, {net.y, Y}});
        for (std::size_t k = 0; k < skipped.size(); ++k)
            EXPECT_TRUE(testutil::all_close(skipped[k], ref[k], 1e-5)) << net.vars[k].name();
    }
}

// A relu or reshape that is the last reader of its input takes the input's
// storage instead of copying it (buffer forwarding); fetching the input as
// well keeps it from doing so. Either way the values are the same, run after
// run, and the fetched input is left intact.
TEST(Tf1Reuse, ReluAndReshapeInPlaceGiveTheCopysValues) {
    SmallNet net;
    nn::Rng rng(11);
    tf1::Session sess(net.g, tf1::SessionConfig{2, false});
    sess.run(net.init);
    auto [X, Y] = small_batch(8, rng);
    const tf1::Tensor conv = net.g.node(net.c1.node()).inputs[0];  // the conv's output, before the relu
    const tf1::FeedDict feed = {{net.x, X}, {net.y, Y}};
    const nn::Tensor moved = sess.run(net.logits, feed);                                 // in place
    const std::vector<nn::Tensor> copied = sess.run({conv, net.c1, net.logits}, feed);  // conv fetched: copies
    const nn::Tensor moved_again = sess.run(net.logits, feed);
    EXPECT_TRUE(testutil::identical(moved, copied[2]));
    EXPECT_TRUE(testutil::identical(moved_again, moved));
    EXPECT_TRUE(testutil::identical(copied[1], nn::activation_forward(copied[0], nn::Activation::relu())));
}

// The gradients node reads only the forward values some backward needs: a
// relu's derivative needs its output A, a conv's backward needs its input,
// and no backward needs the conv's output Z. Z then has one reader, the
// relu, which acts on it in place in a training run too, instead of copying it.
TEST(Tf1Reuse, GradientsReadOnlyWhatTheBackwardsNeed) {
    SmallNet net;
    const tf1::Node& relu = net.g.node(net.c1.node());
    const tf1::Tensor conv = relu.inputs[0];
    ASSERT_EQ(net.g.node(conv.node()).op, "Conv2D");
    const std::vector<tf1::Tensor>& read = net.g.node(net.grads[0].node()).inputs;
    auto reads = [&](const tf1::Tensor& t) {
        return std::any_of(read.begin(), read.end(),
                           [&](const tf1::Tensor& r) { return r.node() == t.node() && r.index() == t.index(); });
    };
    EXPECT_FALSE(reads(conv)) << "the conv's output Z";
    EXPECT_TRUE(reads(net.c1)) << "the relu's output A";
    EXPECT_TRUE(reads(net.x)) << "the conv's input";
    const tf1::Tensor hidden = net.g.node(net.logits.node()).inputs[0];  // relu(dense(...))
    const tf1::Tensor dense = net.g.node(hidden.node()).inputs[0];
    ASSERT_EQ(net.g.node(dense.node()).op, "Dense");
    EXPECT_FALSE(reads(dense)) << "the hidden dense layer's output Z";
    EXPECT_TRUE(reads(hidden)) << "its relu's output A";
    EXPECT_TRUE(reads(net.logits)) << "the logits, for the loss's backward";
}
