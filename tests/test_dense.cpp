// Tests for nn/dense: forward and backward by hand, an exhaustive
// central-difference check of all three gradients, and bad shapes.
#include "nn/dense.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "nn/rng.hpp"
#include "tests/gradcheck.hpp"
#include "tests/test_util.hpp"

using nn::Tensor;
using ::testing::HasSubstr;
using testutil::error_message;

namespace {

// A_prev = [[1, 2, 3], [-1, 0, 2]], W = [[1, 0], [0, 1], [1, -1]], b = [0.5, -1].
struct Small {
    Tensor A_prev{{2, 3}, {1, 2, 3, -1, 0, 2}};
    Tensor W{{3, 2}, {1, 0, 0, 1, 1, -1}};
    Tensor b{{1, 2}, {0.5f, -1.0f}};
};

TEST(Dense, ForwardByHand) {
    Small s;
    // Z[0] = (1*1 + 2*0 + 3*1 + 0.5, 1*0 + 2*1 + 3*(-1) - 1) = (4.5, -2)
    // Z[1] = (-1 + 0 + 2 + 0.5,       0 + 0 - 2 - 1)         = (1.5, -3)
    Tensor Z = nn::dense_forward(s.A_prev, s.W, s.b);
    EXPECT_EQ(Z.shape, (nn::Shape{2, 2}));
    EXPECT_EQ(Z.data, (std::vector<float>{4.5f, -2.0f, 1.5f, -3.0f}));
}

TEST(Dense, BackwardByHand) {
    Small s;
    // dZ = I: dA_prev = dZ Wᵀ = Wᵀ, rows (1, 0, 1) and (0, 1, -1);
    // dW = A_prevᵀ dZ = A_prevᵀ = [[1, -1], [2, 0], [3, 2]]; db = column sums = (1, 1).
    nn::DenseGrads g = nn::dense_backward(Tensor({2, 2}, {1, 0, 0, 1}), s.A_prev, s.W, s.b);
    EXPECT_EQ(g.dA_prev.shape, s.A_prev.shape);
    EXPECT_EQ(g.dA_prev.data, (std::vector<float>{1, 0, 1, 0, 1, -1}));
    EXPECT_EQ(g.dW.shape, s.W.shape);
    EXPECT_EQ(g.dW.data, (std::vector<float>{1, -1, 2, 0, 3, 2}));
    EXPECT_EQ(g.db.shape, s.b.shape);
    EXPECT_EQ(g.db.data, (std::vector<float>{1, 1}));
}

TEST(Dense, BackwardMatchesFiniteDifferences) {
    nn::Rng rng(42);
    Tensor A_prev = gradcheck::random_tensor({4, 5}, rng);
    Tensor W = gradcheck::random_tensor({5, 3}, rng);
    Tensor b = gradcheck::random_tensor({1, 3}, rng);
    Tensor R = gradcheck::random_tensor({4, 3}, rng);
    nn::DenseGrads g = nn::dense_backward(R, A_prev, W, b);
    auto forward = [&] { return nn::dense_forward(A_prev, W, b); };
    EXPECT_TRUE(gradcheck::check_weighted("dA_prev", A_prev, g.dA_prev, forward, R));
    EXPECT_TRUE(gradcheck::check_weighted("dW", W, g.dW, forward, R));
    EXPECT_TRUE(gradcheck::check_weighted("db", b, g.db, forward, R));
}

TEST(Dense, RefusesBadShapes) {
    Tensor A({2, 4}), W({5, 3}), b({1, 3});
    EXPECT_THAT(error_message([&] { nn::dense_forward(A, W, b); }),
                HasSubstr("dense_forward: W has n_in=5 but A_prev has 4 columns (A_prev (2,4), W (5,3), b (1,3))"));
    EXPECT_THAT(error_message([&] { nn::dense_forward(Tensor({2, 5}), W, Tensor({3})); }),
                HasSubstr("b must be (1, n_out) with n_out=3"));
    EXPECT_THAT(error_message([&] { nn::dense_forward(Tensor({2, 5, 1}), W, b); }),
                HasSubstr("A_prev must be rank 2"));
    EXPECT_THAT(error_message([&] { nn::dense_forward(Tensor({2, 5}), Tensor({5, 3, 1}), b); }),
                HasSubstr("W must be rank 2"));
    EXPECT_THAT(error_message([&] { nn::dense_backward(Tensor({2, 4}), Tensor({2, 5}), W, b); }),
                HasSubstr("dense_backward: dZ must be (m, n_out) = (2,3), got dZ (2,4)"));
    EXPECT_THAT(error_message([&] { nn::dense_backward(Tensor({2, 3}), A, W, b); }),
                HasSubstr("dense_backward: W has n_in=5"));
}

}  // namespace
