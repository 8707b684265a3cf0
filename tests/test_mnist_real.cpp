// The real MNIST files, read through tools/io/idx when data/mnist is there
// (`make data` fetches it; set PLAINCNN_MNIST to read another folder). The
// expected numbers were computed from the raw IDX bytes with a few lines of
// Python, independently of the C++ reader: the image and label counts, the
// first labels of each split, and checksums of the pixel bytes (plain sums
// per split, and row- and column-weighted sums of the first image, which a
// transposed or shifted image would change). Without the files the test is
// skipped, and tests/run_tests.sh names the skip.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "tools/io/idx.hpp"

namespace {

std::string mnist_dir() {
    const char* env = std::getenv("PLAINCNN_MNIST");
    return env && *env ? env : "data/mnist";
}

bool have_mnist(const std::string& dir) {
    for (const char* f : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                          "t10k-labels-idx1-ubyte"})
        if (!std::filesystem::is_regular_file(std::filesystem::path(dir) / f)) return false;
    return true;
}

// The pixel bytes back from the [0, 1] floats (byte / 255).
std::uint64_t byte_sum(const nn::Tensor& x) {
    std::uint64_t sum = 0;
    for (float v : x.data) sum += static_cast<std::uint64_t>(std::lround(v * 255.0f));
    return sum;
}

std::vector<int> first_labels(const std::vector<std::uint8_t>& labels, std::size_t n) {
    return std::vector<int>(labels.begin(), labels.begin() + static_cast<std::ptrdiff_t>(n));
}

// sum over the first image of (row + 1) * byte and of (column + 1) * byte.
void weighted_sums(const nn::Tensor& x, std::uint64_t& by_row, std::uint64_t& by_col) {
    by_row = by_col = 0;
    for (int h = 0; h < 28; ++h)
        for (int w = 0; w < 28; ++w) {
            const auto b = static_cast<std::uint64_t>(std::lround(x.at(0, h, w, 0) * 255.0f));
            by_row += static_cast<std::uint64_t>(h + 1) * b;
            by_col += static_cast<std::uint64_t>(w + 1) * b;
        }
}

}  // namespace

TEST(MnistReal, CountsLabelsAndPixelChecksums) {
    const std::string dir = mnist_dir();
    if (!have_mnist(dir)) GTEST_SKIP() << "no MNIST in " << dir << " (make data fetches it)";
    const tools::io::Mnist mnist = tools::io::load_mnist(dir);

    // The course's split: 50,000 train, the last 10,000 training images validate, t10k tests.
    EXPECT_EQ(mnist.train.x.shape, (nn::Shape{50000, 28, 28, 1}));
    EXPECT_EQ(mnist.validation.x.shape, (nn::Shape{10000, 28, 28, 1}));
    EXPECT_EQ(mnist.test.x.shape, (nn::Shape{10000, 28, 28, 1}));
    ASSERT_EQ(mnist.train.labels.size(), 50000u);
    ASSERT_EQ(mnist.validation.labels.size(), 10000u);
    ASSERT_EQ(mnist.test.labels.size(), 10000u);

    EXPECT_EQ(first_labels(mnist.train.labels, 10), (std::vector<int>{5, 0, 4, 1, 9, 2, 1, 3, 1, 4}));
    EXPECT_EQ(first_labels(mnist.validation.labels, 10), (std::vector<int>{3, 8, 6, 9, 6, 4, 5, 3, 8, 4}));
    EXPECT_EQ(first_labels(mnist.test.labels, 10), (std::vector<int>{7, 2, 1, 0, 4, 1, 4, 9, 5, 9}));
    std::uint64_t label_sum = 0;
    for (std::uint8_t l : mnist.train.labels) label_sum += l;
    for (std::uint8_t l : mnist.validation.labels) label_sum += l;
    EXPECT_EQ(label_sum, 267236u);

    EXPECT_EQ(byte_sum(mnist.train.x), 1309089051u);
    EXPECT_EQ(byte_sum(mnist.validation.x), 258209494u);
    EXPECT_EQ(byte_sum(mnist.test.x), 264923200u);

    std::uint64_t by_row = 0, by_col = 0;
    weighted_sums(mnist.train.x, by_row, by_col);
    EXPECT_EQ(by_row, 413860u);
    EXPECT_EQ(by_col, 403109u);
    EXPECT_FLOAT_EQ(mnist.train.x.at(0, 14, 14, 0), 240.0f / 255.0f);
    EXPECT_FLOAT_EQ(mnist.train.x.at(0, 5, 21, 0), 1.0f);  // the first image's first 255, row-major
    weighted_sums(mnist.test.x, by_row, by_col);
    EXPECT_EQ(by_row, 283891u);
    EXPECT_EQ(by_col, 283100u);
}
