// Tests for nn/adam: three updates against values computed by hand from the
// formula in adam.hpp (bias correction included), for TF1's epsilon 1e-8 and
// Keras's 1e-7; shape and count errors; bad hyper-parameters.
#include "nn/adam.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/test_util.hpp"

using nn::Tensor;
using ::testing::HasSubstr;
using testutil::error_message;
using testutil::expect_elements_near;

namespace {

// theta0 = (1, -0.5, 2), lr = 0.1, beta1 = 0.9, beta2 = 0.999, and gradients
//   step 1: ( 0.2, -0.1, 1e-6)
//   step 2: ( 0.1,  0.3, 1e-6)
//   step 3: (-0.4,  0.0, 2e-6)
// The third element's gradient is so small that sqrt(v) is close to epsilon,
// which makes the two epsilons give clearly different results.
const std::vector<std::vector<float>> kGrads = {{0.2f, -0.1f, 1e-6f}, {0.1f, 0.3f, 1e-6f}, {-0.4f, 0.0f, 2e-6f}};

// Runs the three steps and returns theta after each.
std::vector<std::vector<float>> run(float epsilon) {
    nn::AdamConfig config;
    config.learning_rate = 0.1f;
    config.epsilon = epsilon;
    nn::Adam adam(config);
    Tensor theta({3}, {1.0f, -0.5f, 2.0f});
    std::vector<std::vector<float>> out;
    for (const auto& g : kGrads) {
        Tensor grad({3}, g);
        adam.step({&theta}, {&grad});
        out.push_back(theta.data);
    }
    EXPECT_EQ(adam.steps(), 3);
    return out;
}

// Step 1 by hand: lr_1 = 0.1 sqrt(1 - 0.999) / (1 - 0.9) = 0.0316227766;
// m = 0.1 g, v = 0.001 g^2, so the update is lr_1 * 0.1 g / (0.0316228 |g| + eps)
// = 0.1 sign(g) / (1 + eps / (0.0316228 |g|)):
//   element 0: 1 - 0.1 / (1 + 1e-8 / 0.00632456)   = 0.90000015811
//   element 2: 2 - 0.1 / (1 + 1e-8 / 3.16228e-8)   = 2 - 0.1 / 1.316228 = 1.92402530734
// Steps 2 and 3 apply the same formula (lr_2 = 0.0235316725, lr_3 = 0.0202010597),
// evaluated in double.
TEST(Adam, ThreeStepsByHandEpsilon1e8) {
    auto theta = run(1e-8f);
    expect_elements_near(theta[0], {0.900000158113633, -0.400000316226766, 1.9240253073352043}, 1e-6);
    expect_elements_near(theta[1], {0.8067823261151786, -0.44941925013506934, 1.842303442044113}, 1e-6);
    expect_elements_near(theta[2], {0.827418014591992, -0.48762022925855086, 1.756592475281043}, 1e-6);
}

// The same with Keras's epsilon: element 2 after step 1 is
// 2 - 0.1 / (1 + 1e-7 / 3.16228e-8) = 2 - 0.1 / 4.16228 = 1.97597469266.
TEST(Adam, ThreeStepsByHandEpsilon1e7) {
    auto theta = run(1e-7f);
    expect_elements_near(theta[0], {0.9000015811138306, -0.40000316217766335, 1.9759746926647959}, 1e-6);
    expect_elements_near(theta[1], {0.8067849360427569, -0.4494216512977694, 1.9450783324445533}, 1e-6);
    expect_elements_near(theta[2], {0.8274204963331945, -0.48762228642664684, 1.90284106779974}, 1e-6);
}

TEST(Adam, DefaultsAreTensorFlow1s) {
    nn::Adam adam;
    EXPECT_FLOAT_EQ(adam.config().learning_rate, 0.001f);
    EXPECT_FLOAT_EQ(adam.config().beta1, 0.9f);
    EXPECT_FLOAT_EQ(adam.config().beta2, 0.999f);
    EXPECT_FLOAT_EQ(adam.config().epsilon, 1e-8f);
    EXPECT_EQ(adam.steps(), 0);
}

TEST(Adam, EachParameterKeepsItsOwnMoments) {
    // Two parameters stepped together move exactly as each would alone.
    nn::Adam both, alone;
    Tensor a({2}, {1.0f, 2.0f}), b({1, 3}, {0.5f, 0.5f, 0.5f}), a_alone = a;
    Tensor ga({2}, {0.3f, -0.2f}), gb({1, 3}, {1.0f, -1.0f, 0.01f});
    for (int t = 0; t < 3; ++t) {
        both.step({&a, &b}, {&ga, &gb});
        alone.step({&a_alone}, {&ga});
    }
    EXPECT_EQ(a.data, a_alone.data);
}

TEST(Adam, RefusesMismatches) {
    nn::Adam adam;
    Tensor w({2, 3}), b({1, 3}), gw({2, 3}), gb({1, 3});
    EXPECT_THAT(error_message([&] { adam.step({&w, &b}, {&gw}); }),
                HasSubstr("Adam::step: got 2 params but 1 grads"));
    Tensor wrong({3, 2});
    EXPECT_THAT(error_message([&] { adam.step({&w, &b}, {&wrong, &gb}); }),
                HasSubstr("Adam::step: grad 0 has shape (3,2) but param 0 has (2,3)"));
    adam.step({&w, &b}, {&gw, &gb});
    EXPECT_EQ(adam.steps(), 1);
    EXPECT_THAT(error_message([&] { adam.step({&w}, {&gw}); }),
                HasSubstr("Adam::step: got 1 params but the first step had 2"));
    Tensor b_other({1, 4}), gb_other({1, 4});
    EXPECT_THAT(error_message([&] { adam.step({&w, &b_other}, {&gw, &gb_other}); }),
                HasSubstr("Adam::step: param 1 has shape (1,4) but the first step had (1,3)"));
    EXPECT_EQ(adam.steps(), 1);  // refused steps do not count
}

TEST(Adam, RefusesBadHyperParameters) {
    nn::AdamConfig c;
    c.beta1 = 1.0f;
    EXPECT_THAT(error_message([&] { nn::Adam a(c); }), HasSubstr("Adam: beta1 must be in [0, 1)"));
    c = {};
    c.beta2 = -0.1f;
    EXPECT_THAT(error_message([&] { nn::Adam a(c); }), HasSubstr("beta2"));
    c = {};
    c.epsilon = 0.0f;
    EXPECT_THAT(error_message([&] { nn::Adam a(c); }), HasSubstr("epsilon must be positive"));
    c = {};
    c.learning_rate = -1.0f;
    EXPECT_THAT(error_message([&] { nn::Adam a(c); }), HasSubstr("learning_rate"));
}

}  // namespace
