// The two LeNet-5 builds cross-checked (course tasks 4 and 5): with the same
// seed the TF1-style graph and the Keras-style model start from identical
// weights and the same loss, and their first training losses on a fixed
// batch sequence agree. They differ only in Adam's epsilon (TF1 1e-8, Keras
// 1e-7): given the Keras model TF1's epsilon, the ten losses agree to float
// rounding; with each its own, they drift apart by a few tenths of a percent
// (epsilon / sqrt(v) is not negligible while v is still small). The shuffling
// rule (an nn::Rng seeded with seed + 1, one shuffle of 0..n-1 per epoch) is
// checked the same way.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "lenet/lenet5.hpp"
#include "lenet/tf1/session.hpp"
#include "nn/batch.hpp"
#include "nn/rng.hpp"
#include "tests/test_util.hpp"

namespace {

// The TF1 build with its session, ready to train.
struct Tf1Net {
    explicit Tf1Net(std::uint64_t seed) : graph(seed) {
        x = tf1::placeholder(graph, {-1, 28, 28, 1}, "x");
        y = tf1::placeholder(graph, {-1, 10}, "y");
        net = tf1::lenet5(x, y);
        init = tf1::global_variables_initializer(graph);
        session.run(init);
    }
    // One Adam step on (xb, yb); the loss before the step.
    double train_step(const nn::Tensor& xb, const nn::Tensor& yb) {
        std::vector<nn::Tensor> out = session.run({net.loss, net.train_op}, {{x, xb}, {y, yb}});
        return out[0].data[0];
    }
    tf1::Graph graph;
    tf1::Tensor x, y;
    tf1::LeNet5 net;
    tf1::Operation init;
    tf1::Session session{graph};
};

// m images in [0, 1) and one-hot labels 0..9 in turn.
void make_data(int m, std::uint64_t seed, nn::Tensor& x, nn::Tensor& y) {
    x = testutil::seeded_uniform({m, 28, 28, 1}, seed, 0.0, 1.0);
    std::vector<int> labels(static_cast<std::size_t>(m));
    for (int i = 0; i < m; ++i) labels[static_cast<std::size_t>(i)] = i % 10;
    y = keras::to_categorical(labels, 10);
}

}  // namespace

TEST(Lenet5CrossCheck, SameSeedGivesIdenticalInitialWeights) {
    const std::uint64_t seed = 0;
    Tf1Net tf(seed);
    const keras::Sequential model = keras::lenet5(keras::Input({28, 28, 1}), seed);
    const std::vector<nn::Tensor> keras_w = model.get_weights();
    const std::vector<tf1::Tensor> tf_vars = tf.graph.global_variables();
    ASSERT_EQ(tf_vars.size(), keras_w.size());
    for (std::size_t k = 0; k < keras_w.size(); ++k) {
        const nn::Tensor v = tf.session.run(tf_vars[k]);
        ASSERT_EQ(v.size(), keras_w[k].size()) << tf_vars[k].name();
        // Both drew the same numbers from the same generator: bit-identical.
        EXPECT_EQ(v.data, keras_w[k].data) << tf_vars[k].name();
    }
}

namespace {

// The first ten training losses of the TF1 build and of two Keras builds,
// one with Keras's epsilon (1e-7) and one with TF1's (1e-8), on batches of 8
// taken in a fixed order (0-7, 8-15, 16-23, 0-7, ...).
struct FirstLosses {
    std::vector<double> tf1, keras, keras_tf1_epsilon;
};
FirstLosses first_losses(std::uint64_t seed) {
    Tf1Net tf(seed);
    keras::Sequential model = keras::lenet5(keras::Input({28, 28, 1}), seed);
    keras::Sequential model_e8 = keras::lenet5(keras::Input({28, 28, 1}), seed);
    model_e8.compile(keras::Adam(0.001f, 0.9f, 0.999f, 1e-8f), "categorical_crossentropy", {"accuracy"});
    nn::Tensor x, y;
    make_data(24, 5, x, y);
    std::vector<std::size_t> order(24);
    std::iota(order.begin(), order.end(), std::size_t{0});
    FirstLosses losses;
    for (int step = 0; step < 10; ++step) {
        const std::size_t begin = static_cast<std::size_t>(step % 3) * 8;
        const nn::Tensor xb = nn::gather_samples(x, order, begin, begin + 8);
        const nn::Tensor yb = nn::gather_samples(y, order, begin, begin + 8);
        losses.tf1.push_back(tf.train_step(xb, yb));
        losses.keras.push_back(model.train_on_batch(xb, yb).loss);
        losses.keras_tf1_epsilon.push_back(model_e8.train_on_batch(xb, yb).loss);
    }
    return losses;
}

}  // namespace

TEST(Lenet5CrossCheck, FirstLossesAgreeToRoundingWithTheSameEpsilonAndCloselyWithTheirOwn) {
    const FirstLosses losses = first_losses(4);
    // The same weights, passes and Adam: the ten losses agree to float rounding.
    for (std::size_t k = 0; k < losses.tf1.size(); ++k)
        EXPECT_NEAR(losses.tf1[k], losses.keras_tf1_epsilon[k], 1e-5 * std::fabs(losses.tf1[k])) << "step " << k;
    EXPECT_LT(losses.tf1.back(), losses.tf1.front() - 0.1);  // they learn: the agreement is not trivial
    // Keras's own epsilon: the first loss is still the same, then epsilon
    // shows (measured: well under 1% in these ten steps).
    EXPECT_NEAR(losses.tf1[0], losses.keras[0], 1e-6 * std::fabs(losses.tf1[0]));
    for (std::size_t k = 1; k < losses.tf1.size(); ++k)
        EXPECT_NEAR(losses.tf1[k], losses.keras[k], 1e-2 * std::fabs(losses.tf1[k])) << "step " << k;
}

TEST(Lenet5CrossCheck, FitShufflesWithSeedPlusOneLikeAHandWrittenLoop) {
    const std::uint64_t seed = 7;
    nn::Tensor x, y;
    make_data(20, 8, x, y);
    // Keras: one epoch of fit, batches of 8 (8, 8 and a partial 4).
    keras::Sequential model = keras::lenet5(keras::Input({28, 28, 1}), seed);
    const keras::History h = model.fit(x, y, 8, 1, 0);
    // TF1: the rule written out by hand.
    Tf1Net tf(seed);
    nn::Rng shuffle_rng(seed + 1);
    std::vector<std::size_t> order(20);
    std::iota(order.begin(), order.end(), std::size_t{0});
    shuffle_rng.shuffle(order);
    double sum = 0.0;
    int batches = 0;
    for (std::size_t begin = 0; begin < 20; begin += 8, ++batches) {
        const std::size_t end = std::min<std::size_t>(20, begin + 8);
        sum += tf.train_step(nn::gather_samples(x, order, begin, end), nn::gather_samples(y, order, begin, end));
    }
    // fit reports the mean of its batch losses.
    EXPECT_NEAR(h["loss"][0], sum / batches, 1e-3 * std::fabs(sum / batches));
    // A different shuffle gives a visibly different mean, so the check has teeth.
    Tf1Net other(seed);
    std::iota(order.begin(), order.end(), std::size_t{0});
    double plain = 0.0;
    for (std::size_t begin = 0; begin < 20; begin += 8) {
        const std::size_t end = std::min<std::size_t>(20, begin + 8);
        plain += other.train_step(nn::gather_samples(x, order, begin, end), nn::gather_samples(y, order, begin, end));
    }
    EXPECT_GT(std::fabs(plain / 3 - sum / batches), 1e-3 * std::fabs(sum / batches));
}
