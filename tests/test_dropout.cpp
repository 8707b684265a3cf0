// Tests for nn/dropout: rate 0 is the identity, mask values, the mask's mean,
// determinism, backward = dA ⊙ mask (also by finite differences for a fixed
// mask), and bad arguments.
#include "nn/dropout.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/gradcheck.hpp"
#include "tests/test_util.hpp"

using nn::Tensor;
using ::testing::HasSubstr;
using testutil::error_message;

namespace {

TEST(Dropout, RateZeroIsTheIdentity) {
    nn::Rng rng(1), untouched(1);
    Tensor A_prev({2, 3}, {1, -2, 3, -4, 5, -6});
    nn::DropoutResult r = nn::dropout_forward(A_prev, 0.0f, rng);
    EXPECT_EQ(r.A.data, A_prev.data);
    EXPECT_EQ(r.A.shape, A_prev.shape);
    EXPECT_EQ(r.mask.data, std::vector<float>(6, 1.0f));
    EXPECT_EQ(rng.bits(), untouched.bits());  // nothing was drawn
}

TEST(Dropout, MaskIsZeroOrTheKeepScale) {
    for (float rate : {0.1f, 0.5f, 0.8f}) {
        nn::Rng rng(3);
        Tensor A_prev({4, 5, 5, 2}, 2.0f);
        nn::DropoutResult r = nn::dropout_forward(A_prev, rate, rng);
        const float scale = 1.0f / (1.0f - rate);
        int kept = 0;
        for (std::size_t j = 0; j < r.mask.size(); ++j) {
            const float m = r.mask.data[j];
            EXPECT_TRUE(m == 0.0f || m == scale) << "rate " << rate << ", mask[" << j << "] = " << m;
            EXPECT_EQ(r.A.data[j], 2.0f * m);
            kept += m != 0.0f;
        }
        EXPECT_GT(kept, 0);
        EXPECT_LT(kept, static_cast<int>(r.mask.size()));
    }
}

TEST(Dropout, MaskMeanIsOne) {
    // E[mask] = (1 - rate) / (1 - rate) = 1, and the fraction kept is 1 - rate.
    // Over n = 100,000 draws the mean's standard error is sqrt(rate / (1 - rate) / n):
    // 0.0032 for rate 0.5, 0.0016 for rate 0.2.
    for (float rate : {0.5f, 0.2f}) {
        nn::Rng rng(12345);
        nn::DropoutResult r = nn::dropout_forward(Tensor({100000}, 1.0f), rate, rng);
        double sum = 0.0;
        int kept = 0;
        for (float m : r.mask.data) {
            sum += m;
            kept += m != 0.0f;
        }
        EXPECT_NEAR(sum / 100000.0, 1.0, 0.015) << "rate " << rate;
        EXPECT_NEAR(kept / 100000.0, 1.0 - rate, 0.01) << "rate " << rate;
    }
}

TEST(Dropout, SameSeedSameMask) {
    nn::Rng a(8), b(8), c(9);
    Tensor A_prev({50}, 1.0f);
    Tensor mask_a = nn::dropout_forward(A_prev, 0.3f, a).mask;
    EXPECT_EQ(nn::dropout_forward(A_prev, 0.3f, b).mask.data, mask_a.data);
    EXPECT_NE(nn::dropout_forward(A_prev, 0.3f, c).mask.data, mask_a.data);
}

TEST(Dropout, BackwardIsDaTimesMask) {
    // mask = (0, 2, 2, 0) for rate 0.5, dA = (1, 2, 3, 4): dA_prev = (0, 4, 6, 0).
    Tensor mask({2, 2}, {0.0f, 2.0f, 2.0f, 0.0f});
    Tensor dA({2, 2}, {1.0f, 2.0f, 3.0f, 4.0f});
    EXPECT_EQ(nn::dropout_backward(dA, mask).data, (std::vector<float>{0.0f, 4.0f, 6.0f, 0.0f}));

    // With the mask held fixed (same seed each call), the forward pass is
    // linear in A_prev and its gradient is the backward pass.
    nn::Rng rng(4);
    Tensor A_prev = gradcheck::random_tensor({3, 4}, rng);
    Tensor R = gradcheck::random_tensor({3, 4}, rng);
    auto forward = [&] {
        nn::Rng fixed(21);
        return nn::dropout_forward(A_prev, 0.4f, fixed).A;
    };
    nn::Rng fixed(21);
    Tensor dA_prev = nn::dropout_backward(R, nn::dropout_forward(A_prev, 0.4f, fixed).mask);
    EXPECT_TRUE(gradcheck::check_weighted("dA_prev", A_prev, dA_prev, forward, R));
}

TEST(Dropout, RefusesBadArguments) {
    nn::Rng rng(0);
    Tensor A_prev({2, 3});
    for (float rate : {-0.1f, 1.0f, 1.5f, std::nanf("")}) {
        std::string msg = error_message([&] { nn::dropout_forward(A_prev, rate, rng); });
        EXPECT_THAT(msg, HasSubstr("dropout_forward: rate must be in [0, 1)")) << rate;
        EXPECT_THAT(msg, HasSubstr("(2,3)"));
    }
    EXPECT_THAT(error_message([] { nn::dropout_backward(Tensor({2, 3}), Tensor({3, 2})); }),
                HasSubstr("dropout_backward: dA and mask must have the same shape (dA (2,3), mask (3,2))"));
}

}  // namespace
