// Course task 5: LeNet-5 on the Keras-style front-end — the exact summary,
// the shapes, the seeded He-normal initial weights, and a first few
// training steps that lower the loss.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lenet/lenet5.hpp"
#include "nn/init.hpp"
#include "nn/rng.hpp"
#include "tests/test_util.hpp"

TEST(Lenet5Keras, SummaryIsTheCoursesTable) {
    const keras::Sequential model = keras::lenet5(keras::Input({28, 28, 1}));
    const std::string expected =
        "Model: \"sequential\"\n"
        "_________________________________________________________________\n"
        "Layer (type)                 Output Shape              Param #\n"
        "=================================================================\n"
        "conv2d (Conv2D)              (None, 28, 28, 6)         156\n"
        "_________________________________________________________________\n"
        "max_pooling2d (MaxPooling2D) (None, 14, 14, 6)         0\n"
        "_________________________________________________________________\n"
        "conv2d_1 (Conv2D)            (None, 10, 10, 16)        2416\n"
        "_________________________________________________________________\n"
        "max_pooling2d_1 (MaxPooling2 (None, 5, 5, 16)          0\n"
        "_________________________________________________________________\n"
        "flatten (Flatten)            (None, 400)               0\n"
        "_________________________________________________________________\n"
        "dense (Dense)                (None, 120)               48120\n"
        "_________________________________________________________________\n"
        "dense_1 (Dense)              (None, 84)                10164\n"
        "_________________________________________________________________\n"
        "dense_2 (Dense)              (None, 10)                850\n"
        "=================================================================\n"
        "Total params: 61,706\n"
        "Trainable params: 61,706\n"
        "Non-trainable params: 0\n"
        "_________________________________________________________________\n";
    EXPECT_EQ(model.summary(), expected);
    EXPECT_EQ(model.count_params(), 61706u);
}

TEST(Lenet5Keras, KernelsComeFromOneHeNormalGeneratorInLayerOrder) {
    const std::uint64_t seed = 3;
    const keras::Sequential model = keras::lenet5(keras::Input({28, 28, 1}), seed);
    const std::vector<nn::Tensor> w = model.get_weights();
    ASSERT_EQ(w.size(), 10u);
    // The documented rule both front-ends follow: one nn::Rng(seed), kernels C1, C3, F5, F6, F7 in turn.
    nn::Rng rng(seed);
    const std::vector<nn::Shape> kernels = {{5, 5, 1, 6}, {5, 5, 6, 16}, {400, 120}, {120, 84}, {84, 10}};
    for (std::size_t k = 0; k < kernels.size(); ++k) {
        const nn::Tensor expected = nn::he_normal(kernels[k], rng);
        EXPECT_EQ(w[2 * k].shape, kernels[k]);
        EXPECT_EQ(w[2 * k].data, expected.data) << "kernel " << k;  // the same draws: bit-identical
        EXPECT_EQ(w[2 * k + 1].data, std::vector<float>(w[2 * k + 1].size(), 0.0f)) << "bias " << k;
    }
    EXPECT_NE(keras::lenet5(keras::Input({28, 28, 1}), seed + 1).get_weights()[0].data, w[0].data);
}

TEST(Lenet5Keras, ComesCompiledAndLearnsAFixedBatch) {
    keras::Sequential model = keras::lenet5(keras::Input({28, 28, 1}));
    const nn::Tensor x = testutil::seeded_uniform({8, 28, 28, 1}, 5, 0.0, 1.0);
    const nn::Tensor y = keras::to_categorical({0, 1, 2, 3, 4, 5, 6, 7}, 10);
    const double first = model.train_on_batch(x, y).loss;  // compiled: no compile() call needed
    double last = first;
    for (int step = 0; step < 15; ++step) last = model.train_on_batch(x, y).loss;
    EXPECT_LT(last, 0.5 * first);
    const nn::Tensor p = model.predict(x);
    EXPECT_EQ(p.shape, (nn::Shape{8, 10}));
}

TEST(Lenet5Keras, RefusesAnInputTooSmallForItsKernels) {
    // 8 -> C1 8 -> S2 4 -> C3 5x5 valid does not fit
    EXPECT_TRUE(testutil::throws_with([] { keras::lenet5(keras::Input({8, 8, 1})); }, {"(None, 4, 4, 6)"}));
}
