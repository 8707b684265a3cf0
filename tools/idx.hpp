// MNIST in the original IDX format, and the course's split.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nn/tensor.hpp"

namespace tools {

/// Reads an idx3-ubyte image file into (n, rows, cols, 1) floats scaled to
/// [0, 1]. Throws std::runtime_error naming the file and the reason (magic,
/// dimensions against the file size, truncation).
nn::Tensor read_idx_images(const std::string& path);

/// Reads an idx1-ubyte label file. Throws std::runtime_error like read_idx_images.
std::vector<std::uint8_t> read_idx_labels(const std::string& path);

/// One part of the data set: images and their labels.
struct Split {
    nn::Tensor x;                      ///< (n, 28, 28, 1) in [0, 1]
    std::vector<std::uint8_t> labels;  ///< n labels in 0..9
};

/// The course's split of MNIST.
struct Mnist {
    Split train;       ///< first 50,000 training images
    Split validation;  ///< last 10,000 training images
    Split test;        ///< the 10,000 t10k images
};

/// Loads the four IDX files from @p dir (train-images-idx3-ubyte,
/// train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte)
/// and splits them. Throws std::runtime_error if a file is missing or bad, or
/// image and label counts disagree.
Mnist load_mnist(const std::string& dir);

/// One-hot rows (n, num_classes) from labels; throws std::invalid_argument if
/// a label is out of range.
nn::Tensor one_hot(const std::vector<std::uint8_t>& labels, int num_classes = 10);

}  // namespace tools
