// Tests for tools/io/idx: small IDX files written into a temporary folder and
// read back; truncated files, wrong magic numbers, sizes that disagree with
// the header and image/label count mismatches, each refused with a message
// naming the file and the reason; the 50,000/10,000 split rule; one_hot.
#include "tools/io/idx.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/test_util.hpp"

using ::testing::HasSubstr;
using testutil::error_message;

namespace {

namespace fs = std::filesystem;

using Bytes = std::vector<unsigned char>;

void put_be32(Bytes& b, std::uint32_t x) {
    for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<unsigned char>(x >> shift));
}

// An idx3-ubyte file: magic, n, rows, cols, then n*rows*cols pixels where
// pixel j of image i is pixel(i, j).
Bytes image_file(std::uint32_t n, std::uint32_t rows, std::uint32_t cols,
                 const std::function<unsigned char(std::uint32_t, std::uint32_t)>& pixel,
                 std::uint32_t magic = 0x00000803) {
    Bytes b;
    put_be32(b, magic);
    put_be32(b, n);
    put_be32(b, rows);
    put_be32(b, cols);
    for (std::uint32_t i = 0; i < n; ++i)
        for (std::uint32_t j = 0; j < rows * cols; ++j) b.push_back(pixel(i, j));
    return b;
}

// An idx1-ubyte file with the given labels.
Bytes label_file(const std::vector<unsigned char>& labels, std::uint32_t magic = 0x00000801) {
    Bytes b;
    put_be32(b, magic);
    put_be32(b, static_cast<std::uint32_t>(labels.size()));
    b.insert(b.end(), labels.begin(), labels.end());
    return b;
}

class Idx : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = testutil::make_temp_folder("idx").string();
        ASSERT_FALSE(dir_.empty());
    }
    void TearDown() override { fs::remove_all(dir_); }

    // Writes @p bytes to dir/name and returns the path.
    std::string write(const std::string& name, const Bytes& bytes) {
        const std::string path = (fs::path(dir_) / name).string();
        std::ofstream out(path, std::ios::binary);
        out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        return path;
    }

    // A full MNIST-shaped folder: n_train 28x28 training images whose first
    // pixel is i % 256 and labels i % 10, and 3 test images.
    void write_mnist(std::uint32_t n_train, std::size_t n_train_labels) {
        write("train-images-idx3-ubyte",
              image_file(n_train, 28, 28, [](std::uint32_t i, std::uint32_t j) {
                  return static_cast<unsigned char>(j == 0 ? i % 256 : 0);
              }));
        std::vector<unsigned char> labels(n_train_labels);
        for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<unsigned char>(i % 10);
        write("train-labels-idx1-ubyte", label_file(labels));
        write("t10k-images-idx3-ubyte", image_file(3, 28, 28, [](std::uint32_t, std::uint32_t) { return 255; }));
        write("t10k-labels-idx1-ubyte", label_file({7, 2, 1}));
    }

    std::string dir_;
};

TEST_F(Idx, ImagesRoundTrip) {
    // Two 2x3 images with pixel j of image i = 51 * ((i + j) % 6): 51 / 255 = 0.2.
    const std::string path = write("img", image_file(2, 2, 3, [](std::uint32_t i, std::uint32_t j) {
                                       return static_cast<unsigned char>(51 * ((i + j) % 6));
                                   }));
    nn::Tensor x = tools::io::read_idx_images(path);
    EXPECT_EQ(x.shape, (nn::Shape{2, 2, 3, 1}));
    EXPECT_FLOAT_EQ(x.at(0, 0, 0, 0), 0.0f);
    EXPECT_FLOAT_EQ(x.at(0, 0, 1, 0), 0.2f);
    EXPECT_FLOAT_EQ(x.at(0, 1, 2, 0), 1.0f);  // j = 5: 255 / 255
    EXPECT_FLOAT_EQ(x.at(1, 1, 2, 0), 0.0f);  // (1 + 5) % 6 = 0
    EXPECT_FLOAT_EQ(x.at(1, 0, 0, 0), 0.2f);
}

TEST_F(Idx, LabelsRoundTrip) {
    EXPECT_EQ(tools::io::read_idx_labels(write("lab", label_file({5, 0, 4, 1, 9}))),
              (std::vector<std::uint8_t>{5, 0, 4, 1, 9}));
    EXPECT_TRUE(tools::io::read_idx_labels(write("none", label_file({}))).empty());
}

TEST_F(Idx, TruncatedPixelsAreRefused) {
    Bytes b = image_file(3, 2, 3, [](std::uint32_t, std::uint32_t) { return 1; });
    b.resize(b.size() - 1);  // 16 + 17 bytes for 3 * 6 pixels
    const std::string path = write("short-images", b);
    const std::string msg = error_message<std::runtime_error>([&] { tools::io::read_idx_images(path); });
    EXPECT_THAT(msg, HasSubstr("read_idx_images: '" + path + "'"));
    EXPECT_THAT(msg, HasSubstr("byte 33: truncated"));
    EXPECT_THAT(msg, HasSubstr("3 images of 2x3 pixels"));
}

TEST_F(Idx, TruncatedHeaderIsRefused) {
    const std::string path = write("short-header", {0, 0, 8, 3, 0, 0, 0, 1, 0, 0});
    const std::string msg = error_message<std::runtime_error>([&] { tools::io::read_idx_images(path); });
    EXPECT_THAT(msg, HasSubstr(path));
    EXPECT_THAT(msg, HasSubstr("truncated: the file has 10 bytes but an idx3-ubyte image file needs a 16-byte header"));
    const std::string labels = write("short-labels", {0, 0, 8});
    EXPECT_THAT(error_message<std::runtime_error>([&] { tools::io::read_idx_labels(labels); }),
                HasSubstr("read_idx_labels: '" + labels + "', byte 3: truncated"));
}

TEST_F(Idx, WrongMagicIsRefused) {
    // A label file handed to the image reader, and the other way round.
    const std::string labels = write("labels", label_file({1, 2, 3, 4, 5, 6, 7, 8}));
    std::string msg = error_message<std::runtime_error>([&] { tools::io::read_idx_images(labels); });
    EXPECT_THAT(msg, HasSubstr("read_idx_images: '" + labels + "', byte 0: bad magic number 0x00000801"));
    EXPECT_THAT(msg, HasSubstr("expected 0x00000803"));
    const std::string images = write("images", image_file(1, 1, 1, [](std::uint32_t, std::uint32_t) { return 0; }));
    msg = error_message<std::runtime_error>([&] { tools::io::read_idx_labels(images); });
    EXPECT_THAT(msg, HasSubstr("'" + images + "', byte 0: bad magic number 0x00000803, expected 0x00000801"));
}

TEST_F(Idx, SizeThatDisagreesWithTheHeaderIsRefused) {
    // Two extra bytes after 2 images of 2x2: the dimensions do not describe the file.
    Bytes b = image_file(2, 2, 2, [](std::uint32_t, std::uint32_t) { return 9; });
    b.push_back(0);
    b.push_back(0);
    const std::string path = write("long-images", b);
    const std::string msg = error_message<std::runtime_error>([&] { tools::io::read_idx_images(path); });
    EXPECT_THAT(msg, HasSubstr("'" + path + "', byte 24: the header announces 2 images of 2x2 pixels"));
    EXPECT_THAT(msg, HasSubstr("2 more bytes follow them"));
    Bytes l = label_file({1, 2});
    l.push_back(3);
    const std::string labels = write("long-labels", l);
    EXPECT_THAT(error_message<std::runtime_error>([&] { tools::io::read_idx_labels(labels); }),
                HasSubstr("announces 2 labels but 1 more bytes"));
}

TEST_F(Idx, HugeHeaderDoesNotAllocate) {
    // 4e9 images of 65535x65535 pixels in a 16-byte file: refused from the
    // header alone (an allocation of that size would throw bad_alloc instead).
    Bytes b;
    put_be32(b, 0x00000803);
    put_be32(b, 0xFFFFFFFF);
    put_be32(b, 0xFFFF);
    put_be32(b, 0xFFFF);
    const std::string path = write("huge", b);
    EXPECT_THAT(error_message<std::runtime_error>([&] { tools::io::read_idx_images(path); }),
                HasSubstr("truncated: the header announces 4294967295 images of 65535x65535 pixels"));
    Bytes empty_images;
    put_be32(empty_images, 0x00000803);
    put_be32(empty_images, 5);
    put_be32(empty_images, 0);
    put_be32(empty_images, 28);
    const std::string empty = write("empty", empty_images);
    EXPECT_THAT(error_message<std::runtime_error>([&] { tools::io::read_idx_images(empty); }),
                HasSubstr("byte 8: empty images: 0x28 pixels"));
}

TEST_F(Idx, MissingFileIsNamed) {
    const std::string path = (fs::path(dir_) / "nothing-here").string();
    EXPECT_THAT(error_message<std::runtime_error>([&] { tools::io::read_idx_images(path); }),
                HasSubstr("read_idx_images: '" + path + "': cannot open (No such file or directory)"));
    EXPECT_THAT(error_message<std::runtime_error>([&] { tools::io::load_mnist(dir_); }),
                HasSubstr("train-labels-idx1-ubyte': cannot open"));
}

TEST_F(Idx, AFolderOrADeviceIsNamedAsSuch) {
    const std::string folder = (fs::path(dir_) / "train-images-idx3-ubyte").string();
    fs::create_directory(folder);
    // Before: "read error in the header".
    EXPECT_THAT(error_message<std::runtime_error>([&] { tools::io::read_idx_images(folder); }),
                HasSubstr("read_idx_images: '" + folder + "': is a directory"));
    // Before: "truncated: the file has 0 bytes" (a device has no size).
    EXPECT_THAT(error_message<std::runtime_error>([&] { tools::io::read_idx_labels("/dev/zero"); }),
                HasSubstr("'/dev/zero': is not a regular file"));
}

TEST_F(Idx, LoadMnistSplitsOffTheLastTenThousand) {
    // 10,003 training images: train = images 0..2, validation = images 3..10002.
    write_mnist(10003, 10003);
    tools::io::Mnist m = tools::io::load_mnist(dir_);
    EXPECT_EQ(m.train.x.shape, (nn::Shape{3, 28, 28, 1}));
    EXPECT_EQ(m.validation.x.shape, (nn::Shape{10000, 28, 28, 1}));
    EXPECT_EQ(m.test.x.shape, (nn::Shape{3, 28, 28, 1}));
    EXPECT_EQ(m.train.labels, (std::vector<std::uint8_t>{0, 1, 2}));
    ASSERT_EQ(m.validation.labels.size(), 10000u);
    EXPECT_EQ(m.validation.labels[0], 3);  // image 3's label, 3 % 10
    EXPECT_EQ(m.validation.labels[9999], 10002 % 10);
    EXPECT_FLOAT_EQ(m.train.x.at(2, 0, 0, 0), 2.0f / 255.0f);
    EXPECT_FLOAT_EQ(m.validation.x.at(0, 0, 0, 0), 3.0f / 255.0f);
    EXPECT_FLOAT_EQ(m.validation.x.at(9999, 0, 0, 0), static_cast<float>(10002 % 256) / 255.0f);
    EXPECT_EQ(m.test.labels, (std::vector<std::uint8_t>{7, 2, 1}));
    EXPECT_FLOAT_EQ(m.test.x.at(1, 27, 27, 0), 1.0f);
}

TEST_F(Idx, LoadMnistRefusesCountMismatch) {
    write_mnist(5, 4);
    const std::string msg = error_message<std::runtime_error>([&] { tools::io::load_mnist(dir_); });
    EXPECT_THAT(msg, HasSubstr("train-images-idx3-ubyte': has 5 images but"));
    EXPECT_THAT(msg, HasSubstr("train-labels-idx1-ubyte' has 4 labels"));
}

TEST_F(Idx, LoadMnistNeedsMoreThanTenThousandTrainingImages) {
    write_mnist(10000, 10000);
    EXPECT_THAT(error_message<std::runtime_error>([&] { tools::io::load_mnist(dir_); }),
                HasSubstr("train-images-idx3-ubyte': has 10000 images; the split needs at least 10001"));
}

TEST_F(Idx, LoadMnistRefusesBadLabelsAndImageSizes) {
    write_mnist(5, 5);
    write("t10k-labels-idx1-ubyte", label_file({7, 12, 1}));
    EXPECT_THAT(error_message<std::runtime_error>([&] { tools::io::load_mnist(dir_); }),
                HasSubstr("t10k-labels-idx1-ubyte', byte 9: label 12 of item 1 is not a digit class 0..9"));
    write("t10k-labels-idx1-ubyte", label_file({7, 2, 1}));
    write("t10k-images-idx3-ubyte", image_file(3, 32, 32, [](std::uint32_t, std::uint32_t) { return 0; }));
    EXPECT_THAT(error_message<std::runtime_error>([&] { tools::io::load_mnist(dir_); }),
                HasSubstr("t10k-images-idx3-ubyte', byte 8: images are 32x32 pixels"));
}

TEST(OneHot, RowsFromLabels) {
    // Labels (2, 0, 9) with 10 classes: a single 1 in columns 2, 0 and 9.
    nn::Tensor Y = tools::io::one_hot({2, 0, 9});
    ASSERT_EQ(Y.shape, (nn::Shape{3, 10}));
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 10; ++j) EXPECT_EQ(Y.at(i, j), (i == 0 && j == 2) || (i == 1 && j == 0) || (i == 2 && j == 9) ? 1.0f : 0.0f);
    EXPECT_TRUE(testutil::throws_with([] { tools::io::one_hot({1, 3}, 3); }, {"one_hot", "3"}));
}

}  // namespace
