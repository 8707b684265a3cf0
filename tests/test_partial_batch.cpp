// The short last batch of an epoch: fit over n = 11 samples in batches of 4
// takes 4, 4 and 3 samples, and the last step must be exactly a step on those
// 3 samples alone, with the loss and gradients of their mean (not divided by
// the batch size, not dropped, not padded with samples from another batch).
#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "lenet/keras/model.hpp"
#include "nn/batch.hpp"
#include "tests/test_util.hpp"

namespace {

keras::Sequential tiny_model() {
    using namespace keras;
    Sequential model(Input({5}), {Dense(4, "tanh"), Dense(3, "softmax")}, 31);
    model.compile(SGD(0.5f), "categorical_crossentropy", {"accuracy"});
    return model;
}

struct Data {
    nn::Tensor x, y;
};

Data eleven_samples() {
    return {testutil::seeded_uniform({11, 5}, 32), nn::one_hot({0, 1, 2, 0, 1, 2, 2, 1, 0, 2, 1}, 3)};
}

// Samples [begin, end) of t.
nn::Tensor rows(const nn::Tensor& t, std::size_t begin, std::size_t end) {
    std::vector<std::size_t> index(static_cast<std::size_t>(t.dim(0)));
    std::iota(index.begin(), index.end(), std::size_t{0});
    return nn::gather_samples(t, index, begin, end);
}

std::vector<nn::Tensor> copies(const std::vector<const nn::Tensor*>& ts) {
    std::vector<nn::Tensor> out;
    for (const nn::Tensor* t : ts) out.push_back(*t);
    return out;
}

}  // namespace

TEST(PartialBatch, FitTakesTheShortLastBatchAsAStepOfItsOwn) {
    const Data d = eleven_samples();
    keras::Sequential fitted = tiny_model(), stepped = tiny_model();
    const keras::History h = fitted.fit(d.x, d.y, 4, 1, 0, false);

    // The same epoch by hand: three train_on_batch calls on 4, 4 and 3 samples.
    double loss_sum = 0.0;
    for (std::size_t begin : {0, 4, 8}) {
        const std::size_t end = std::min<std::size_t>(begin + 4, 11);
        loss_sum += stepped.train_on_batch(rows(d.x, begin, end), rows(d.y, begin, end)).loss;
    }
    // fit's loss is the mean over its 3 batches of each batch's loss.
    EXPECT_NEAR(h["loss"][0], loss_sum / 3.0, 1e-12);
    const std::vector<nn::Tensor> a = fitted.get_weights(), b = stepped.get_weights();
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t k = 0; k < a.size(); ++k) EXPECT_TRUE(testutil::identical(a[k], b[k])) << "weight " << k;
    // The gradients left by the last step are those of the 3-sample batch.
    const std::vector<nn::Tensor> ga = copies(fitted.gradients()), gb = copies(stepped.gradients());
    for (std::size_t k = 0; k < ga.size(); ++k) EXPECT_TRUE(testutil::identical(ga[k], gb[k])) << "gradient " << k;
}

TEST(PartialBatch, ItsLossAndGradientsAreTheMeanOverItsOwnSamples) {
    // The loss of a batch is the mean of its samples' losses, and so is each
    // gradient: computed one sample at a time, then averaged in double.
    const Data d = eleven_samples();
    keras::Sequential model = tiny_model();
    const nn::Tensor x = rows(d.x, 8, 11), y = rows(d.y, 8, 11);
    const double batch_loss = model.compute_gradients(x, y);
    const std::vector<nn::Tensor> batch_grads = copies(model.gradients());

    double loss_sum = 0.0;
    std::vector<std::vector<double>> grad_sum;
    for (const nn::Tensor& g : batch_grads) grad_sum.emplace_back(g.size(), 0.0);
    for (std::size_t i = 0; i < 3; ++i) {
        loss_sum += model.compute_gradients(rows(x, i, i + 1), rows(y, i, i + 1));
        const std::vector<const nn::Tensor*> g = model.gradients();
        for (std::size_t k = 0; k < g.size(); ++k)
            for (std::size_t j = 0; j < g[k]->size(); ++j) grad_sum[k][j] += g[k]->data[j];
    }
    EXPECT_NEAR(batch_loss, loss_sum / 3.0, 1e-6);
    for (std::size_t k = 0; k < batch_grads.size(); ++k)
        for (std::size_t j = 0; j < batch_grads[k].size(); ++j)
            ASSERT_NEAR(batch_grads[k].data[j], grad_sum[k][j] / 3.0, 1e-6) << "gradient " << k << ", value " << j;
}

TEST(PartialBatch, EveryEpochEndsWithItAndEvaluateWeighsItBySize) {
    // Two epochs: 3 steps each (an SGD step changes the weights, so a
    // dropped or repeated batch would show in the weights).
    const Data d = eleven_samples();
    keras::Sequential fitted = tiny_model(), stepped = tiny_model();
    fitted.fit(d.x, d.y, 4, 2, 0, false);
    for (int epoch = 0; epoch < 2; ++epoch)
        for (std::size_t begin : {0, 4, 8}) {
            const std::size_t end = std::min<std::size_t>(begin + 4, 11);
            stepped.train_on_batch(rows(d.x, begin, end), rows(d.y, begin, end));
        }
    const std::vector<nn::Tensor> a = fitted.get_weights(), b = stepped.get_weights();
    for (std::size_t k = 0; k < a.size(); ++k) EXPECT_TRUE(testutil::identical(a[k], b[k])) << "weight " << k;

    // evaluate in batches of 4 is the mean over all 11 samples: the batch of
    // 3 counts 3/11, not 1/3.
    const keras::Evaluation batched = fitted.evaluate(d.x, d.y, 4);
    const keras::Evaluation whole = fitted.evaluate(d.x, d.y, 11);
    EXPECT_NEAR(batched.loss, whole.loss, 1e-6);
    EXPECT_NEAR(batched.accuracy, whole.accuracy, 1e-12);
    // predict in batches of 4 fills every row, the last three included.
    const nn::Tensor p4 = fitted.predict(d.x, 4), p11 = fitted.predict(d.x, 11);
    EXPECT_TRUE(testutil::all_close(p4, p11, 1e-6));
}
