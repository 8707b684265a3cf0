// Tensor: construction, shape formatting, NHWC offsets and the error messages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>
#include <string>

#include "nn/tensor.hpp"
#include "tests/test_util.hpp"

using nn::Shape;
using nn::Tensor;
using ::testing::AllOf;
using ::testing::HasSubstr;
using testutil::error_message;

TEST(Tensor, DefaultIsEmptyRankZero) {
    Tensor t;
    EXPECT_EQ(t.rank(), 0);
    EXPECT_EQ(t.size(), 0u);
    EXPECT_EQ(t.shape_str(), "()");
}

TEST(Tensor, ShapeConstructorFillsZeros) {
    Tensor t({2, 3, 4, 5});
    EXPECT_EQ(t.rank(), 4);
    EXPECT_EQ(t.size(), 120u);  // 2*3*4*5
    EXPECT_EQ(t.dim(0), 2);
    EXPECT_EQ(t.dim(3), 5);
    for (float v : t.data) ASSERT_EQ(v, 0.0f);
}

TEST(Tensor, ValueConstructorFills) {
    Tensor t({3, 2}, 1.5f);
    ASSERT_EQ(t.size(), 6u);
    for (float v : t.data) ASSERT_EQ(v, 1.5f);  // 1.5 is exact in float
}

TEST(Tensor, DataConstructorKeepsOrder) {
    Tensor t({2, 3}, {1, 2, 3, 4, 5, 6});
    EXPECT_EQ(t.at(0, 2), 3.0f);
    EXPECT_EQ(t.at(1, 0), 4.0f);
    EXPECT_EQ(t.at(1, 2), 6.0f);
}

TEST(Tensor, ZeroExtentIsAllowed) {
    Tensor t({3, 0, 2});
    EXPECT_EQ(t.size(), 0u);
    EXPECT_EQ(nn::shape_size({3, 0, 2}), 0u);
}

TEST(Tensor, ShapeStr) {
    EXPECT_EQ(nn::shape_str({2, 5, 5, 1}), "(2,5,5,1)");
    EXPECT_EQ(nn::shape_str({7}), "(7)");
    EXPECT_EQ(nn::shape_str({}), "()");
    EXPECT_EQ(Tensor({3, 3, 1, 6}).shape_str(), "(3,3,1,6)");
}

TEST(Tensor, ShapeSize) {
    EXPECT_EQ(nn::shape_size({}), 1u);  // a scalar
    EXPECT_EQ(nn::shape_size({4}), 4u);
    EXPECT_EQ(nn::shape_size({2, 28, 28, 1}), 1568u);  // 2*784
}

TEST(Tensor, OffsetsAreRowMajorNHWC) {
    Tensor t({2, 3, 4, 5});
    // ((i*h + h_)*w + w_)*c + c_: (0,0,0,1) = 1, (0,0,1,0) = 5, (0,1,0,0) = 20, (1,0,0,0) = 60.
    EXPECT_EQ(t.offset(0, 0, 0, 1), 1u);
    EXPECT_EQ(t.offset(0, 0, 1, 0), 5u);
    EXPECT_EQ(t.offset(0, 1, 0, 0), 20u);
    EXPECT_EQ(t.offset(1, 0, 0, 0), 60u);
    // The last element: ((1*3 + 2)*4 + 3)*5 + 4 = 119 = size - 1.
    EXPECT_EQ(t.offset(1, 2, 3, 4), 119u);
}

TEST(Tensor, AtWritesWhereOffsetSays) {
    Tensor t({2, 3, 4, 5});
    t.at(1, 2, 0, 3) = 7.0f;
    EXPECT_EQ(t.data[t.offset(1, 2, 0, 3)], 7.0f);
    EXPECT_EQ(t.data[((1 * 3 + 2) * 4 + 0) * 5 + 3], 7.0f);  // 103
    const Tensor& c = t;
    EXPECT_EQ(c.at(1, 2, 0, 3), 7.0f);

    Tensor m({2, 3});
    m.at(1, 1) = 2.0f;
    EXPECT_EQ(m.data[4], 2.0f);  // 1*3 + 1
}

TEST(Tensor, SamplePointsAtTheBatchIndex) {
    Tensor t({3, 2, 2, 1});
    EXPECT_EQ(t.sample(0), t.data.data());
    EXPECT_EQ(t.sample(2), t.data.data() + 8);  // 2 samples of 2*2*1
    const Tensor& c = t;
    EXPECT_EQ(c.sample(1), t.data.data() + 4);
}

TEST(TensorErrors, DataSizeMismatchNamesBothSizes) {
    std::string msg = error_message([] { Tensor t({2, 3}, std::vector<float>(5, 0.0f)); });
    EXPECT_THAT(msg, AllOf(HasSubstr("Tensor"), HasSubstr("5 values"), HasSubstr("(2,3)"), HasSubstr("needs 6")));
}

TEST(TensorErrors, NegativeExtent) {
    std::string msg = error_message([] { Tensor t({2, -1}); });
    EXPECT_THAT(msg, AllOf(HasSubstr("Tensor"), HasSubstr("negative extent"), HasSubstr("(2,-1)")));
    EXPECT_THAT(error_message([] { nn::shape_size({-3}); }), HasSubstr("(-3)"));
}

TEST(TensorErrors, OverflowingShape) {
    const int big = std::numeric_limits<int>::max();
    // big^3 > 2^64: the element count does not fit in size_t.
    std::string msg = error_message([&] { nn::shape_size({big, big, big}); });
    EXPECT_THAT(msg, AllOf(HasSubstr("Tensor"), HasSubstr("too many elements")));
}

TEST(Tensor, ZeroElementShapesWithHugeExtentsAreEmptyNotOverflowing) {
    const int big = std::numeric_limits<int>::max();
    EXPECT_EQ(nn::shape_size({big, 0}), 0u);
    // Before: big^3 was multiplied out (and refused) before the 0 was seen.
    EXPECT_EQ(nn::shape_size({big, big, big, 0}), 0u);
    Tensor t({big, big, big, 0});
    EXPECT_EQ(t.size(), 0u);
    EXPECT_THAT(error_message([&] { nn::shape_size({big, -1, 0}); }), HasSubstr("negative extent"));
}
