// MNIST in the original IDX format, and the course's split.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nn/tensor.hpp"

namespace tools::io {

/// Reads an idx3-ubyte image file into floats scaled to [0, 1] (byte / 255).
/// The header is checked against the file size before anything is allocated.
/// @param path the file
/// @return the images, (n, rows, cols, 1)
/// @throws std::runtime_error naming the file, the byte offset and the
///         reason (cannot open, truncated, magic, dimensions against the file size).
nn::Tensor read_idx_images(const std::string& path);

/// Reads an idx1-ubyte label file.
/// @param path the file
/// @return the n labels, one byte each
/// @throws std::runtime_error like read_idx_images.
std::vector<std::uint8_t> read_idx_labels(const std::string& path);

/// One part of the data set: images and their labels.
struct Split {
    nn::Tensor x;                      ///< (n, 28, 28, 1) in [0, 1]
    std::vector<std::uint8_t> labels;  ///< n labels in 0..9
};

/// The course's split of MNIST.
struct Mnist {
    Split train;       ///< the training images but the last 10,000: the first 50,000 of real MNIST
    Split validation;  ///< the last 10,000 training images
    Split test;        ///< the 10,000 t10k images
};

/// Loads the four IDX files from @p dir (train-images-idx3-ubyte,
/// train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte)
/// and splits them: the last 10,000 training images validate, the rest
/// train. Any training file with at least 10,001 images is accepted; real
/// MNIST's 60,000 give the course's 50,000 / 10,000.
/// @param dir the folder holding the four files
/// @return train, validation and test splits
/// @throws std::runtime_error naming the file if one is missing or bad,
///         images are not 28x28, a label is not 0..9, image and label counts
///         disagree, or there are 10,000 training images or fewer.
Mnist load_mnist(const std::string& dir);

/// One-hot rows from labels (nn::one_hot for bytes).
/// @param labels      n labels, each below num_classes
/// @param num_classes number of columns
/// @return Y, (n, num_classes)
/// @throws std::invalid_argument if a label is out of range.
nn::Tensor one_hot(const std::vector<std::uint8_t>& labels, int num_classes = 10);

}  // namespace tools::io
