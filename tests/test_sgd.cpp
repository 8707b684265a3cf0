// Tests for nn/sgd: plain SGD, momentum with weight decay and Nesterov
// momentum for three steps by hand, shape and count errors, bad hyper-parameters.
#include "nn/sgd.hpp"

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

// theta0 = (1, -2), lr = 0.1, momentum = 0.9, weight_decay = 0.01, gradients
// (0.5, 0), (-0.5, 1), (0.2, 0.2). Returns theta after each step.
std::vector<std::vector<float>> run(bool nesterov) {
    nn::SGDConfig config;
    config.learning_rate = 0.1f;
    config.momentum = 0.9f;
    config.weight_decay = 0.01f;
    config.nesterov = nesterov;
    nn::SGD sgd(config);
    Tensor theta({2}, {1.0f, -2.0f});
    std::vector<std::vector<float>> out;
    for (const std::vector<float>& g : {std::vector<float>{0.5f, 0.0f}, {-0.5f, 1.0f}, {0.2f, 0.2f}}) {
        Tensor grad({2}, g);
        sgd.step({&theta}, {&grad});
        out.push_back(theta.data);
    }
    EXPECT_EQ(sgd.steps(), 3);
    return out;
}

TEST(SGD, PlainStep) {
    // Keras's defaults: lr 0.01, no momentum, no decay: theta - 0.01 g.
    nn::SGD sgd;
    Tensor theta({3}, {1.0f, 2.0f, -3.0f}), g({3}, {10.0f, -20.0f, 0.5f});
    sgd.step({&theta}, {&g});
    expect_elements_near(theta.data, {0.9, 2.2, -3.005}, 1e-6);
}

// By hand, g' = g + 0.01 theta, v <- 0.9 v - 0.1 g', theta <- theta + v:
//   step 1: g' = (0.51, -0.02)                   v = (-0.051, 0.002)          theta = (0.949, -1.998)
//   step 2: g' = (-0.5 + 0.00949, 1 - 0.01998)   v = (-0.0459 + 0.049051, 0.0018 - 0.098002)
//              = (-0.49051, 0.98002)               = (0.003151, -0.096202)    theta = (0.952151, -2.094202)
//   step 3: g' = (0.20952151, 0.17905798)        v = (0.0028359 - 0.020952151, -0.0865818 - 0.017905798)
//                                                  = (-0.018116251, -0.104487598)
//                                                                             theta = (0.934034749, -2.198689598)
TEST(SGD, MomentumAndWeightDecayThreeSteps) {
    auto theta = run(false);
    expect_elements_near(theta[0], {0.949, -1.998}, 1e-6);
    expect_elements_near(theta[1], {0.952151, -2.094202}, 1e-6);
    expect_elements_near(theta[2], {0.934034749, -2.198689598}, 1e-6);
}

// Nesterov: the same velocities, but theta <- theta + 0.9 v - 0.1 g':
//   step 1: theta = (1 + 0.9 (-0.051) - 0.051, -2 + 0.9 (0.002) + 0.002) = (0.9031, -1.9962)
//   step 2: g' = (-0.5 + 0.009031, 1 - 0.019962) = (-0.490969, 0.980038),
//           v = (0.0031969, -0.0962038), theta = (0.95507411, -2.18078722)
//   step 3: likewise, theta = (0.917848958191, -2.292568802282)
TEST(SGD, NesterovThreeSteps) {
    auto theta = run(true);
    expect_elements_near(theta[0], {0.9031, -1.9962}, 1e-6);
    expect_elements_near(theta[1], {0.95507411, -2.18078722}, 1e-6);
    expect_elements_near(theta[2], {0.917848958191, -2.292568802282}, 1e-6);
}

TEST(SGD, RefusesMismatches) {
    nn::SGD sgd({0.1f, 0.9f, 0.0f, false});
    Tensor w({2, 3}), b({1, 3}), gw({2, 3}), gb({1, 3});
    EXPECT_THAT(error_message([&] { sgd.step({&w, &b}, {&gw}); }), HasSubstr("SGD::step: got 2 params but 1 grads"));
    Tensor wrong({3, 2});
    EXPECT_THAT(error_message([&] { sgd.step({&w, &b}, {&wrong, &gb}); }),
                HasSubstr("SGD::step: grad 0 has shape (3,2) but param 0 has (2,3)"));
    sgd.step({&w, &b}, {&gw, &gb});
    EXPECT_THAT(error_message([&] { sgd.step({&w}, {&gw}); }),
                HasSubstr("SGD::step: got 1 params but the first step had 2"));
    Tensor b_other({1, 4}), gb_other({1, 4});
    EXPECT_THAT(error_message([&] { sgd.step({&w, &b_other}, {&gw, &gb_other}); }),
                HasSubstr("SGD::step: param 1 has shape (1,4) but the first step had (1,3)"));
    EXPECT_EQ(sgd.steps(), 1);
}

TEST(SGD, RefusesBadHyperParameters) {
    EXPECT_THAT(error_message([] { nn::SGD s({-0.1f, 0.0f, 0.0f, false}); }),
                HasSubstr("SGD: learning_rate must not be negative"));
    EXPECT_THAT(error_message([] { nn::SGD s({0.1f, 1.5f, 0.0f, false}); }),
                HasSubstr("SGD: momentum must be in [0, 1]"));
    EXPECT_THAT(error_message([] { nn::SGD s({0.1f, 0.9f, -1e-4f, false}); }),
                HasSubstr("SGD: weight_decay must not be negative"));
}

}  // namespace
