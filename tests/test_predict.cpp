// Tests for tools/predict.hpp (read_digit_inputs): what `plaincnn predict`
// feeds the net from .npy, PNG and PGM files: shapes, the 0-1 / 0-255 rule,
// polarity, reduction of other sizes, and every refusal.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/test_util.hpp"
#include "tools/io/digit.hpp"
#include "tools/io/grey_image.hpp"
#include "tools/io/npy.hpp"
#include "tools/predict.hpp"

using ::testing::HasSubstr;
namespace fs = std::filesystem;

namespace {

class PredictInputs : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = testutil::make_temp_folder("predict");
        ASSERT_FALSE(dir_.empty());
    }
    void TearDown() override { fs::remove_all(dir_); }

    // Writes @p t as NAME.npy in the scratch folder and returns its path.
    std::string npy(const std::string& name, const nn::Tensor& t) {
        std::string path = (dir_ / (name + ".npy")).string();
        tools::io::write_npy(path, t);
        return path;
    }

    std::string refusal(const std::string& path) {
        return testutil::error_message<std::runtime_error>([&] { tools::read_digit_inputs(path); });
    }

    fs::path dir_;
};

// A light 6x10 bar on black in a 28x28 image, levels in [0, 1].
std::vector<float> bar_image() {
    std::vector<float> v(784, 0.0f);
    for (int y = 9; y < 19; ++y)
        for (int x = 11; x < 17; ++x) v[static_cast<std::size_t>(y * 28 + x)] = 0.25f + 0.05f * (x - 11);
    return v;
}

fs::path digits_dir() {
    const fs::path rel = fs::path(__FILE__).parent_path() / "fixtures" / "digits";
    for (fs::path dir = fs::current_path(); !dir.empty(); dir = dir.parent_path()) {
        if (fs::exists(dir / rel / "make_digits.sh")) return dir / rel;
        if (dir == dir.root_path()) break;
    }
    return rel;
}

}  // namespace

TEST_F(PredictInputs, Npy28x28TakenAsItIs) {
    const std::vector<float> bar = bar_image();
    for (const nn::Shape& shape : {nn::Shape{28, 28}, nn::Shape{28, 28, 1}}) {
        std::vector<tools::DigitInput> in = tools::read_digit_inputs(npy("bar", nn::Tensor(shape, bar)));
        ASSERT_EQ(in.size(), 1u);
        EXPECT_EQ(in[0].label, (dir_ / "bar.npy").string());
        EXPECT_EQ(in[0].pixels, bar);
    }
}

TEST_F(PredictInputs, NpyBytesAreDividedBy255) {
    std::vector<float> bytes = bar_image();
    for (float& v : bytes) v = std::round(v * 255);  // 0 .. 127.5 -> whole levels up to 128
    std::vector<tools::DigitInput> in = tools::read_digit_inputs(npy("bytes", nn::Tensor({28, 28}, bytes)));
    ASSERT_EQ(in.size(), 1u);
    for (std::size_t k = 0; k < 784; ++k) ASSERT_FLOAT_EQ(in[0].pixels[k], bytes[k] / 255) << "pixel " << k;
}

TEST_F(PredictInputs, DarkInkOnLightIsInverted) {
    std::vector<float> paper = bar_image();
    for (float& v : paper) v = 1 - v;
    std::vector<tools::DigitInput> in = tools::read_digit_inputs(npy("paper", nn::Tensor({28, 28}, paper)));
    ASSERT_EQ(in.size(), 1u);
    const std::vector<float> bar = bar_image();
    testutil::expect_elements_near(in[0].pixels, std::vector<double>(bar.begin(), bar.end()), 1e-6);
}

TEST_F(PredictInputs, NpyBatchIsLabelledByIndex) {
    for (const nn::Shape& shape : {nn::Shape{3, 28, 28}, nn::Shape{3, 28, 28, 1}}) {
        std::vector<float> three;
        for (int i = 0; i < 3; ++i)
            for (float v : bar_image()) three.push_back(v * (i + 1) / 3);
        std::string path = npy("three", nn::Tensor(shape, three));
        std::vector<tools::DigitInput> in = tools::read_digit_inputs(path);
        ASSERT_EQ(in.size(), 3u);
        for (int i = 0; i < 3; ++i) {
            EXPECT_EQ(in[static_cast<std::size_t>(i)].label, path + "[" + std::to_string(i) + "]");
            EXPECT_EQ(in[static_cast<std::size_t>(i)].pixels,
                      std::vector<float>(three.begin() + 784 * i, three.begin() + 784 * (i + 1)));
        }
    }
}

TEST_F(PredictInputs, OtherSizesAreReducedLikeMnist) {
    tools::io::GreyImage image;  // dark ink on white paper, 40 rows x 30 columns
    image.height = 40;
    image.width = 30;
    image.grey.assign(1200, 1.0f);
    for (int y = 5; y < 35; ++y)
        for (int x = 12; x < 17; ++x) image.grey[static_cast<std::size_t>(y * 30 + x)] = 0.1f;
    std::vector<tools::DigitInput> in = tools::read_digit_inputs(npy("tall", nn::Tensor({40, 30}, image.grey)));
    ASSERT_EQ(in.size(), 1u);
    EXPECT_EQ(in[0].pixels, tools::io::reduce_like_mnist(image));
}

TEST_F(PredictInputs, PngAndPgmGoThroughReduceLikeMnist) {
    const std::string png = (digits_dir() / "digit3_grey.png").string();
    std::vector<tools::DigitInput> in = tools::read_digit_inputs(png);
    ASSERT_EQ(in.size(), 1u);
    EXPECT_EQ(in[0].label, png);
    EXPECT_EQ(in[0].pixels, tools::io::reduce_like_mnist(tools::io::read_grey_image(png)));
    float ink = 0;
    for (float v : in[0].pixels) ink += v;
    EXPECT_GT(ink, 20.0f);  // light ink on black, as MNIST
    EXPECT_EQ(in[0].pixels[0], 0.0f);
}

TEST_F(PredictInputs, RefusesBadShapes) {
    std::string path = npy("wide", nn::Tensor({2, 32, 32}, 0.0f));
    EXPECT_EQ(refusal(path), path + ": array of shape (2,32,32); expected one image (h, w) or (28, 28, 1), or n images "
                                    "(n, 28, 28) or (n, 28, 28, 1)");
    path = npy("flat", nn::Tensor({784}, 0.0f));
    EXPECT_THAT(refusal(path), HasSubstr("array of shape (784)"));
    path = npy("none", nn::Tensor({0, 28, 28}));
    EXPECT_EQ(refusal(path), path + ": array of shape (0,28,28) holds no image");
    path = npy("tiny", nn::Tensor({5, 7}, 0.0f));
    EXPECT_EQ(refusal(path), path + ": a 7x5 image is too small to hold a digit (at least 8 pixels a side, or exactly 28x28)");
}

TEST_F(PredictInputs, RefusesLevelsOutsideBothRanges) {
    for (float bad : {-0.5f, 256.0f, std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
        std::vector<float> v = bar_image();
        v[100] = bad;
        std::string path = npy("bad", nn::Tensor({28, 28}, v));
        EXPECT_THAT(refusal(path), HasSubstr(path + ": value "));
        EXPECT_THAT(refusal(path), HasSubstr(" at flat index 100 is outside [0, 1] (scaled levels) and [0, 255] (bytes)"));
    }
}

TEST_F(PredictInputs, RefusesUnknownAndCorruptFiles) {
    const std::string text = (dir_ / "note.txt").string();
    testutil::write_file(text, "hello");
    EXPECT_THAT(refusal(text), HasSubstr(text + ": byte 0: neither a PNG nor a binary PGM file"));
    const std::string cut = (dir_ / "cut.npy").string();
    testutil::write_file(cut, testutil::read_file(npy("whole", nn::Tensor({28, 28}, 0.0f))).substr(0, 200));
    EXPECT_THAT(refusal(cut), HasSubstr("cut.npy"));
}
