// Tests for tools/io/digit: MNIST's pre-processing on images whose result is
// worked out by hand — a solid bar (scale down, box 20 x 10, centred by mass),
// the same bar dark on white and on grey paper, a checkerboard (area
// averaging to 0.5), a small blob (scaled up), an off-centre mass that is
// shifted by whole pixels and clipped, no ink, and bad arguments.
#include "tools/io/digit.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "tests/test_util.hpp"

using ::testing::HasSubstr;
using testutil::error_message;
using tools::io::GreyImage;
using tools::io::ink_is_dark;
using tools::io::reduce_like_mnist;

namespace {

GreyImage filled(int h, int w, float level) { return GreyImage{h, w, std::vector<float>(static_cast<std::size_t>(h) * w, level)}; }

void paint(GreyImage& image, int top, int left, int rows, int cols, float level) {
    for (int y = top; y < top + rows; ++y)
        for (int x = left; x < left + cols; ++x) image.grey[y * image.width + x] = level;
}

// The 28 x 28 field with a rows x cols block of `level` at (top, left).
std::vector<float> field_with_block(int top, int left, int rows, int cols, float level) {
    GreyImage f = filled(28, 28, 0.0f);
    paint(f, top, left, rows, cols, level);
    return f.grey;
}

}  // namespace

TEST(Digit, TallBarIsScaledToTwentyAndCentredByMass) {
    // A 40 x 20 white bar on black, 100 x 100: scaled by 1/2 to 20 x 10, all
    // ones; its centre of mass (10, 5) goes to (14, 14): rows 4..23, cols 9..18.
    GreyImage image = filled(100, 100, 0.0f);
    paint(image, 30, 50, 40, 20, 1.0f);
    EXPECT_FALSE(ink_is_dark(image));
    EXPECT_EQ(reduce_like_mnist(image), field_with_block(4, 9, 20, 10, 1.0f));
}

TEST(Digit, DarkInkOnWhiteOrGreyPaperGivesTheSameDigit) {
    const std::vector<float> expected = field_with_block(4, 9, 20, 10, 1.0f);
    GreyImage white = filled(100, 100, 1.0f);
    paint(white, 30, 50, 40, 20, 0.0f);
    EXPECT_TRUE(ink_is_dark(white));
    EXPECT_EQ(reduce_like_mnist(white), expected);

    // Grey paper (0.8) and grey ink (0.2), as a photo gives: stretched to 0 and 1.
    GreyImage grey = filled(100, 100, 0.8f);
    paint(grey, 30, 50, 40, 20, 0.2f);
    EXPECT_EQ(reduce_like_mnist(grey), expected);
}

TEST(Digit, AreaAveragingOfACheckerboardGivesHalfGrey) {
    // A 40 x 40 checkerboard in a black frame: every 2 x 2 source square holds
    // two ones, so the 20 x 20 result is 0.5 everywhere, centred at rows and
    // columns 4..23.
    GreyImage image = filled(50, 50, 0.0f);
    for (int y = 0; y < 40; ++y)
        for (int x = 0; x < 40; ++x) image.grey[(5 + y) * 50 + 5 + x] = (y + x) % 2 == 0 ? 1.0f : 0.0f;
    EXPECT_EQ(reduce_like_mnist(image), field_with_block(4, 4, 20, 20, 0.5f));
}

TEST(Digit, SmallBlobIsScaledUp) {
    // A 5 x 5 blob in 28 x 28 (a small digit) grows to 20 x 20: each source
    // pixel becomes a 4 x 4 block of the same level.
    GreyImage image = filled(28, 28, 0.0f);
    paint(image, 2, 3, 5, 5, 1.0f);
    EXPECT_EQ(reduce_like_mnist(image), field_with_block(4, 4, 20, 20, 1.0f));
}

TEST(Digit, ShiftIsByCentreOfMassNotByBoxAndClipsAtTheEdge) {
    // 20 x 20 ink box (scale 1): a full left column and one pixel at its
    // bottom-right corner. Mass 21; centre (219.5 / 21, 29.5 / 21) =
    // (10.45, 1.40), so the shift is (round(3.55), round(12.60)) = (4, 13):
    // the column lands at x = 13, rows 4..23, and the corner pixel at
    // x = 19 + 13 = 32 falls outside the field.
    GreyImage image = filled(30, 30, 0.0f);
    paint(image, 5, 5, 20, 1, 1.0f);
    paint(image, 24, 24, 1, 1, 1.0f);
    EXPECT_EQ(reduce_like_mnist(image), field_with_block(4, 13, 20, 1, 1.0f));
}

TEST(Digit, NoInkGivesAnEmptyField) {
    EXPECT_EQ(reduce_like_mnist(filled(10, 12, 0.0f)), std::vector<float>(784, 0.0f));
    EXPECT_EQ(reduce_like_mnist(filled(10, 12, 1.0f)), std::vector<float>(784, 0.0f));
    EXPECT_EQ(reduce_like_mnist(filled(1, 1, 0.3f)), std::vector<float>(784, 0.0f));
}

TEST(Digit, RefusesAnEmptyImageOrAWrongLevelCount) {
    EXPECT_THAT(error_message<std::invalid_argument>([] { reduce_like_mnist(GreyImage{}); }),
                HasSubstr("reduce_like_mnist: the image is empty (0 x 0)"));
    EXPECT_THAT(error_message<std::invalid_argument>([] { reduce_like_mnist(GreyImage{2, 3, std::vector<float>(5)}); }),
                HasSubstr("grey holds 5 levels, not 2 x 3"));
    EXPECT_THAT(error_message<std::invalid_argument>([] { ink_is_dark(GreyImage{0, 4, {}}); }),
                HasSubstr("ink_is_dark: the image is empty (0 x 4)"));
}
