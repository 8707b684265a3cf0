// gather_samples and one_hot: hand-written cases and the errors they raise.
#include "nn/batch.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "tests/test_util.hpp"

using ::testing::HasSubstr;
using testutil::throws_with;

TEST(GatherSamples, TakesWholeSamplesInIndexOrder) {
    // X is (3, 2, 2, 1) with sample i holding 10i, 10i+1, 10i+2, 10i+3.
    nn::Tensor X({3, 2, 2, 1}, {0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23});
    std::vector<std::size_t> index = {2, 0, 1};
    // positions [1, 3) of index are samples 0 then 1.
    nn::Tensor B = nn::gather_samples(X, index, 1, 3);
    EXPECT_EQ(B.shape, (nn::Shape{2, 2, 2, 1}));
    EXPECT_EQ(B.data, (std::vector<float>{0, 1, 2, 3, 10, 11, 12, 13}));
    nn::Tensor C = nn::gather_samples(X, index, 0, 1);
    EXPECT_EQ(C.data, (std::vector<float>{20, 21, 22, 23}));
}

TEST(GatherSamples, EmptyRangeGivesZeroSamples) {
    nn::Tensor X({2, 3}, {1, 2, 3, 4, 5, 6});
    nn::Tensor B = nn::gather_samples(X, {0, 1}, 1, 1);
    EXPECT_EQ(B.shape, (nn::Shape{0, 3}));
    EXPECT_EQ(B.size(), 0u);
}

TEST(GatherSamples, RefusesBadRangesAndIndices) {
    nn::Tensor X({2, 3});
    EXPECT_TRUE(throws_with([&] { nn::gather_samples(X, {0, 1}, 1, 3); }, {"gather_samples", "range [1, 3)"}));
    EXPECT_TRUE(throws_with([&] { nn::gather_samples(X, {0, 5}, 0, 2); }, {"index[1] = 5", "(2,3)"}));
    EXPECT_TRUE(throws_with([&] { nn::gather_samples(nn::Tensor(), {}, 0, 0); }, {"gather_samples", "X"}));
}

TEST(OneHot, OneInEachRow) {
    nn::Tensor Y = nn::one_hot({2, 0, 1}, 3);
    EXPECT_EQ(Y.shape, (nn::Shape{3, 3}));
    EXPECT_EQ(Y.data, (std::vector<float>{0, 0, 1, 1, 0, 0, 0, 1, 0}));
}

TEST(OneHot, RefusesLabelsOutOfRange) {
    EXPECT_TRUE(throws_with([] { nn::one_hot({0, 3}, 3); }, {"labels[1] = 3", "[0, 3)"}));
    EXPECT_TRUE(throws_with([] { nn::one_hot({-1}, 3); }, {"one_hot", "labels[0] = -1"}));
    EXPECT_TRUE(throws_with([] { nn::one_hot({0}, 0); }, {"one_hot", "num_classes"}));
}
