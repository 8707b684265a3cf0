// The Keras-style front-end: naming, summary, shape checks, compile/fit/
// evaluate/predict contracts, the progress line, Dropout, determinism, the
// tensors a layer keeps from step to step, and a finite-difference check of
// the whole model's loss gradient.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

// GCC 12 under -fsanitize=address warns about std::function inside
// <regex> (maybe-uninitialized, a known false positive); -Werror would stop the build.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <regex>
#pragma GCC diagnostic pop

#include <algorithm>
#include <cmath>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "lenet/keras/layers.hpp"
#include "lenet/keras/model.hpp"
#include "lenet/keras/progress.hpp"
#include "nn/activations.hpp"
#include "nn/conv_forward.hpp"
#include "nn/dense.hpp"
#include "nn/init.hpp"
#include "nn/pool_forward.hpp"
#include "nn/rng.hpp"
#include "nn/fast/thread_pool.hpp"
#include "tests/gradcheck.hpp"
#include "tests/test_util.hpp"

using testutil::throws_with;

namespace {

// A tiny 3-class problem on 6x6 images: class k has a bright 3x3 block in
// corner k (top-left, top-right, bottom-left) over weak noise.
struct Blobs {
    nn::Tensor x, y;
};
Blobs make_blobs(int n, std::uint64_t seed) {
    nn::Rng rng(seed);
    Blobs b{nn::Tensor({n, 6, 6, 1}), nn::Tensor()};
    std::vector<int> labels;
    for (int i = 0; i < n; ++i) {
        const int k = i % 3;
        labels.push_back(k);
        const int h0 = k == 2 ? 3 : 0, w0 = k == 1 ? 3 : 0;
        for (int h = 0; h < 6; ++h)
            for (int w = 0; w < 6; ++w) {
                const bool on = h >= h0 && h < h0 + 3 && w >= w0 && w < w0 + 3;
                b.x.at(i, h, w, 0) = static_cast<float>((on ? 1.0 : 0.0) + 0.2 * rng.uniform());
            }
    }
    b.y = keras::to_categorical(labels, 3);
    return b;
}

// A small conv net for the blobs.
keras::Sequential small_model(std::uint64_t seed, std::shared_ptr<keras::Naming> naming = nullptr) {
    using namespace keras;
    Sequential model(Input({6, 6, 1}),
                     {Conv2D(4, 3, 1, "same", "relu"), MaxPooling2D(2), Flatten(), Dense(8, "relu"), Dense(3, "softmax")},
                     seed, std::move(naming));
    model.compile(Adam(0.01f), "categorical_crossentropy", {"accuracy"});
    return model;
}

}  // namespace

// ----------------------------------------------------------------- naming, summary

TEST(KerasNaming, NumbersEachTypeFromTheModelsCreation) {
    keras::Sequential model = small_model(0);
    EXPECT_EQ(model.name(), "sequential");
    model.add(keras::Dense(3, "softmax"));
    std::vector<std::string> names;
    for (std::size_t k = 0; k < model.size(); ++k) names.push_back(model.layer(k).name());
    EXPECT_EQ(names, (std::vector<std::string>{"conv2d", "max_pooling2d", "flatten", "dense", "dense_1", "dense_2"}));
    // Keras counts in the process; plaincnn per model, so a second model starts again...
    EXPECT_EQ(small_model(0).layer(0).name(), "conv2d");
}

TEST(KerasNaming, ASharedNamingContinuesTheCountsAsKerasDoes) {
    auto naming = std::make_shared<keras::Naming>();
    keras::Sequential a = small_model(0, naming);
    keras::Sequential b = small_model(0, naming);
    EXPECT_EQ(a.name(), "sequential");
    EXPECT_EQ(b.name(), "sequential_1");
    EXPECT_EQ(b.layer(0).name(), "conv2d_1");
    EXPECT_EQ(b.layer(4).name(), "dense_3");
}

TEST(KerasSummary, CountsParametersAndCutsLongCells) {
    using namespace keras;
    Sequential model(Input({8, 8, 2}), {AveragePooling2D(2), Conv2D(3, 3), Flatten(), Dropout(0.25f),
                                        Dense(1000), Dense(4, "softmax")});
    // conv2d: 3*3*2*3 + 3 = 57; dense: 12*1000 + 1000 = 13000; dense_1: 1000*4 + 4 = 4004; total 17061.
    const std::string expected =
        "Model: \"sequential\"\n"
        "_________________________________________________________________\n"
        "Layer (type)                 Output Shape              Param #\n"
        "=================================================================\n"
        "average_pooling2d (AveragePo (None, 4, 4, 2)           0\n"
        "_________________________________________________________________\n"
        "conv2d (Conv2D)              (None, 2, 2, 3)           57\n"
        "_________________________________________________________________\n"
        "flatten (Flatten)            (None, 12)                0\n"
        "_________________________________________________________________\n"
        "dropout (Dropout)            (None, 12)                0\n"
        "_________________________________________________________________\n"
        "dense (Dense)                (None, 1000)              13000\n"
        "_________________________________________________________________\n"
        "dense_1 (Dense)              (None, 4)                 4004\n"
        "=================================================================\n"
        "Total params: 17,061\n"
        "Trainable params: 17,061\n"
        "Non-trainable params: 0\n"
        "_________________________________________________________________\n";
    EXPECT_EQ(model.summary(), expected);
    std::ostringstream out;
    model.summary(out);
    EXPECT_EQ(out.str(), expected);
    EXPECT_EQ(model.count_params(), 17061u);
}

// ------------------------------------------------------------------ shape checks

TEST(KerasShapes, DenseAfterAFourDimensionalOutputIsRefusedWithBothShapes) {
    using namespace keras;
    Sequential model(Input({28, 28, 1}), {Conv2D(16, 5), MaxPooling2D(2)});
    EXPECT_TRUE(throws_with(
        [&] { model.add(Dense(120)); },
        {"Sequential.add", "Dense", "max_pooling2d", "(None, 12, 12, 16)", "(None, n_in)", "Flatten"}));
    EXPECT_EQ(model.size(), 2u);  // unchanged
    model.add(Flatten()).add(Dense(120));
    EXPECT_EQ(model.layer(3).name(), "dense");  // the refused layer used no name
    EXPECT_EQ(model.output_shape(), (nn::Shape{120}));
}

TEST(KerasShapes, ImageLayersNeedImagesThatFit) {
    using namespace keras;
    Sequential flat(Input({10}));
    EXPECT_TRUE(throws_with([&] { flat.add(Conv2D(2, 3)); }, {"Conv2D", "(None, h, w, c)", "(None, 10)"}));
    EXPECT_TRUE(throws_with([&] { flat.add(MaxPooling2D(2)); }, {"MaxPooling2D", "(None, 10)"}));
    Sequential small(Input({4, 4, 1}));
    EXPECT_TRUE(throws_with([&] { small.add(Conv2D(2, 5)); }, {"Sequential.add", "Conv2D", "(None, 4, 4, 1)"}));
    EXPECT_TRUE(throws_with([&] { small.add(AveragePooling2D(5)); }, {"AveragePooling2D", "(None, 4, 4, 1)"}));
    EXPECT_EQ(small.size(), 0u);
    small.add(Conv2D(2, 5, 1, "same"));  // same padding keeps 4x4
    EXPECT_EQ(small.output_shape(), (nn::Shape{4, 4, 2}));
}

TEST(KerasShapes, DataMustFitTheModel) {
    keras::Sequential model = small_model(0);
    const nn::Tensor x({5, 6, 6, 1}), y({5, 3});
    EXPECT_TRUE(throws_with([&] { model.fit(nn::Tensor({5, 6, 6}), y, 2, 1, 0); },
                            {"fit", "x", "(5,6,6)", "(None, 6, 6, 1)"}));
    EXPECT_TRUE(throws_with([&] { model.fit(nn::Tensor({5, 6, 5, 1}), y, 2, 1, 0); },
                            {"fit", "(5,6,5,1)", "(None, 6, 6, 1)"}));
    EXPECT_TRUE(throws_with([&] { model.fit(x, nn::Tensor({5, 4}), 2, 1, 0); }, {"fit", "y", "(5,4)", "(None, 3)"}));
    EXPECT_TRUE(throws_with([&] { model.fit(x, nn::Tensor({4, 3}), 2, 1, 0); }, {"fit", "5 samples", "(4,3)"}));
    EXPECT_TRUE(throws_with([&] { model.fit(nn::Tensor({0, 6, 6, 1}), nn::Tensor({0, 3}), 2, 1, 0); },
                            {"fit", "no samples"}));
    const nn::Tensor bad_x({2, 6, 6, 2}), bad_y({2, 3});
    EXPECT_TRUE(throws_with([&] { model.fit(x, y, 2, 1, 0, true, {bad_x, bad_y}); }, {"validation_data", "(2,6,6,2)"}));
    EXPECT_TRUE(throws_with([&] { model.evaluate(x, nn::Tensor({5, 10})); }, {"evaluate", "(5,10)", "(None, 3)"}));
    EXPECT_TRUE(throws_with([&] { model.predict(nn::Tensor({5, 36})); }, {"predict", "(5,36)", "(None, 6, 6, 1)"}));
    EXPECT_TRUE(throws_with([&] { model.train_on_batch(nn::Tensor({5, 36}), y); }, {"train_on_batch", "(5,36)"}));
    EXPECT_TRUE(throws_with([&] { model.fit(x, y, 0, 1, 0); }, {"fit", "batch_size", "0"}));
    EXPECT_TRUE(throws_with([&] { model.fit(x, y, 2, -1, 0); }, {"fit", "epochs", "-1"}));
    EXPECT_TRUE(throws_with([&] { model.fit(x, y, 2, 1, 3); }, {"fit", "verbose", "3"}));
    EXPECT_TRUE(throws_with([&] { model.predict(x, 0); }, {"predict", "batch_size"}));
}

TEST(KerasLayers, RefuseBadConfigurationsByName) {
    using namespace keras;
    EXPECT_TRUE(throws_with([] { Conv2D(0, 3); }, {"Conv2D", "filters", "0"}));
    EXPECT_TRUE(throws_with([] { Conv2D(2, 3, 1, "full"); }, {"Conv2D", "'full'", "valid, same"}));
    EXPECT_TRUE(throws_with([] { Conv2D(2, 3, 1, "same", "gelu"); }, {"Conv2D", "'gelu'", "relu", "softmax"}));
    EXPECT_TRUE(throws_with([] { Conv2D(2, 3, 1, "same", "softmax"); }, {"Conv2D", "softmax", "Dense"}));
    EXPECT_TRUE(throws_with([] { Conv2D(2, Size2(3, 0)); }, {"Conv2D", "kernel_size", "(3, 0)"}));
    EXPECT_TRUE(throws_with([] { Conv2D(2, 3, 0); }, {"Conv2D", "strides"}));
    EXPECT_TRUE(throws_with([] { MaxPooling2D(2, std::nullopt, "same"); }, {"MaxPooling2D", "'same'", "valid"}));
    EXPECT_TRUE(throws_with([] { AveragePooling2D(0); }, {"AveragePooling2D", "pool_size"}));
    EXPECT_TRUE(throws_with([] { Dense(0); }, {"Dense", "units", "0"}));
    EXPECT_TRUE(throws_with([] { Dense(3, "softplus"); }, {"Dense", "'softplus'"}));
    EXPECT_TRUE(throws_with([] { Dropout(1.0f); }, {"Dropout", "rate", "[0, 1)"}));
    EXPECT_TRUE(throws_with([] { Dropout(-0.1f); }, {"Dropout", "rate"}));
    EXPECT_TRUE(throws_with([] { Dense(3, "", "orthogonal"); }, {"Initializer", "'orthogonal'", "he_normal"}));
    EXPECT_TRUE(throws_with([] { Input({28, 0, 1}); }, {"Input", "(28,0,1)"}));
}

// ----------------------------------------------------------------------- compile

TEST(KerasCompile, RefusesUnknownNamesListingTheKnownOnes) {
    keras::Sequential model = small_model(0);
    EXPECT_TRUE(throws_with([&] { model.compile("rmsprop", "categorical_crossentropy"); },
                            {"compile", "'rmsprop'", "adam, sgd"}));
    EXPECT_TRUE(throws_with([&] { model.compile("adam", "mse"); }, {"compile", "'mse'", "categorical_crossentropy"}));
    EXPECT_TRUE(throws_with([&] { model.compile("adam", "categorical_crossentropy", {"auc"}); },
                            {"compile", "'auc'", "accuracy"}));
}

TEST(KerasCompile, NeedsASoftmaxOutputAndComesAfterTheLastAdd) {
    using namespace keras;
    Sequential model(Input({4}), {Dense(3)});
    EXPECT_TRUE(throws_with([&] { model.compile("adam", "categorical_crossentropy"); },
                            {"compile", "softmax", "dense (Dense)"}));
    Sequential empty(Input({4}));
    EXPECT_TRUE(throws_with([&] { empty.compile("adam", "categorical_crossentropy"); }, {"compile", "missing"}));
    Sequential ok(Input({4}), {Dense(3, "softmax")});
    const nn::Tensor x({2, 4}), y = to_categorical({0, 1}, 3);
    EXPECT_TRUE(throws_with([&] { ok.fit(x, y, 2, 1, 0); }, {"fit", "compiled"}));
    ok.compile("sgd", "categorical_crossentropy");
    EXPECT_NO_THROW(ok.train_on_batch(x, y));
    ok.add(Dense(3, "softmax"));  // a changed model must be compiled again
    EXPECT_TRUE(throws_with([&] { ok.evaluate(x, y); }, {"evaluate", "compiled"}));
}

TEST(KerasCompile, OptimizerDefaultsAreKeras) {
    const keras::Adam adam;
    EXPECT_FLOAT_EQ(adam.adam.learning_rate, 0.001f);
    EXPECT_FLOAT_EQ(adam.adam.beta1, 0.9f);
    EXPECT_FLOAT_EQ(adam.adam.beta2, 0.999f);
    EXPECT_FLOAT_EQ(adam.adam.epsilon, 1e-7f);  // TF1's AdamOptimizer has 1e-8
    const keras::SGD sgd(0.1f, 0.9f);
    EXPECT_EQ(sgd.kind, keras::Optimizer::Kind::sgd);
    EXPECT_FLOAT_EQ(sgd.sgd.learning_rate, 0.1f);
    EXPECT_FLOAT_EQ(sgd.sgd.momentum, 0.9f);
    EXPECT_EQ(keras::Optimizer("adam").kind, keras::Optimizer::Kind::adam);
}

// --------------------------------------------------------------- fit / evaluate

TEST(KerasFit, DrivesTheLossDownAndReportsValidationAsEvaluateDoes) {
    keras::Sequential model = small_model(1);
    const Blobs train = make_blobs(48, 2), valid = make_blobs(15, 3);
    keras::History h = model.fit(train.x, train.y, 8, 12, 0, true, {valid.x, valid.y});
    ASSERT_EQ(h["loss"].size(), 12u);
    EXPECT_EQ(h.epoch, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
    EXPECT_LT(h["loss"].back(), 0.5 * h["loss"].front());
    EXPECT_GT(h["accuracy"].back(), 0.9);
    const keras::Evaluation e = model.evaluate(valid.x, valid.y, 8);
    // The same computation right after the last epoch: equal.
    EXPECT_DOUBLE_EQ(h["val_loss"].back(), e.loss);
    EXPECT_DOUBLE_EQ(h["val_accuracy"].back(), e.accuracy);
    EXPECT_GT(e.accuracy, 0.9);
    // The evaluation does not depend on the batch size (means over all samples).
    EXPECT_NEAR(model.evaluate(valid.x, valid.y, 4).loss, e.loss, 1e-6);
    EXPECT_TRUE(throws_with([&] { (void)h["mae"]; }, {"History", "'mae'", "accuracy, loss, val_accuracy, val_loss"}));
}

TEST(KerasFit, SgdWithMomentumTrainsToo) {
    keras::Sequential model = small_model(4);
    model.compile(keras::SGD(0.1f, 0.9f), "categorical_crossentropy");
    const Blobs train = make_blobs(48, 5);
    keras::History h = model.fit(train.x, train.y, 8, 10, 0);
    EXPECT_LT(h["loss"].back(), 0.5 * h["loss"].front());
    EXPECT_EQ(h.history.count("accuracy"), 0u);  // not compiled as a metric
    EXPECT_EQ(h.history.count("val_loss"), 0u);  // no validation data
}

TEST(KerasFit, TheSameSeedTrainsIdenticallyAndAnotherDoesNot) {
    const Blobs train = make_blobs(30, 6);
    auto run = [&](std::uint64_t seed) {
        keras::Sequential model = small_model(seed);
        keras::History h = model.fit(train.x, train.y, 7, 3, 0);  // 30 = 4 * 7 + 2: a partial batch
        return std::make_pair(h["loss"], model.get_weights());
    };
    const auto a = run(9), b = run(9), c = run(10);
    // Deterministic code on the same inputs: bit-identical, so exact comparison is the point.
    EXPECT_EQ(a.first, b.first);
    ASSERT_EQ(a.second.size(), b.second.size());
    for (std::size_t k = 0; k < a.second.size(); ++k) EXPECT_EQ(a.second[k].data, b.second[k].data) << "weight " << k;
    EXPECT_NE(a.first, c.first);
}

TEST(KerasFit, ShuffleFalseTakesBatchesInOrder) {
    // With shuffle off, one epoch of batch size n equals one train_on_batch on everything.
    const Blobs train = make_blobs(12, 7);
    keras::Sequential a = small_model(3), b = small_model(3);
    keras::History h = a.fit(train.x, train.y, 12, 1, 0, false);
    const keras::Evaluation e = b.train_on_batch(train.x, train.y);
    EXPECT_DOUBLE_EQ(h["loss"][0], e.loss);
    EXPECT_EQ(a.get_weights()[0].data, b.get_weights()[0].data);
}

// ------------------------------------------------------------------------ predict

TEST(KerasPredict, EqualsAManualForwardPassThroughNn) {
    keras::Sequential model = small_model(2);
    const Blobs data = make_blobs(7, 8);
    const nn::Tensor y_pred = model.predict(data.x, 3);  // batches of 3, 3 and 1
    ASSERT_EQ(y_pred.shape, (nn::Shape{7, 3}));
    std::vector<nn::Tensor*> w = model.trainable_weights();
    nn::Tensor A = nn::conv_forward(data.x, *w[0], *w[1], nn::Activation::relu(), nn::Padding::same());
    A = nn::pool_forward(A, {2, 2}, {2, 2}, nn::PoolMode::max);
    A = nn::Tensor({7, 3 * 3 * 4}, A.data);
    A = nn::activation_forward(nn::dense_forward(A, *w[2], *w[3]), nn::Activation::relu());
    A = nn::softmax_forward(nn::dense_forward(A, *w[4], *w[5]));
    ASSERT_EQ(A.shape, y_pred.shape);
    for (std::size_t j = 0; j < A.size(); ++j) EXPECT_NEAR(y_pred.data[j], A.data[j], 1e-6f) << j;
}

// ------------------------------------------------------------------------ Dropout

TEST(KerasDropout, ActiveInFitInactiveInPredictAndEvaluate) {
    using namespace keras;
    Sequential model(Input({50}), {Dropout(0.5f), Dense(2, "softmax")}, 11);
    model.compile(SGD(0.0f), "categorical_crossentropy");  // lr 0: weights never move
    const nn::Tensor x = testutil::seeded_uniform({4, 50}, 12, 0.5, 1.5);
    const nn::Tensor y = to_categorical({0, 1, 1, 0}, 2);
    std::vector<nn::Tensor*> w = model.trainable_weights();
    const nn::Tensor manual = nn::softmax_forward(nn::dense_forward(x, *w[0], *w[1]));
    const nn::Tensor p1 = model.predict(x), p2 = model.predict(x);
    for (std::size_t j = 0; j < manual.size(); ++j) {
        EXPECT_NEAR(p1.data[j], manual.data[j], 1e-6f);  // identity at inference
        EXPECT_EQ(p1.data[j], p2.data[j]);
    }
    const double clean = model.evaluate(x, y).loss;
    EXPECT_DOUBLE_EQ(model.evaluate(x, y).loss, clean);
    // In training half the inputs vanish: the loss moves, and differs between two draws.
    const double l1 = model.compute_gradients(x, y), l2 = model.compute_gradients(x, y);
    EXPECT_GT(std::fabs(l1 - clean), 1e-4);
    EXPECT_GT(std::fabs(l1 - l2), 1e-4);
    // and fit (which trains through Dropout) reports a loss other than the clean one
    keras::History h = model.fit(x, y, 4, 1, 0);
    EXPECT_GT(std::fabs(h["loss"][0] - clean), 1e-4);
}

TEST(KerasDropout, LayerIsTheIdentityOutsideTraining) {
    keras::Dropout layer(0.5f);
    nn::Rng rng(1);
    layer.build({6}, rng);
    const nn::Tensor A_prev({2, 6}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
    EXPECT_EQ(layer.forward(A_prev, false, rng).data, A_prev.data);
    const nn::Tensor A = layer.forward(A_prev, true, rng);
    int zeros = 0;
    for (std::size_t j = 0; j < A.size(); ++j) {
        if (A.data[j] == 0.0f) ++zeros;
        else EXPECT_FLOAT_EQ(A.data[j], 2.0f * A_prev.data[j]);  // kept values scale by 1 / (1 - 0.5)
    }
    EXPECT_GT(zeros, 0);
    EXPECT_LT(zeros, 12);
}

// ------------------------------------------------------------------- gradients

namespace {

// Checks every weight gradient of @p model on (x, y) against central
// differences of the evaluate() loss (no dropout, so the loss is a function).
// The gradients of a mean loss are small (about 0.01), where the check's
// absolute floor of 1 would hide a wrong factor; so the loss and the
// gradients are both divided by the largest |gradient|, which makes the
// tolerance relative to it.
void check_model_gradients(keras::Sequential& model, const nn::Tensor& x, const nn::Tensor& y) {
    model.compute_gradients(x, y);
    std::vector<nn::Tensor> analytic;
    double largest = 0.0;
    for (const nn::Tensor* g : model.gradients()) {
        analytic.push_back(*g);
        double largest_here = 0.0;
        for (float v : g->data) largest_here = std::max(largest_here, static_cast<double>(std::fabs(v)));
        EXPECT_GT(largest_here, 1e-4) << "a gradient is all but zero (dead units?): the check would prove little";
        largest = std::max(largest, largest_here);
    }
    for (nn::Tensor& g : analytic)
        for (float& v : g.data) v = static_cast<float>(v / largest);
    std::vector<nn::Tensor*> w = model.trainable_weights();
    std::vector<std::string> names = model.weight_names();
    ASSERT_EQ(analytic.size(), w.size());
    gradcheck::Options opt;
    opt.eps = 1e-2;
    opt.tol = 2e-3;
    auto loss = [&] { return model.evaluate(x, y, x.dim(0)).loss / largest; };
    for (std::size_t k = 0; k < w.size(); ++k) EXPECT_TRUE(gradcheck::check(names[k], *w[k], analytic[k], loss, opt));
}

}  // namespace

TEST(KerasGradients, WholeModelLossMatchesFiniteDifferences) {
    using namespace keras;
    // Smooth activations everywhere; softmax in the middle exercises Dense's
    // non-fused softmax backward, the last one the fused loss.
    Sequential model(Input({5, 5, 2}),
                     {Conv2D(3, 3, 1, "same", "tanh"), AveragePooling2D(2, 1), Conv2D(2, 2, 2, "valid", "sigmoid"),
                      Flatten(), Dense(4, "softmax"), Dense(3, "softmax")},
                     21);
    model.compile("adam", "categorical_crossentropy");
    const nn::Tensor x = testutil::seeded_uniform({3, 5, 5, 2}, 22);
    check_model_gradients(model, x, to_categorical({0, 2, 1}, 3));
}

TEST(KerasGradients, WithReluAndMaxPoolingAwayFromKinks) {
    using namespace keras;
    Sequential model(Input({6, 6, 1}),
                     {Conv2D(3, 3, 1, "valid", "relu", HeNormal(5)), MaxPooling2D(2), Flatten(), Dense(6, "relu"),
                      Dense(2, "softmax")},
                     23);
    model.compile("adam", "categorical_crossentropy");
    nn::Rng rng(24);
    // distinct inputs keep the max-pool windows free of ties
    const nn::Tensor x = gradcheck::distinct_tensor({2, 6, 6, 1}, rng, 0.05);
    check_model_gradients(model, x, to_categorical({1, 0}, 2));
}

// ------------------------------------------------------------------ kept tensors

TEST(KerasKept, OnlyTheFirstLayerWithWeightsSkipsItsInputGradient) {
    using namespace keras;
    auto flags = [](const Sequential& model) {
        std::vector<bool> f;
        for (std::size_t k = 0; k < model.size(); ++k) f.push_back(model.layer(k).input_gradient());
        return f;
    };
    EXPECT_EQ(flags(small_model(4)), (std::vector<bool>{false, true, true, true, true}));
    // no weights before the Dense: nothing reads any input gradient
    Sequential pooled(Input({6, 6, 1}), {MaxPooling2D(2), Flatten(), Dropout(0.5f), Dense(3, "softmax")});
    EXPECT_EQ(flags(pooled), (std::vector<bool>(4, false)));
    EXPECT_TRUE(Dense(3).input_gradient());  // outside a model
    // and the pooled model still trains its one layer
    pooled.compile(SGD(0.1f), "categorical_crossentropy");
    const Blobs data = make_blobs(6, 9);
    const std::vector<nn::Tensor> w0 = pooled.get_weights();
    pooled.train_on_batch(data.x, data.y);
    EXPECT_NE(pooled.get_weights()[0].data, w0[0].data);
}

TEST(KerasKept, ReturningFormsEqualTheKeptForms) {
    nn::fast::ThreadPool pool(2);
    nn::Rng rng(7);
    keras::Conv2D conv(3, 3, 1, "same", "tanh");
    keras::Dense dense(4, "relu");
    conv.build({5, 5, 2}, rng);
    dense.build({6}, rng);
    conv.set_pool(&pool);
    dense.set_pool(&pool);
    const nn::Tensor x_conv = testutil::seeded_uniform({2, 5, 5, 2}, 8);
    const nn::Tensor x_dense = testutil::seeded_uniform({3, 6}, 9);
    for (keras::Layer* layer : {static_cast<keras::Layer*>(&conv), static_cast<keras::Layer*>(&dense)}) {
        const nn::Tensor& x = layer == &conv ? x_conv : x_dense;
        const nn::Tensor A = layer->forward(x, true, rng);
        const nn::Tensor& A_kept = layer->forward_kept(x, true, rng);
        EXPECT_EQ(A.shape, A_kept.shape);
        EXPECT_EQ(A.data, A_kept.data);
        const nn::Tensor dA = testutil::seeded_uniform(A.shape, 10);
        const nn::Tensor dA_prev = layer->backward(dA, x, A);
        const std::vector<nn::Tensor> dW = {*layer->gradients()[0], *layer->gradients()[1]};
        nn::Tensor dA_consumed = dA;
        const nn::Tensor& dA_prev_kept = layer->backward_kept(dA_consumed, x, A_kept);
        EXPECT_EQ(dA_prev.shape, x.shape);
        EXPECT_EQ(dA_prev.data, dA_prev_kept.data);
        EXPECT_EQ(dW[0].data, layer->gradients()[0]->data);
        EXPECT_EQ(dW[1].data, layer->gradients()[1]->data);
    }
}

// ----------------------------------------------------------------- progress line

TEST(KerasProgress, FormatsValuesAndBarsAsKeras) {
    EXPECT_EQ(keras::format_value(0.17754), "0.1775");
    EXPECT_EQ(keras::format_value(1.5), "1.5000");
    EXPECT_EQ(keras::format_value(0.001), "1.0000e-03");  // |v| <= 1e-3 switches to %.4e
    EXPECT_EQ(keras::format_value(-0.00025), "-2.5000e-04");
    // int(30 * 32 / 1563) = 0 cells done
    EXPECT_EQ(keras::progress_bar(32, 1563), "  32/1563 [..............................]");
    // int(30 * 800 / 1563) = 15: 14 '=' and the '>' head
    EXPECT_EQ(keras::progress_bar(800, 1563), " 800/1563 [==============>...............]");
    EXPECT_EQ(keras::progress_bar(1563, 1563), "1563/1563 [==============================]");
}

TEST(KerasProgress, EndOfEpochAndRunningLines) {
    const std::vector<keras::Metric> values = {{"loss", 0.1775}, {"accuracy", 0.9459}};
    // 3.2 s / 1563 steps = 2.05 ms per step
    EXPECT_EQ(keras::progress_line(1563, 1563, 3.2, true, values),
              "1563/1563 [==============================] - 3s 2ms/step - loss: 0.1775 - accuracy: 0.9459");
    // 3.2 s / 32 steps = 0.1 s per step; 1531 steps left = 153 s = 2:33
    EXPECT_EQ(keras::progress_line(32, 1563, 3.2, false, {{"loss", 0.5}}),
              "  32/1563 [..............................] - ETA: 2:33 - loss: 0.5000");
    // 0.4 s / 10 steps: 10 steps left = 0.4 s -> "0s"; 0.4 s / 10 = 40ms per step at the end
    EXPECT_EQ(keras::progress_line(10, 20, 0.4, false, {}), "10/20 [==============>...............] - ETA: 0s");
    EXPECT_EQ(keras::progress_line(20, 20, 0.0002, true, {}), "20/20 [==============================] - 0s 10us/step");
    EXPECT_EQ(keras::progress_line_brief(1563, 3.2, values), "1563/1563 - 3s - loss: 0.1775 - accuracy: 0.9459");
}

TEST(KerasProgress, OneLinePerEpochWhenNotATerminal) {
    keras::Sequential model = small_model(1);
    const Blobs train = make_blobs(12, 2), valid = make_blobs(6, 3);
    std::ostringstream out;
    model.fit(train.x, train.y, 4, 2, 1, true, {valid.x, valid.y}, keras::Console(out, false));
    const std::string v = "\\d\\.\\d{4}";
    const std::string epoch_line = "3/3 \\[==============================\\] - \\d+s \\d+(s|ms|us)/step - loss: " + v +
                                   " - accuracy: " + v + " - val_loss: " + v + " - val_accuracy: " + v + "\n";
    EXPECT_TRUE(std::regex_match(out.str(), std::regex("Epoch 1/2\n" + epoch_line + "Epoch 2/2\n" + epoch_line)))
        << out.str();
    EXPECT_EQ(out.str().find('\r'), std::string::npos);
}

TEST(KerasProgress, VerboseTwoIsBriefAndZeroIsSilent) {
    keras::Sequential model = small_model(1);
    const Blobs train = make_blobs(12, 2);
    std::ostringstream brief, silent;
    model.fit(train.x, train.y, 4, 1, 2, true, {}, keras::Console(brief, false));
    // one epoch: no "Epoch 1/1" header, as Keras
    EXPECT_TRUE(std::regex_match(brief.str(), std::regex("3/3 - \\d+s - loss: \\d\\.\\d{4} - accuracy: \\d\\.\\d{4}\n")))
        << brief.str();
    model.fit(train.x, train.y, 4, 3, 0, true, {}, keras::Console(silent, true));
    EXPECT_EQ(silent.str(), "");
}

TEST(KerasProgress, ATerminalGetsTheFinalLineAfterACarriageReturn) {
    keras::Sequential model = small_model(1);
    const Blobs train = make_blobs(12, 2);
    std::ostringstream out;
    model.fit(train.x, train.y, 4, 1, 1, true, {}, keras::Console(out, true));
    const std::string s = out.str();
    ASSERT_FALSE(s.empty());
    EXPECT_EQ(s.back(), '\n');
    const std::size_t cr = s.rfind('\r');
    ASSERT_NE(cr, std::string::npos);
    EXPECT_TRUE(std::regex_match(s.substr(cr + 1),
                                 std::regex("3/3 \\[=+\\] - \\d+s \\d+(s|ms|us)/step - loss: \\d\\.\\d{4} - accuracy: "
                                            "\\d\\.\\d{4} *\n")))
        << s;
}

// -------------------------------------------------------------------- utilities

TEST(KerasUtils, ToCategoricalAndInitializers) {
    const nn::Tensor Y = keras::to_categorical({1, 0}, 2);
    EXPECT_EQ(Y.data, (std::vector<float>{0, 1, 1, 0}));
    EXPECT_TRUE(throws_with([] { keras::to_categorical({2}, 2); }, {"one_hot", "labels[0] = 2"}));
    // A seeded initializer draws from its own generator: two copies share it,
    // so they continue one sequence; an unseeded one draws from the model's.
    nn::Rng model_rng(0), reference(7);
    keras::HeNormal init(7);
    keras::Initializer copy = init;
    const nn::Tensor a = init({3, 2}, model_rng), b = copy({3, 2}, model_rng);
    const nn::Tensor ra = nn::he_normal({3, 2}, reference), rb = nn::he_normal({3, 2}, reference);
    EXPECT_EQ(a.data, ra.data);
    EXPECT_EQ(b.data, rb.data);
    EXPECT_EQ(keras::Initializer("zeros")({2, 2}, model_rng).data, (std::vector<float>(4, 0.0f)));
    EXPECT_EQ(keras::GlorotUniform().name(), "glorot_uniform");
}
