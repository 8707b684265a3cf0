// LeNet-5 on the TF1-style graph (course task 4): the table's shapes and
// parameter count, seeded He-normal kernels drawn in layer order, the whole
// loss's gradient by central differences, bit-identical reruns, the
// accuracy op, agreement of the reference and fast passes, and a short
// training run on a synthetic set whose loss must fall.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lenet/lenet5.hpp"
#include "lenet/tf1/gradients.hpp"
#include "lenet/tf1/session.hpp"
#include "nn/init.hpp"
#include "nn/rng.hpp"
#include "tests/gradcheck.hpp"
#include "tests/test_util.hpp"

namespace {

// A graph with x (m, 28, 28, 1), y (m, 10) and lenet5 built from @p seed.
struct Net {
    tf1::Graph graph;
    tf1::Tensor x, y;
    tf1::LeNet5 net;
    tf1::Operation init;
    explicit Net(std::uint64_t seed) {
        graph.set_random_seed(seed);
        x = tf1::placeholder(graph, {-1, 28, 28, 1}, "x");
        y = tf1::placeholder(graph, {-1, 10}, "y");
        net = tf1::lenet5(x, y);
        init = tf1::global_variables_initializer(graph);
    }
};

// @p m synthetic images: class k = i % 10 is a bright 6x6 square whose place
// depends on k, on faint uniform noise; Y one-hot.
void synthetic(int m, nn::Rng& rng, nn::Tensor& X, nn::Tensor& Y) {
    X = gradcheck::random_tensor({m, 28, 28, 1}, rng, 0.0, 0.1);
    Y = nn::Tensor({m, 10});
    for (int i = 0; i < m; ++i) {
        const int k = i % 10, top = 2 + (k / 5) * 14, left = 1 + (k % 5) * 5;
        for (int h = top; h < top + 6; ++h)
            for (int w = left; w < left + 6; ++w) X.at(i, h, w, 0) = 1.0f;
        Y.at(i, k) = 1.0f;
    }
}

}  // namespace

TEST(Lenet5Tf1, FollowsTheArchitectureTable) {
    Net n(0);
    EXPECT_EQ(n.net.y_pred.shape(), (nn::Shape{-1, 10}));
    EXPECT_EQ(n.net.loss.shape(), nn::Shape{});
    EXPECT_EQ(n.net.accuracy.shape(), nn::Shape{});
    const std::vector<std::pair<std::string, nn::Shape>> expected = {
        {"conv2d/kernel:0", {5, 5, 1, 6}}, {"conv2d/bias:0", {1, 1, 1, 6}},  {"conv2d_1/kernel:0", {5, 5, 6, 16}},
        {"conv2d_1/bias:0", {1, 1, 1, 16}}, {"dense/kernel:0", {400, 120}}, {"dense/bias:0", {1, 120}},
        {"dense_1/kernel:0", {120, 84}},   {"dense_1/bias:0", {1, 84}},     {"dense_2/kernel:0", {84, 10}},
        {"dense_2/bias:0", {1, 10}}};
    std::vector<tf1::Tensor> vars = n.graph.global_variables();
    ASSERT_EQ(vars.size(), expected.size());
    std::size_t params = 0;
    for (std::size_t k = 0; k < vars.size(); ++k) {
        EXPECT_EQ(vars[k].name(), expected[k].first);
        EXPECT_EQ(vars[k].shape(), expected[k].second);
        params += nn::shape_size(vars[k].shape());
    }
    EXPECT_EQ(params, 61706u);  // the table's total
    EXPECT_EQ(n.net.train_op.name(), "Adam");
}

TEST(Lenet5Tf1, KernelsAreHeNormalFromOneRngInLayerOrder) {
    // The rule shared with the Keras build: one nn::Rng(seed), he_normal for
    // C1, C3, F5, F6, F7 in that order, biases zero.
    Net n(42);
    tf1::Session sess(n.graph);
    sess.run(n.init);
    nn::Rng rng(42);
    std::vector<tf1::Tensor> vars = n.graph.global_variables();
    for (std::size_t k = 0; k < vars.size(); k += 2) {
        SCOPED_TRACE(vars[k].name());
        const nn::Tensor expected = nn::he_normal(vars[k].shape(), rng);
        EXPECT_TRUE(testutil::same_bits(sess.run(vars[k]).data, expected.data));
        EXPECT_EQ(sess.run(vars[k + 1]).data, std::vector<float>(nn::shape_size(vars[k + 1].shape()), 0.0f));
    }
}

TEST(Lenet5Tf1, WholeLossGradientMatchesCentralDifferences) {
    Net n(1);
    nn::Rng rng(11);
    nn::Tensor X, Y;
    synthetic(2, rng, X, Y);
    X = gradcheck::random_tensor(X.shape, rng, 0.0, 1.0);  // no flat regions: no exact ties in the max pools
    std::vector<tf1::Tensor> vars = n.graph.global_variables();
    std::vector<tf1::Tensor> grads = tf1::gradients(n.net.loss, vars);
    tf1::Session sess(n.graph);
    sess.run(n.init);
    // Every variable is fed from a copy we can perturb in place.
    std::vector<nn::Tensor> values;
    for (const tf1::Tensor& v : vars) values.push_back(sess.run(v));
    tf1::FeedDict feed = {{n.x, X}, {n.y, Y}};
    for (std::size_t k = 0; k < vars.size(); ++k) feed.emplace_back(vars[k], values[k]);
    std::vector<nn::Tensor> analytic = sess.run(std::vector<tf1::Fetch>(grads.begin(), grads.end()), feed);

    // The gradients of the mean loss are small (about 0.01-0.3), where the
    // check's absolute floor of 1 would hide a wrong factor: loss and
    // gradients are divided by the largest |gradient|, making the tolerance
    // relative to it.
    double largest = 0.0;
    for (const nn::Tensor& g : analytic)
        for (float v : g.data) largest = std::max(largest, double(std::fabs(v)));
    ASSERT_GT(largest, 1e-3);
    std::vector<nn::Tensor> scaled = analytic;
    for (nn::Tensor& g : scaled)
        for (float& v : g.data) v = static_cast<float>(v / largest);
    auto loss = [&] { return double(sess.run(n.net.loss, feed).data[0]); };
    auto scaled_loss = [&] { return loss() / largest; };

    // Exhaustively, the biases of C1, C3, F6 and F7: measured within 2e-4.
    gradcheck::Options opt;
    opt.eps = 1e-3;
    opt.tol = 2e-3;
    for (std::size_t k : {1u, 3u, 7u, 9u}) {
        SCOPED_TRACE(vars[k].name());
        EXPECT_TRUE(gradcheck::check(vars[k].name(), values[k], scaled[k], scaled_loss, opt));
    }
    // And the C1 kernel. Moving one C1 weight moves 1,568 ReLU inputs and
    // max-pool windows by up to eps, and a few of them cross their kinks
    // (counted: 3 sign flips at eps 1e-3, 22 at 1e-2), each bending the
    // central difference a little; a smaller step drowns in the float
    // rounding of the loss. Measured worst: 1.4% of the largest gradient, so
    // the tolerance is 2%. A wrong factor, sign, missing fan-in or misrouted
    // gradient is far larger.
    opt.tol = 2e-2;
    EXPECT_TRUE(gradcheck::check(vars[0].name(), values[0], scaled[0], scaled_loss, opt));

    // Every variable at once along three random directions D:
    // (L(w + e D) - L(w - e D)) / 2e against sum(dL/dw * D). Along D the
    // slope is large (about 1-4), so a step of 1e-4 moves the loss far above
    // its float rounding while crossing few kinks.
    for (int trial = 0; trial < 3; ++trial) {
        SCOPED_TRACE("direction " + std::to_string(trial));
        std::vector<nn::Tensor> D, saved = values;
        double predicted = 0.0;
        for (std::size_t k = 0; k < vars.size(); ++k) {
            D.push_back(gradcheck::random_tensor(values[k].shape, rng));
            predicted += gradcheck::weighted_sum(D[k], analytic[k]);
        }
        const double e = 1e-4;
        auto move = [&](double s) {
            for (std::size_t k = 0; k < vars.size(); ++k)
                for (std::size_t j = 0; j < values[k].size(); ++j)
                    values[k].data[j] = static_cast<float>(saved[k].data[j] + s * D[k].data[j]);
        };
        move(e);
        const double up = loss();
        move(-e);
        const double down = loss();
        values = saved;
        const double numeric = (up - down) / (2 * e);
        EXPECT_NEAR(numeric, predicted, 2e-2 * std::max({1.0, std::fabs(numeric), std::fabs(predicted)}));
    }
}

TEST(Lenet5Tf1, SameSeedGivesBitIdenticalLosses) {
    nn::Rng data_rng(5);
    nn::Tensor X, Y;
    synthetic(10, data_rng, X, Y);
    auto losses = [&](std::uint64_t seed) {
        Net n(seed);
        tf1::Session sess(n.graph);
        sess.run(n.init);
        std::vector<float> out;
        for (int step = 0; step < 3; ++step) {
            std::vector<nn::Tensor> r = sess.run({n.net.train_op, n.net.loss}, {{n.x, X}, {n.y, Y}});
            out.push_back(r[1].data[0]);
        }
        return out;
    };
    const std::vector<float> a = losses(3), b = losses(3), c = losses(4);
    EXPECT_TRUE(testutil::same_bits(a, b));
    EXPECT_FALSE(testutil::same_bits(a, c));  // another seed, other weights
}

TEST(Lenet5Tf1, AccuracyComparesArgmaxOfPredictionAndLabel) {
    Net n(0);
    tf1::Session sess(n.graph);
    // Feeding y_pred overrides the network, as in TF: no variable is read.
    // Rows' argmax: 2, 0, 9, 1 against labels 2, 0, 3, 1: 3 of 4 right.
    nn::Tensor P({4, 10}), Y({4, 10});
    P.at(0, 2) = 0.9f, P.at(1, 0) = 0.5f, P.at(2, 9) = 0.7f, P.at(3, 1) = 0.6f;
    Y.at(0, 2) = 1, Y.at(1, 0) = 1, Y.at(2, 3) = 1, Y.at(3, 1) = 1;
    EXPECT_FLOAT_EQ(sess.run(n.net.accuracy, {{n.net.y_pred, P}, {n.y, Y}}).data[0], 0.75f);
    EXPECT_EQ(std::count(sess.last_run().begin(), sess.last_run().end(), "conv2d/kernel"), 0);
}

TEST(Lenet5Tf1, ReferenceAndFastPassesAgree) {
    // Three training steps with the plain loop nests and with the fast passes
    // on two threads: the same losses and weights up to float rounding.
    nn::Rng rng(6);
    nn::Tensor X, Y;
    synthetic(8, rng, X, Y);
    std::vector<float> losses[2];
    std::vector<nn::Tensor> weights[2];
    for (int fast = 0; fast < 2; ++fast) {
        Net n(9);
        tf1::SessionConfig config;
        config.reference_passes = fast == 0;
        config.intra_op_parallelism_threads = 2;
        tf1::Session sess(n.graph, config);
        EXPECT_EQ(sess.context().passes(), fast ? nn::Passes::fast : nn::Passes::reference);
        EXPECT_EQ(sess.context().threads(), fast ? 2 : 1);
        sess.run(n.init);
        for (int step = 0; step < 3; ++step)
            losses[fast].push_back(sess.run({n.net.train_op, n.net.loss}, {{n.x, X}, {n.y, Y}})[1].data[0]);
        const std::vector<tf1::Tensor> vars = n.graph.global_variables();
        weights[fast] = sess.run(std::vector<tf1::Fetch>(vars.begin(), vars.end()));
    }
    for (int step = 0; step < 3; ++step) EXPECT_NEAR(losses[0][step], losses[1][step], 1e-4);
    // Adam divides by sqrt(v), so where a gradient is near zero its rounding
    // moves the weight further than elsewhere: measured worst 8.5e-6 (C3's
    // kernel). A wrong step moves a weight by about lr = 1e-3.
    for (std::size_t k = 0; k < weights[0].size(); ++k)
        EXPECT_TRUE(testutil::all_close(weights[1][k], weights[0][k], 1e-4)) << "variable " << k;
}

TEST(Lenet5Tf1, ShortTrainingRunLowersTheLoss) {
    nn::Rng rng(7);
    nn::Tensor X, Y;
    synthetic(40, rng, X, Y);
    Net n(0);
    tf1::Session sess(n.graph);
    sess.run(n.init);
    const tf1::FeedDict all = {{n.x, X}, {n.y, Y}};
    const float before = sess.run(n.net.loss, all).data[0];
    std::vector<std::size_t> order(40);
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    nn::Rng shuffle(1);
    for (int epoch = 0; epoch < 5; ++epoch) {
        shuffle.shuffle(order);
        for (std::size_t begin = 0; begin < order.size(); begin += 10) {
            nn::Tensor Xb({10, 28, 28, 1}), Yb({10, 10});
            for (std::size_t k = 0; k < 10; ++k) {
                std::copy(X.sample(static_cast<int>(order[begin + k])),
                          X.sample(static_cast<int>(order[begin + k])) + 784, Xb.sample(static_cast<int>(k)));
                std::copy(Y.sample(static_cast<int>(order[begin + k])),
                          Y.sample(static_cast<int>(order[begin + k])) + 10, Yb.sample(static_cast<int>(k)));
            }
            sess.run(n.net.train_op, {{n.x, Xb}, {n.y, Yb}});
        }
    }
    const std::vector<nn::Tensor> after = sess.run({n.net.loss, n.net.accuracy}, all);
    EXPECT_LT(after[0].data[0], 0.5f * before);  // 20 Adam steps on an easy set
    EXPECT_GT(after[1].data[0], 0.5f);
}
