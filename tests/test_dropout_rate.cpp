// Dropout's keep rate measured tightly enough that a 1 % bias fails, and a
// whole Keras model with a Dropout layer checked against central
// differences with its mask held fixed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "lenet/keras/model.hpp"
#include "nn/batch.hpp"
#include "nn/context.hpp"
#include "nn/dropout.hpp"
#include "nn/rng.hpp"
#include "tests/gradcheck.hpp"
#include "tests/test_util.hpp"

namespace {

// n = 2^22 draws: the kept fraction's standard error sqrt(p (1 - p) / n) is
// at most 0.5 / 2048 = 0.00024, so a tolerance of 0.0015 is six standard
// errors (the seed is fixed, so the test is deterministic anyway), while a
// keep probability off by 1 % of itself moves the fraction by 0.002 at rate
// 0.8 and by 0.009 at rate 0.1.
constexpr int kDraws = 1 << 22;
constexpr double kTol = 0.0015;

// The fraction of nonzero values of a mask, and that every nonzero one is
// exactly the keep scale 1 / (1 - rate).
double kept_fraction(const nn::Tensor& mask, float rate) {
    const float keep_scale = 1.0f / (1.0f - rate);
    std::size_t kept = 0, wrong = 0;
    for (float m : mask.data) {
        if (m != 0.0f) ++kept;
        if (m != 0.0f && m != keep_scale) ++wrong;
    }
    EXPECT_EQ(wrong, 0u) << "rate " << rate << ": kept values that are not 1 / (1 - rate)";
    return static_cast<double>(kept) / static_cast<double>(mask.size());
}

}  // namespace

TEST(DropoutRate, KeptFractionIsOneMinusRateToAFractionOfAPercent) {
    for (float rate : {0.1f, 0.5f, 0.8f}) {
        nn::Rng rng(2024);
        const nn::DropoutResult r = nn::dropout_forward(nn::Tensor({kDraws}, 1.0f), rate, rng);
        EXPECT_NEAR(kept_fraction(r.mask, rate), 1.0 - rate, kTol) << "rate " << rate;
        // E[A] = A_prev: the kept values' scale makes up for the dropped ones.
        double sum = 0.0;
        for (float a : r.A.data) sum += a;
        EXPECT_NEAR(sum / kDraws, 1.0, kTol / (1.0 - rate)) << "rate " << rate;
    }
}

TEST(DropoutRate, TheKerasLayerKeepsTheSameFractionInTraining) {
    nn::Context ctx(1);
    for (float rate : {0.25f, 0.5f}) {
        keras::Dropout layer(rate);
        nn::Rng rng(77);
        layer.build({kDraws / 64, 8, 8}, rng);
        const nn::Tensor A_prev({1, kDraws / 64, 8, 8}, 2.0f);
        const nn::Tensor A = layer.forward(A_prev, true, ctx, rng);
        std::size_t kept = 0;
        for (float a : A.data) kept += a != 0.0f;
        EXPECT_NEAR(static_cast<double>(kept) / kDraws, 1.0 - rate, kTol) << "rate " << rate;
        // Its backward passes the gradient through the same units, scaled alike.
        const nn::Tensor dA_prev = layer.backward(nn::Tensor(A.shape, 1.0f), A_prev, A, ctx);
        for (std::size_t j = 0; j < A.size(); j += 4099)
            ASSERT_FLOAT_EQ(dA_prev.data[j], A.data[j] / 2.0f) << "value " << j << ", rate " << rate;
    }
}

// ------------------------------------------------- whole-model gradient check

namespace {

// Dense -> Dropout -> Dense -> softmax. Every model built with the same seed
// draws the same first dropout mask (its dropout generator starts at seed + 2),
// which is how the objective below holds the mask fixed while the weights move.
keras::Sequential model_with_dropout() {
    using namespace keras;
    Sequential model(Input({5}), {Dense(8, "tanh"), Dropout(0.4f), Dense(6, "tanh"), Dropout(0.3f), Dense(3, "softmax")},
                     41);
    model.compile("adam", "categorical_crossentropy");
    return model;
}

}  // namespace

TEST(DropoutRate, WholeModelGradientsWithDropoutMatchFiniteDifferences) {
    const nn::Tensor x = testutil::seeded_uniform({4, 5}, 42, -2.0, 2.0);
    const nn::Tensor y = nn::one_hot({2, 0, 1, 2}, 3);

    keras::Sequential model = model_with_dropout();
    const double loss = model.compute_gradients(x, y);
    // The masks drop something: the training loss differs from evaluate's (no dropout).
    EXPECT_GT(std::fabs(loss - model.evaluate(x, y, 4).loss), 1e-4);

    std::vector<nn::Tensor> weights = model.get_weights();  // Keras layouts
    std::vector<nn::Tensor> analytic;
    double largest = 0.0;
    for (const nn::Tensor* g : model.gradients())
        for (float v : g->data) largest = std::max(largest, static_cast<double>(std::fabs(v)));
    ASSERT_GT(largest, 1e-4);
    // The mean loss's gradients are small; dividing the loss and the gradients by
    // the largest one makes the check's tolerance relative to it (as test_keras does).
    const std::vector<const nn::Tensor*> grads = model.gradients();
    for (std::size_t k = 0; k < grads.size(); ++k) {
        analytic.emplace_back(weights[k].shape, grads[k]->data);
        for (float& v : analytic.back().data) v = static_cast<float>(v / largest);
    }
    // The objective: a fresh model (same first masks), the current weights, its loss.
    auto objective = [&] {
        keras::Sequential fresh = model_with_dropout();
        fresh.set_weights(weights);
        return fresh.compute_gradients(x, y) / largest;
    };
    EXPECT_NEAR(objective() * largest, loss, 1e-12);  // the mask is the same
    gradcheck::Options opt;
    opt.eps = 1e-2;
    opt.tol = 2e-3;
    const std::vector<std::string> names = model.weight_names();
    for (std::size_t k = 0; k < weights.size(); ++k)
        EXPECT_TRUE(gradcheck::check(names[k], weights[k], analytic[k], objective, opt));
}
