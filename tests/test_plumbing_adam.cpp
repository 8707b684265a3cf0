// Adam on several parameters at once, checked against Adam's formula
// recomputed here in double (not against another nn::Adam, which would share
// any bug): nn::Adam::step, the Context's adam_step on the reference and the
// fast (threaded) passes, the TF1 train op over several variables, and the
// Keras model's update. Each parameter has gradients of its own scale that
// change from step to step, so a moment read from or written to the wrong
// parameter, or a step that skips one, moves the values by about lr.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "lenet/keras/model.hpp"
#include "lenet/tf1/gradients.hpp"
#include "lenet/tf1/graph.hpp"
#include "lenet/tf1/ops.hpp"
#include "lenet/tf1/optimizer.hpp"
#include "lenet/tf1/session.hpp"
#include "nn/adam.hpp"
#include "nn/batch.hpp"
#include "nn/context.hpp"
#include "tests/test_util.hpp"

namespace {

// Adam's state for one parameter, and the update, all in double:
//   m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2,
//   theta <- theta - lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)
struct DoubleAdam {
    nn::AdamConfig config;
    int t = 0;
    std::vector<std::vector<double>> theta, m, v;

    DoubleAdam(nn::AdamConfig c, const std::vector<nn::Tensor>& params) : config(c) {
        for (const nn::Tensor& p : params) {
            theta.emplace_back(p.data.begin(), p.data.end());
            m.emplace_back(p.size(), 0.0);
            v.emplace_back(p.size(), 0.0);
        }
    }
    void step(const std::vector<nn::Tensor>& grads) {
        ++t;
        const double b1 = config.beta1, b2 = config.beta2, eps = config.epsilon;
        const double lr_t = config.learning_rate * std::sqrt(1.0 - std::pow(b2, t)) / (1.0 - std::pow(b1, t));
        for (std::size_t k = 0; k < theta.size(); ++k)
            for (std::size_t j = 0; j < theta[k].size(); ++j) {
                const double g = grads[k].data[j];
                m[k][j] = b1 * m[k][j] + (1.0 - b1) * g;
                v[k][j] = b2 * v[k][j] + (1.0 - b2) * g * g;
                theta[k][j] -= lr_t * m[k][j] / (std::sqrt(v[k][j]) + eps);
            }
    }
};

// Every value of params[k] within tol of the double recomputation.
void expect_matches(const std::vector<const nn::Tensor*>& params, const DoubleAdam& ref, double tol,
                    const std::string& where) {
    ASSERT_EQ(params.size(), ref.theta.size()) << where;
    for (std::size_t k = 0; k < params.size(); ++k) {
        ASSERT_EQ(params[k]->size(), ref.theta[k].size()) << where << ", param " << k;
        for (std::size_t j = 0; j < params[k]->size(); ++j)
            ASSERT_NEAR(params[k]->data[j], ref.theta[k][j], tol) << where << ", param " << k << ", value " << j;
    }
}

// Three parameters of different shapes, 20,811 values in all: more than the
// 16,384 below which the fast step stays on one thread, so it is shared out
// and a thread's range starts inside a parameter. Gradient k of step s has
// scale 10^(k - 1) and changes sign and size with s, so the moments differ
// between parameters.
const std::vector<nn::Shape> kShapes = {{3, 2}, {160, 130}, {1, 5}};

std::vector<nn::Tensor> gradients_of_step(int s) {
    std::vector<nn::Tensor> g;
    for (std::size_t k = 0; k < kShapes.size(); ++k) {
        g.push_back(testutil::seeded_uniform(kShapes[k], 1000 + 10 * s + k));
        const float scale = std::pow(10.0f, static_cast<float>(k) - 1.0f);
        for (float& x : g.back().data) x *= scale;
    }
    return g;
}

std::vector<nn::Tensor> initial_params() {
    std::vector<nn::Tensor> p;
    for (std::size_t k = 0; k < kShapes.size(); ++k) p.push_back(testutil::seeded_uniform(kShapes[k], 500 + k));
    return p;
}

// Five steps of @p step_fn against the double recomputation.
template <typename StepFn>
void check_five_steps(nn::AdamConfig config, StepFn step_fn, const std::string& where) {
    std::vector<nn::Tensor> params = initial_params();
    DoubleAdam ref(config, params);
    std::vector<nn::Tensor*> ptrs;
    std::vector<const nn::Tensor*> cptrs;
    for (nn::Tensor& p : params) {
        ptrs.push_back(&p);
        cptrs.push_back(&p);
    }
    for (int s = 1; s <= 5; ++s) {
        std::vector<nn::Tensor> g = gradients_of_step(s);
        std::vector<const nn::Tensor*> gptrs;
        for (const nn::Tensor& x : g) gptrs.push_back(&x);
        step_fn(ptrs, gptrs);
        ref.step(g);
        expect_matches(cptrs, ref, 2e-6, where + ", step " + std::to_string(s));
    }
}

}  // namespace

TEST(PlumbingAdam, StepUpdatesEveryParameterAsTheFormulaSays) {
    for (float eps : {1e-8f, 1e-7f}) {
        nn::AdamConfig config{0.01f, 0.9f, 0.999f, eps};
        nn::Adam adam(config);
        check_five_steps(config, [&](auto& p, auto& g) { adam.step(p, g); }, "nn::Adam::step");
    }
}

TEST(PlumbingAdam, OtherHyperParametersReachEveryParameter) {
    // beta1 and beta2 far from their defaults, so that a constant or a beta
    // taken from the wrong field shows.
    nn::AdamConfig config{0.05f, 0.5f, 0.8f, 1e-3f};
    nn::Adam adam(config);
    check_five_steps(config, [&](auto& p, auto& g) { adam.step(p, g); }, "nn::Adam::step, betas 0.5 and 0.8");
}

TEST(PlumbingAdam, ContextStepOnReferenceAndFastPassesFollowsTheFormula) {
    nn::AdamConfig config{0.01f, 0.9f, 0.999f, 1e-8f};
    {
        nn::Context ctx(0, nn::Passes::reference);
        nn::Adam adam(config);
        check_five_steps(config, [&](auto& p, auto& g) { ctx.adam_step(adam, p, g); }, "reference context");
    }
    for (int threads : {1, 2, 3}) {
        nn::Context ctx(threads);
        nn::Adam adam(config);
        check_five_steps(config, [&](auto& p, auto& g) { ctx.adam_step(adam, p, g); },
                         "fast context, " + std::to_string(threads) + " threads");
    }
}

TEST(PlumbingAdam, Tf1TrainOpStepsEveryVariableAsTheFormulaSays) {
    // loss = softmax_xent(y, dense(tanh(dense(x)))): four variables.
    tf1::Graph g;
    tf1::Tensor x = tf1::placeholder(g, {-1, 4}, "x");
    tf1::Tensor y = tf1::placeholder(g, {-1, 3}, "y");
    const std::vector<nn::Tensor> init = {testutil::seeded_uniform({4, 5}, 1), testutil::seeded_uniform({1, 5}, 2),
                                          testutil::seeded_uniform({5, 3}, 3), testutil::seeded_uniform({1, 3}, 4)};
    tf1::Variable W1(g, {4, 5}, tf1::constant_initializer(init[0]), "W1");
    tf1::Variable b1(g, {1, 5}, tf1::constant_initializer(init[1]), "b1");
    tf1::Variable W2(g, {5, 3}, tf1::constant_initializer(init[2]), "W2");
    tf1::Variable b2(g, {1, 3}, tf1::constant_initializer(init[3]), "b2");
    tf1::Tensor loss = tf1::softmax_cross_entropy(y, tf1::dense(tf1::activation(tf1::dense(x, W1, b1), nn::Activation::tanh()), W2, b2));
    tf1::AdamOptimizer opt(0.02f);
    tf1::Operation train = opt.minimize(loss);
    std::vector<tf1::Tensor> grads = tf1::gradients(loss, {W1, b1, W2, b2});
    tf1::Operation init_op = tf1::global_variables_initializer(g);
    tf1::Session sess(g);
    sess.run(init_op);

    DoubleAdam ref(opt.config(), init);
    for (int s = 1; s <= 4; ++s) {
        // A different batch each step, so the gradients change (the feed
        // refers to X and Y, which must outlive it).
        const nn::Tensor X = testutil::seeded_uniform({6, 4}, 50 + s), Y = nn::one_hot({0, 1, 2, s % 3, 1, 0}, 3);
        tf1::FeedDict feed = {{x, X}, {y, Y}};
        std::vector<nn::Tensor> gv = sess.run({grads[0], grads[1], grads[2], grads[3]}, feed);
        ref.step(gv);
        sess.run(train, feed);
        std::vector<nn::Tensor> now = sess.run({W1, b1, W2, b2});
        expect_matches({&now[0], &now[1], &now[2], &now[3]}, ref, 2e-6, "TF1 train op, step " + std::to_string(s));
    }
}

TEST(PlumbingAdam, KerasTrainOnBatchStepsEveryWeightAsTheFormulaSays) {
    using namespace keras;
    for (nn::Passes passes : {nn::Passes::reference, nn::Passes::fast}) {
        Sequential model(Input({4, 4, 1}),
                         {Conv2D(2, 3, 1, "valid", "tanh"), Flatten(), Dense(5, "tanh"), Dense(3, "softmax")}, 9);
        model.set_passes(passes);
        model.compile(keras::Adam(0.01f), "categorical_crossentropy");
        std::vector<nn::Tensor> start;
        for (const nn::Tensor* w : model.trainable_weights()) start.push_back(*w);
        DoubleAdam ref(keras::Adam(0.01f).adam, start);
        EXPECT_FLOAT_EQ(ref.config.epsilon, 1e-7f);  // Keras's epsilon
        for (int s = 1; s <= 4; ++s) {
            const nn::Tensor x = testutil::seeded_uniform({5, 4, 4, 1}, 70 + s);
            const nn::Tensor y = nn::one_hot({0, 1, 2, 1, s % 3}, 3);
            model.compute_gradients(x, y);
            std::vector<nn::Tensor> g;
            for (const nn::Tensor* t : model.gradients()) g.push_back(*t);
            ref.step(g);
            model.train_on_batch(x, y);
            std::vector<const nn::Tensor*> now;
            for (nn::Tensor* w : model.trainable_weights()) now.push_back(w);
            expect_matches(now, ref, 2e-6,
                           std::string("Keras ") + (passes == nn::Passes::fast ? "fast" : "reference") + ", step " +
                               std::to_string(s));
        }
    }
}
