// MNIST's IDX files and the course's split. The layout, byte by byte, all
// integers big-endian (most significant byte first):
//
//   images (idx3-ubyte)                     labels (idx1-ubyte)
//    0  magic 0x00000803                     0  magic 0x00000801
//    4  n, the number of images              4  n, the number of labels
//    8  rows                                 8  n labels, one byte each
//   12  cols
//   16  n * rows * cols pixels, one byte each, row-major, 0 (white) .. 255 (black)
//
// Every number in a header is checked against the real file size before
// anything is allocated from it, so a damaged header cannot ask for gigabytes.
// Pixels become floats x = byte / 255 in [0, 1]; images are (n, rows, cols, 1).
#include "tools/io/idx.hpp"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "nn/batch.hpp"

#include <sys/stat.h>

namespace tools::io {

namespace {

const std::uint32_t kImageMagic = 0x00000803;  // unsigned bytes, 3 dimensions
const std::uint32_t kLabelMagic = 0x00000801;  // unsigned bytes, 1 dimension
const int kValidation = 10000;                 // the last 10,000 training images validate

[[noreturn]] void fail(const char* fn, const std::string& path, const std::string& what) {
    throw std::runtime_error(std::string(fn) + ": '" + path + "': " + what);
}

[[noreturn]] void fail_at(const char* fn, const std::string& path, std::uint64_t at, const std::string& what) {
    throw std::runtime_error(std::string(fn) + ": '" + path + "', byte " + std::to_string(at) + ": " + what);
}

std::string hex32(std::uint32_t x) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08X", static_cast<unsigned>(x));
    return buf;
}

// An open file that closes itself.
struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// The parsed and checked header of one IDX file, with the file still open at
// the first data byte.
struct Header {
    File file;
    std::uint64_t size = 0;   // bytes in the file
    std::uint32_t n = 0;      // images or labels
    std::uint32_t rows = 1;   // 1 for labels
    std::uint32_t cols = 1;   // 1 for labels
    std::uint64_t start = 0;  // offset of the first data byte
};

// Opens @p path and reads and checks the header of an IDX file with
// @p dims dimensions (3 for images, 1 for labels).
Header read_header(const char* fn, const std::string& path, int dims) {
    const std::uint32_t magic = dims == 3 ? kImageMagic : kLabelMagic;
    const char* kind = dims == 3 ? "an idx3-ubyte image file" : "an idx1-ubyte label file";
    Header h;
    errno = 0;
    h.file.reset(std::fopen(path.c_str(), "rb"));
    if (!h.file) fail(fn, path, std::string("cannot open (") + std::strerror(errno) + ")");
    // Linux opens a folder and fails only at the first read, and a device or
    // pipe has no size to check the header against: refuse both by name.
    struct stat st;
    if (fstat(fileno(h.file.get()), &st) != 0) fail(fn, path, std::string("cannot stat (") + std::strerror(errno) + ")");
    if (S_ISDIR(st.st_mode)) fail(fn, path, std::string("is a directory, not ") + kind);
    if (!S_ISREG(st.st_mode)) fail(fn, path, std::string("is not a regular file (a device or pipe), not ") + kind);
    if (std::fseek(h.file.get(), 0, SEEK_END) != 0) fail(fn, path, "cannot seek to the end to learn its size");
    const long end = std::ftell(h.file.get());
    if (end < 0) fail(fn, path, "cannot learn its size");
    h.size = static_cast<std::uint64_t>(end);
    std::rewind(h.file.get());

    h.start = 4 + 4 * static_cast<std::uint64_t>(dims);
    if (h.size < h.start)
        fail_at(fn, path, h.size,
                "truncated: the file has " + std::to_string(h.size) + " bytes but " + kind + " needs a " +
                    std::to_string(h.start) + "-byte header");
    unsigned char raw[16];
    if (std::fread(raw, 1, h.start, h.file.get()) != h.start) fail(fn, path, "read error in the header");
    auto be32 = [&raw](int at) {
        return static_cast<std::uint32_t>(raw[at]) << 24 | static_cast<std::uint32_t>(raw[at + 1]) << 16 |
               static_cast<std::uint32_t>(raw[at + 2]) << 8 | static_cast<std::uint32_t>(raw[at + 3]);
    };
    const std::uint32_t found = be32(0);
    if (found != magic)
        fail_at(fn, path, 0, "bad magic number " + hex32(found) + ", expected " + hex32(magic) + " for " + kind);
    h.n = be32(4);
    if (dims == 3) {
        h.rows = be32(8);
        h.cols = be32(12);
        if (h.rows == 0 || h.cols == 0)
            fail_at(fn, path, 8,
                    "empty images: " + std::to_string(h.rows) + "x" + std::to_string(h.cols) + " pixels");
    }

    // rows * cols < 2^64 (both < 2^32); divide rather than multiply by n so
    // nothing can overflow, whatever the header says.
    const std::uint64_t item = static_cast<std::uint64_t>(h.rows) * h.cols;
    const std::uint64_t payload = h.size - h.start;
    const std::string what = dims == 3 ? std::to_string(h.n) + " images of " + std::to_string(h.rows) + "x" +
                                             std::to_string(h.cols) + " pixels"
                                       : std::to_string(h.n) + " labels";
    if (payload / item < h.n)
        fail_at(fn, path, h.size,
                "truncated: the header announces " + what + " (" + std::to_string(h.start) + " + " +
                    std::to_string(h.n) + " * " + std::to_string(item) + " bytes) but the file ends after " +
                    std::to_string(h.size) + " bytes");
    if (payload != h.n * item)
        fail_at(fn, path, h.start + h.n * item,
                "the header announces " + what + " but " + std::to_string(payload - h.n * item) +
                    " more bytes follow them (file size " + std::to_string(h.size) + ")");
    if (h.n > static_cast<std::uint32_t>(INT_MAX) || h.rows > static_cast<std::uint32_t>(INT_MAX) ||
        h.cols > static_cast<std::uint32_t>(INT_MAX))
        fail_at(fn, path, 4, "too large: " + what);
    return h;
}

// The data bytes after a checked header (their count is checked against the file size).
std::vector<unsigned char> read_payload(const char* fn, const std::string& path, Header& h) {
    std::vector<unsigned char> bytes(static_cast<std::size_t>(h.size - h.start));
    if (std::fread(bytes.data(), 1, bytes.size(), h.file.get()) != bytes.size())
        fail(fn, path, "read error after byte " + std::to_string(h.start));
    return bytes;
}

// Images [first, first + count) of @p pixels as (count, rows, cols, 1) floats in [0, 1].
nn::Tensor to_images(const std::vector<unsigned char>& pixels, const Header& h, int first, int count) {
    const std::size_t item = static_cast<std::size_t>(h.rows) * h.cols;
    nn::Tensor x({count, static_cast<int>(h.rows), static_cast<int>(h.cols), 1});
    const unsigned char* p = pixels.data() + static_cast<std::size_t>(first) * item;
    for (std::size_t j = 0; j < x.size(); ++j) x.data[j] = static_cast<float>(p[j]) / 255.0f;
    return x;
}

}  // namespace

nn::Tensor read_idx_images(const std::string& path) {
    Header h = read_header("read_idx_images", path, 3);
    const std::vector<unsigned char> pixels = read_payload("read_idx_images", path, h);
    return to_images(pixels, h, 0, static_cast<int>(h.n));
}

std::vector<std::uint8_t> read_idx_labels(const std::string& path) {
    Header h = read_header("read_idx_labels", path, 1);
    const std::vector<unsigned char> bytes = read_payload("read_idx_labels", path, h);
    return std::vector<std::uint8_t>(bytes.begin(), bytes.end());
}

// The training file splits into train = all but the last 10,000 images and
// validation = the last 10,000; real MNIST (60,000) gives the course's
// 50,000 / 10,000. Any training file with at least 10,001 images is
// accepted, so a smaller IDX set in the same format also works.
Mnist load_mnist(const std::string& dir) {
    const char* fn = "load_mnist";
    const std::string base = dir.empty() || dir.back() == '/' ? dir : dir + "/";
    const std::string train_images = base + "train-images-idx3-ubyte";
    const std::string train_labels = base + "train-labels-idx1-ubyte";
    const std::string test_images = base + "t10k-images-idx3-ubyte";
    const std::string test_labels = base + "t10k-labels-idx1-ubyte";

    // Labels first: they are small, and a bad one stops us before 47 MB of pixels.
    const std::vector<std::uint8_t> y_train = read_idx_labels(train_labels);
    const std::vector<std::uint8_t> y_test = read_idx_labels(test_labels);
    for (const auto* labels : {&y_train, &y_test}) {
        const std::string& path = labels == &y_train ? train_labels : test_labels;
        for (std::size_t i = 0; i < labels->size(); ++i)
            if ((*labels)[i] > 9)
                fail_at(fn, path, 8 + i,
                        "label " + std::to_string((*labels)[i]) + " of item " + std::to_string(i) +
                            " is not a digit class 0..9");
    }

    Header h_train = read_header(fn, train_images, 3);
    Header h_test = read_header(fn, test_images, 3);
    for (const Header* h : {&h_train, &h_test}) {
        const std::string& path = h == &h_train ? train_images : test_images;
        if (h->rows != 28 || h->cols != 28)
            fail_at(fn, path, 8,
                    "images are " + std::to_string(h->rows) + "x" + std::to_string(h->cols) +
                        " pixels; MNIST's (and LeNet-5's) are 28x28");
    }
    if (h_train.n != y_train.size())
        fail(fn, train_images,
             "has " + std::to_string(h_train.n) + " images but '" + train_labels + "' has " +
                 std::to_string(y_train.size()) + " labels");
    if (h_test.n != y_test.size())
        fail(fn, test_images,
             "has " + std::to_string(h_test.n) + " images but '" + test_labels + "' has " +
                 std::to_string(y_test.size()) + " labels");
    if (h_train.n <= static_cast<std::uint32_t>(kValidation))
        fail(fn, train_images,
             "has " + std::to_string(h_train.n) + " images; the split needs at least " +
                 std::to_string(kValidation + 1) + " (the last " + std::to_string(kValidation) +
                 " validate, the rest train)");

    Mnist mnist;
    const int n_train = static_cast<int>(h_train.n) - kValidation;
    {
        const std::vector<unsigned char> pixels = read_payload(fn, train_images, h_train);
        mnist.train.x = to_images(pixels, h_train, 0, n_train);
        mnist.validation.x = to_images(pixels, h_train, n_train, kValidation);
    }
    mnist.train.labels.assign(y_train.begin(), y_train.begin() + n_train);
    mnist.validation.labels.assign(y_train.begin() + n_train, y_train.end());
    const std::vector<unsigned char> pixels = read_payload(fn, test_images, h_test);
    mnist.test.x = to_images(pixels, h_test, 0, static_cast<int>(h_test.n));
    mnist.test.labels = y_test;
    return mnist;
}

nn::Tensor one_hot(const std::vector<std::uint8_t>& labels, int num_classes) {
    return nn::one_hot(std::vector<int>(labels.begin(), labels.end()), num_classes);
}

}  // namespace tools::io
