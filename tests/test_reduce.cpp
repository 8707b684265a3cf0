// nn/reduce: argmax_last, equal, mean, one_hot_indices, scale, add_into on
// hand-computed cases, and the errors they raise.
#include "nn/reduce.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "tests/test_util.hpp"

using ::testing::HasSubstr;
using testutil::throws_with;

TEST(ArgmaxLast, FirstMaximumOfEachRow) {
    // rows: (1, 5, 3) -> 1; (7, 7, 2) -> 0 (tie: first wins); (-1, -3, -0.5) -> 2
    nn::Tensor X({3, 3}, {1, 5, 3, 7, 7, 2, -1, -3, -0.5f});
    nn::Tensor I = nn::argmax_last(X);
    EXPECT_EQ(I.shape, (nn::Shape{3}));
    EXPECT_EQ(I.data, (std::vector<float>{1, 0, 2}));
}

TEST(ArgmaxLast, WorksOnHigherRanksAndVectors) {
    // (2, 1, 2): rows (0, 4) -> 1 and (9, 8) -> 0
    nn::Tensor X({2, 1, 2}, {0, 4, 9, 8});
    nn::Tensor I = nn::argmax_last(X);
    EXPECT_EQ(I.shape, (nn::Shape{2, 1}));
    EXPECT_EQ(I.data, (std::vector<float>{1, 0}));
    // a vector (3,) gives a scalar: max of (2, 6, 1) is at 1
    nn::Tensor s = nn::argmax_last(nn::Tensor({3}, {2, 6, 1}));
    EXPECT_EQ(s.rank(), 0);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s.data[0], 1.0f);
}

TEST(ArgmaxLast, RefusesScalarsAndEmptyRows) {
    EXPECT_TRUE(throws_with([] { nn::argmax_last(nn::Tensor(nn::Shape{})); }, {"argmax_last", "at least one axis"}));
    EXPECT_TRUE(throws_with([] { nn::argmax_last(nn::Tensor({2, 0})); }, {"argmax_last", "(2,0)"}));
}

TEST(Equal, OnesWhereValuesMatch) {
    nn::Tensor A({4}, {1, 2, 3, 4});
    nn::Tensor B({4}, {1, 0, 3, 5});
    EXPECT_EQ(nn::equal(A, B).data, (std::vector<float>{1, 0, 1, 0}));
}

TEST(Equal, RefusesDifferentShapes) {
    EXPECT_TRUE(throws_with([] { nn::equal(nn::Tensor({2, 3}), nn::Tensor({3, 2})); }, {"A (2,3)", "B (3,2)"}));
}

TEST(Mean, AveragesAllValues) {
    // (1 + 2 + 3 + 4 + 5 + 6) / 6 = 3.5
    EXPECT_DOUBLE_EQ(nn::mean(nn::Tensor({2, 3}, {1, 2, 3, 4, 5, 6})), 3.5);
    // a scalar is its own mean
    EXPECT_DOUBLE_EQ(nn::mean(nn::Tensor(nn::Shape{}, 0.25f)), 0.25);
}

TEST(Mean, SumsInDouble) {
    // 2^24 + 1 is not a float; summing 1 + 2^24 + 1 + ... in float would lose
    // the ones. Values: 16777216 and four 1s; mean = (16777216 + 4) / 5.
    nn::Tensor X({5}, {16777216.0f, 1, 1, 1, 1});
    EXPECT_DOUBLE_EQ(nn::mean(X), 16777220.0 / 5.0);
}

TEST(Mean, RefusesEmptyTensors) {
    EXPECT_TRUE(throws_with([] { nn::mean(nn::Tensor({0, 3})); }, {"mean", "(0,3)"}));
}

TEST(OneHotIndices, OneInEachRowAtTheIndex) {
    nn::Tensor Y = nn::one_hot_indices(nn::Tensor({3}, {2, 0, 1}), 3);
    EXPECT_EQ(Y.shape, (nn::Shape{3, 3}));
    EXPECT_EQ(Y.data, (std::vector<float>{0, 0, 1, 1, 0, 0, 0, 1, 0}));
    // a (2, 1) index tensor gives (2, 1, 2)
    nn::Tensor Z = nn::one_hot_indices(nn::Tensor({2, 1}, {1, 0}), 2);
    EXPECT_EQ(Z.shape, (nn::Shape{2, 1, 2}));
    EXPECT_EQ(Z.data, (std::vector<float>{0, 1, 1, 0}));
}

TEST(OneHotIndices, RefusesBadDepthAndIndices) {
    EXPECT_TRUE(throws_with([] { nn::one_hot_indices(nn::Tensor({1}), 0); }, {"one_hot_indices", "depth"}));
    EXPECT_TRUE(throws_with([] { nn::one_hot_indices(nn::Tensor({2}, {0, 3}), 3); }, {"indices[1]", "[0, 3)"}));
    EXPECT_TRUE(throws_with([] { nn::one_hot_indices(nn::Tensor({2}, {0.5f, 1}), 3); },
                            {"indices[0]", "whole number"}));
    EXPECT_TRUE(throws_with([] { nn::one_hot_indices(nn::Tensor({1}, {-1}), 3); }, {"indices[0]", "(1)"}));
}

TEST(Scale, MultipliesEveryValue) {
    // 0.5 * (2, -4, 6) = (1, -2, 3)
    nn::Tensor Y = nn::scale(nn::Tensor({3}, {2, -4, 6}), 0.5f);
    EXPECT_EQ(Y.shape, (nn::Shape{3}));
    EXPECT_EQ(Y.data, (std::vector<float>{1, -2, 3}));
}

TEST(AddInto, AddsInPlace) {
    nn::Tensor acc({2, 2}, {1, 2, 3, 4});
    nn::add_into(acc, nn::Tensor({2, 2}, {10, 20, 30, 40}));
    EXPECT_EQ(acc.data, (std::vector<float>{11, 22, 33, 44}));
}

TEST(AddInto, RefusesDifferentShapes) {
    nn::Tensor acc({2, 2});
    EXPECT_TRUE(throws_with([&] { nn::add_into(acc, nn::Tensor({4})); }, {"acc (2,2)", "X (4)"}));
}
