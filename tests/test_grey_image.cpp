// Tests for tools/io/grey_image: binary PGM by hand and its errors, PNG made
// grey (luma, alpha over white), and one digit that ImageMagick wrote in
// seven containers (tests/fixtures/digits/make_digits.sh) read back as the
// same levels.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/test_util.hpp"
#include "tools/io/grey_image.hpp"

using ::testing::HasSubstr;
using tools::io::GreyImage;
namespace fs = std::filesystem;

namespace {

std::vector<double> as_double(const std::vector<float>& v) { return {v.begin(), v.end()}; }

fs::path digits_dir() {
    const fs::path rel = fs::path(__FILE__).parent_path() / "fixtures" / "digits";
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    for (fs::path start : {fs::current_path(), ec ? fs::path() : exe.parent_path()}) {
        if (rel.is_absolute()) start = fs::path("/");
        for (fs::path dir = start; !dir.empty(); dir = dir.parent_path()) {
            if (fs::exists(dir / rel / "make_digits.sh")) return dir / rel;
            if (dir == dir.root_path()) break;
        }
    }
    return rel;
}

std::string pgm_error(const std::string& bytes) {
    return testutil::error_message<std::runtime_error>([&] { tools::io::decode_pgm(bytes, "x.pgm"); });
}

}  // namespace

TEST(Pgm, EightBitWithComments) {
    std::string file = std::string("P5 # made by hand\n3 # width\n2\n255\n") + '\0' + '\x33' + '\xff' + '\x80' + '\x01' + 'A';
    GreyImage image = tools::io::decode_pgm(file, "x.pgm");
    EXPECT_EQ(image.width, 3);
    EXPECT_EQ(image.height, 2);
    testutil::expect_elements_near(image.grey, {0.0f, 51 / 255.0f, 1.0f, 128 / 255.0f, 1 / 255.0f, 65 / 255.0f}, 1e-7f);
}

TEST(Pgm, SixteenBitBigEndianAndSmallMaxval) {
    std::string file = std::string("P5\n2 1\n1000\n") + '\x03' + '\xe8' + '\x01' + '\xf4';  // 1000 and 500
    testutil::expect_elements_near(tools::io::decode_pgm(file, "x.pgm").grey, {1.0f, 0.5f}, 1e-7f);
    std::string four_levels = std::string("P5 2 1 3 ") + '\x03' + '\x01';
    testutil::expect_elements_near(tools::io::decode_pgm(four_levels, "x.pgm").grey, {1.0f, 1 / 3.0f}, 1e-7f);
}

TEST(Pgm, RefusesOtherKindsAndBadHeaders) {
    EXPECT_EQ(pgm_error("P2\n1 1\n255\n0"), "x.pgm: byte 0: a netpbm ASCII greymap (P2); only binary greymaps (P5) are read");
    EXPECT_THAT(pgm_error("P6\n1 1\n255\nabc"), HasSubstr("binary pixmap (P6, colour)"));
    EXPECT_THAT(pgm_error("GIF8"), HasSubstr("byte 0: not a netpbm file"));
    EXPECT_EQ(pgm_error("P5\n3"), "x.pgm: byte 4: the header ends before the height");
    EXPECT_EQ(pgm_error("P5\n3 x"), "x.pgm: byte 5: expected the height (a decimal number)");
    EXPECT_EQ(pgm_error("P5\n0 1 255\n"), "x.pgm: byte 3: width and height must be positive");
    EXPECT_EQ(pgm_error("P5\n1 1 0\n"), "x.pgm: byte 7: maxval 0 is outside 1-65535");
    EXPECT_EQ(pgm_error("P5\n1 1 70000\n"), "x.pgm: byte 7: maxval 70000 is outside 1-65535");
    EXPECT_EQ(pgm_error("P5\n1 1 255"), "x.pgm: byte 10: expected one whitespace byte after maxval");
    EXPECT_THAT(pgm_error("P5\n99999999 1 255\n"), HasSubstr("byte 3: the width is larger than 1000000"));
    EXPECT_THAT(pgm_error("P5\n5000 5000 255\n"), HasSubstr("image of 5000x5000 pixels is larger than the 16777216 accepted"));
}

TEST(Pgm, RefusesWrongSampleCountAndSampleAboveMaxval) {
    EXPECT_EQ(pgm_error("P5\n2 2\n255\nabc"), "x.pgm: byte 11: 2x2 samples of 1 byte(s) need 4 bytes, the file has 3");
    EXPECT_EQ(pgm_error("P5\n1 1\n255\nab"), "x.pgm: byte 11: 1x1 samples of 1 byte(s) need 1 bytes, the file has 2");
    EXPECT_EQ(pgm_error(std::string("P5\n2 1\n100\n") + '\x10' + '\x65'), "x.pgm: byte 12: sample 101 is above maxval 100");
}

TEST(GreyFromPng, LumaAndAlphaOverWhite) {
    tools::io::PngPixels rgb;
    rgb.width = 3;
    rgb.height = 1;
    rgb.channels = 3;
    rgb.max_value = 255;
    rgb.samples = {255, 0, 0, 0, 255, 0, 0, 0, 255};
    testutil::expect_elements_near(tools::io::grey_from_png(rgb).grey, {0.299f, 0.587f, 0.114f}, 1e-6f);

    tools::io::PngPixels grey_alpha;  // black ink: opaque, half transparent, transparent
    grey_alpha.width = 3;
    grey_alpha.height = 1;
    grey_alpha.channels = 2;
    grey_alpha.max_value = 65535;
    grey_alpha.samples = {0, 65535, 0, 32768, 0, 0};
    testutil::expect_elements_near(tools::io::grey_from_png(grey_alpha).grey, {0.0f, 1 - 32768 / 65535.0f, 1.0f}, 1e-6f);
}

TEST(ReadGreyImage, OneDigitInSevenContainers) {
    const GreyImage want = tools::io::read_grey_image((digits_dir() / "digit3.pgm").string());
    ASSERT_EQ(want.width, 60);
    ASSERT_EQ(want.height, 80);
    float ink = 0;
    for (float v : want.grey) ink += 1 - v;
    EXPECT_GT(ink, 300.0f);  // a real digit, not a blank page
    for (const char* name : {"digit3_16bit.pgm", "digit3_grey.png", "digit3_adam7.png", "digit3_rgb.png", "digit3_rgba.png"}) {
        SCOPED_TRACE(name);
        GreyImage got = tools::io::read_grey_image((digits_dir() / name).string());
        ASSERT_EQ(got.width, 60);
        ASSERT_EQ(got.height, 80);
        testutil::expect_elements_near(got.grey, as_double(want.grey), 1e-5);
    }
    GreyImage negative = tools::io::read_grey_image((digits_dir() / "digit3_light_on_dark.png").string());
    for (float& v : negative.grey) v = 1 - v;
    testutil::expect_elements_near(negative.grey, as_double(want.grey), 1e-5);
}

TEST(ReadGreyImage, RefusesMissingFoldersAndOtherFormats) {
    fs::path dir = testutil::make_temp_folder("grey_image");
    ASSERT_FALSE(dir.empty());
    const std::string missing = (dir / "none.png").string();
    EXPECT_EQ(testutil::error_message<std::runtime_error>([&] { tools::io::read_grey_image(missing); }),
              missing + ": cannot open the file");
    EXPECT_EQ(testutil::error_message<std::runtime_error>([&] { tools::io::read_grey_image(dir.string()); }),
              dir.string() + ": is a folder, not an image file");
    const std::string gif = (dir / "x.gif").string();
    {
        std::ofstream(gif) << "GIF89a";
    }
    EXPECT_THAT(testutil::error_message<std::runtime_error>([&] { tools::io::read_grey_image(gif); }),
                HasSubstr(gif + ": byte 0: neither a PNG nor a binary PGM file"));
    fs::remove_all(dir);
}
