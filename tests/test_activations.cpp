// Tests for nn/activations: hand values of every activation and its
// backward, finite-difference checks of every backward, numerical safety for
// large |z|, softmax stability, and bad arguments.
#include "nn/activations.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "nn/rng.hpp"
#include "tests/gradcheck.hpp"
#include "tests/test_util.hpp"

using nn::Activation;
using nn::Tensor;
using ::testing::HasSubstr;
using testutil::error_message;

namespace {

const float kLn3 = 1.0986122886681098f;  // ln 3

// Values uniform in +-[0.2, 1.2]: at least 0.2 from relu's kink at 0, far
// more than the checker's step of 0.01.
Tensor away_from_zero(const nn::Shape& shape, nn::Rng& rng) {
    Tensor t(shape);
    for (float& v : t.data) {
        float magnitude = static_cast<float>(0.2 + rng.uniform());
        v = rng.uniform() < 0.5 ? -magnitude : magnitude;
    }
    return t;
}

TEST(Activations, HandValues) {
    // relu clips negatives: (-2, -0.5, 0.5, 3) -> (0, 0, 0.5, 3).
    Tensor Z({1, 4}, {-2.0f, -0.5f, 0.5f, 3.0f});
    Tensor A = nn::activation_forward(Z, Activation::relu());
    EXPECT_EQ(A.data, (std::vector<float>{0.0f, 0.0f, 0.5f, 3.0f}));

    // sigmoid(0) = 1/2; sigmoid(ln 3) = 1/(1 + 1/3) = 3/4; sigmoid(-ln 3) = 1/4.
    Tensor S = nn::activation_forward(Tensor({3}, {0.0f, kLn3, -kLn3}), Activation::sigmoid());
    EXPECT_FLOAT_EQ(S.data[0], 0.5f);
    EXPECT_FLOAT_EQ(S.data[1], 0.75f);
    EXPECT_FLOAT_EQ(S.data[2], 0.25f);

    // tanh(ln 3) = (3 - 1/3) / (3 + 1/3) = 0.8; tanh is odd.
    Tensor T = nn::activation_forward(Tensor({2}, {kLn3, -kLn3}), Activation::tanh());
    EXPECT_FLOAT_EQ(T.data[0], 0.8f);
    EXPECT_FLOAT_EQ(T.data[1], -0.8f);

    // linear is the identity.
    Tensor L = nn::activation_forward(Z, Activation::linear());
    EXPECT_EQ(L.data, Z.data);
    EXPECT_EQ(L.shape, Z.shape);
}

TEST(Activations, BackwardHandValues) {
    Tensor dA({1, 4}, {1.0f, 2.0f, 3.0f, 4.0f});
    // relu: A = (0, 0, 0.5, 3), the gradient passes only where A > 0.
    Tensor A_relu({1, 4}, {0.0f, 0.0f, 0.5f, 3.0f});
    EXPECT_EQ(nn::activation_backward(dA, A_relu, Activation::relu()).data,
              (std::vector<float>{0.0f, 0.0f, 3.0f, 4.0f}));
    // sigmoid: A = (0.5, 0.75, 0.25, 0): dZ = dA A (1 - A) = (0.25, 0.375, 0.5625, 0).
    Tensor A_sig({1, 4}, {0.5f, 0.75f, 0.25f, 0.0f});
    Tensor dZ_sig = nn::activation_backward(dA, A_sig, Activation::sigmoid());
    EXPECT_FLOAT_EQ(dZ_sig.data[0], 0.25f);
    EXPECT_FLOAT_EQ(dZ_sig.data[1], 0.375f);
    EXPECT_FLOAT_EQ(dZ_sig.data[2], 0.5625f);
    EXPECT_FLOAT_EQ(dZ_sig.data[3], 0.0f);
    // tanh: A = (0, 0.5, -0.8, 1): dZ = dA (1 - A^2) = (1, 1.5, 1.08, 0).
    Tensor A_tanh({1, 4}, {0.0f, 0.5f, -0.8f, 1.0f});
    Tensor dZ_tanh = nn::activation_backward(dA, A_tanh, Activation::tanh());
    EXPECT_FLOAT_EQ(dZ_tanh.data[0], 1.0f);
    EXPECT_FLOAT_EQ(dZ_tanh.data[1], 1.5f);
    EXPECT_FLOAT_EQ(dZ_tanh.data[2], 1.08f);
    EXPECT_FLOAT_EQ(dZ_tanh.data[3], 0.0f);
    // linear passes dA through.
    EXPECT_EQ(nn::activation_backward(dA, A_relu, Activation::linear()).data, dA.data);
}

TEST(Activations, ApplyMatchesTheScalarCall) {
    Tensor Z = testutil::seeded_uniform({37}, 7, -6.0, 6.0);
    for (Activation act : {Activation::linear(), Activation::relu(), Activation::tanh(), Activation::sigmoid()}) {
        Tensor A = Z;
        act.apply(A.data.data(), A.size());
        for (std::size_t j = 0; j < Z.size(); ++j) EXPECT_EQ(A.data[j], act(Z.data[j])) << act.name() << " at " << j;
    }
}

TEST(Activations, BackwardMatchesFiniteDifferences) {
    for (Activation act : {Activation::linear(), Activation::relu(), Activation::tanh(), Activation::sigmoid()}) {
        nn::Rng rng(11);
        Tensor Z = away_from_zero({3, 7}, rng);
        Tensor R = gradcheck::random_tensor(Z.shape, rng);
        Tensor dZ = nn::activation_backward(R, nn::activation_forward(Z, act), act);
        auto forward = [&] { return nn::activation_forward(Z, act); };
        EXPECT_TRUE(gradcheck::check_weighted("dZ " + act.name(), Z, dZ, forward, R));
    }
}

TEST(Activations, LargeInputsStayFinite) {
    Tensor Z({6}, {-1e4f, -100.0f, -89.0f, 89.0f, 100.0f, 1e4f});
    Tensor S = nn::activation_forward(Z, Activation::sigmoid());
    for (float s : S.data) {
        EXPECT_TRUE(std::isfinite(s));
        EXPECT_GE(s, 0.0f);
        EXPECT_LE(s, 1.0f);
    }
    // sigmoid(-89) = e^-89 / (1 + e^-89) ~ 2.2e-39: a subnormal float, still
    // represented rather than flushed to 0 by an overflowing 1 / (1 + e^89).
    EXPECT_GT(S.data[2], 0.0f);
    EXPECT_NEAR(S.data[2] / 2.2273635e-39f, 1.0f, 1e-3f);
    EXPECT_FLOAT_EQ(S.data[5], 1.0f);
    EXPECT_EQ(S.data[0], 0.0f);
    Tensor T = nn::activation_forward(Z, Activation::tanh());
    EXPECT_FLOAT_EQ(T.data[0], -1.0f);
    EXPECT_FLOAT_EQ(T.data[5], 1.0f);
}

TEST(Activations, ParseAndName) {
    for (const char* name : {"linear", "relu", "tanh", "sigmoid"})
        EXPECT_EQ(Activation::parse(name).name(), name);
    std::string msg = error_message([] { Activation::parse("gelu", "--activation"); });
    EXPECT_THAT(msg, HasSubstr("--activation"));
    EXPECT_THAT(msg, HasSubstr("gelu"));
    EXPECT_THAT(msg, HasSubstr("relu"));
}

TEST(Activations, BackwardRefusesShapeMismatch) {
    std::string msg = error_message(
        [] { nn::activation_backward(Tensor({2, 3}), Tensor({3, 2}), Activation::relu()); });
    EXPECT_THAT(msg, HasSubstr("activation_backward"));
    EXPECT_THAT(msg, HasSubstr("dA (2,3)"));
    EXPECT_THAT(msg, HasSubstr("A (3,2)"));
}

TEST(Softmax, HandValuesAndRowsSumToOne) {
    // Row 0: (0, ln 3) -> (1/4, 3/4). Row 1: three equal logits -> 1/3 each.
    Tensor A = nn::softmax_forward(Tensor({2, 3}, {0.0f, kLn3, -1e4f, 2.0f, 2.0f, 2.0f}));
    EXPECT_FLOAT_EQ(A.at(0, 0), 0.25f);
    EXPECT_FLOAT_EQ(A.at(0, 1), 0.75f);
    EXPECT_EQ(A.at(0, 2), 0.0f);
    for (int j = 0; j < 3; ++j) EXPECT_FLOAT_EQ(A.at(1, j), 1.0f / 3.0f);

    Tensor Z = testutil::seeded_uniform({5, 10}, 3, -20.0, 20.0);
    Tensor P = nn::softmax_forward(Z);
    for (int i = 0; i < 5; ++i) {
        double sum = 0.0;
        for (int j = 0; j < 10; ++j) sum += P.at(i, j);
        EXPECT_NEAR(sum, 1.0, 1e-6);
    }
}

TEST(Softmax, HugeLogitsStayFinite) {
    // Without subtracting the maximum, e^1000 overflows to inf and inf/inf is NaN.
    Tensor A = nn::softmax_forward(Tensor({2, 3}, {1000.0f, 1000.0f, 0.0f, -1000.0f, -2000.0f, -1000.0f}));
    EXPECT_FLOAT_EQ(A.at(0, 0), 0.5f);
    EXPECT_FLOAT_EQ(A.at(0, 1), 0.5f);
    EXPECT_EQ(A.at(0, 2), 0.0f);
    EXPECT_FLOAT_EQ(A.at(1, 0), 0.5f);
    EXPECT_EQ(A.at(1, 1), 0.0f);
    EXPECT_FLOAT_EQ(A.at(1, 2), 0.5f);
}

TEST(Softmax, BackwardMatchesFiniteDifferences) {
    nn::Rng rng(5);
    Tensor Z = gradcheck::random_tensor({3, 5}, rng, -2.0, 2.0);
    Tensor R = gradcheck::random_tensor(Z.shape, rng);
    Tensor dZ = nn::softmax_backward(R, nn::softmax_forward(Z));
    EXPECT_TRUE(gradcheck::check_weighted("dZ softmax", Z, dZ, [&] { return nn::softmax_forward(Z); }, R));
}

TEST(Softmax, BackwardHandValues) {
    // A = (1/4, 3/4), dA = (1, 0): dA·A = 1/4, dZ = (1/4 (1 - 1/4), 3/4 (0 - 1/4)) = (3/16, -3/16).
    Tensor dZ = nn::softmax_backward(Tensor({1, 2}, {1.0f, 0.0f}), Tensor({1, 2}, {0.25f, 0.75f}));
    EXPECT_FLOAT_EQ(dZ.data[0], 0.1875f);
    EXPECT_FLOAT_EQ(dZ.data[1], -0.1875f);
}

TEST(Softmax, RefusesBadShapes) {
    EXPECT_THAT(error_message([] { nn::softmax_forward(Tensor({2, 3, 4})); }),
                HasSubstr("softmax_forward: Z must be rank 2 (m, n), got Z (2,3,4)"));
    EXPECT_THAT(error_message([] { nn::softmax_backward(Tensor({2, 3}), Tensor({2, 4})); }),
                HasSubstr("softmax_backward: dA and A must have the same shape (dA (2,3), A (2,4))"));
    EXPECT_THAT(error_message([] { nn::softmax_backward(Tensor({6}), Tensor({6})); }),
                HasSubstr("A must be rank 2"));
}

}  // namespace
