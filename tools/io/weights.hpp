// The weights file: a model's trained tensors, one named entry each, in one
// NumPy .npz archive (tools/io/npz.hpp). Both front-ends write and read it
// (keras::Sequential::save_weights / load_weights, tf1::Saver), with the
// entry names Keras and tf.layers give the variables:
//
//   conv2d/kernel (5, 5, 1, 6)   conv2d/bias (6,)       C1
//   conv2d_1/kernel ...          conv2d_1/bias          C3
//   dense/kernel (400, 120)      dense/bias (120,)      F5
//   dense_1/...                  dense_2/...            F6, F7
//
// so numpy.load("lenet5.npz")["conv2d/kernel"] gives the kernel in Python,
// and a file saved by one front-end loads into the other. Biases are stored
// 1-D, as Keras and TensorFlow keep them (nn/ keeps (1, 1, 1, c) and (1, n)).
// The file is written atomically, so a crash leaves the old file or the new.
//
// plaincnn had its own binary weights format before (magic, version, CRC-32
// per file); the .npz replaces it: a zip already carries a CRC-32 per entry,
// and every tool of the field reads it.
#pragma once

#include <string>
#include <vector>

#include "nn/tensor.hpp"
#include "tools/io/npz.hpp"

namespace tools::io {

/// The shape a weight is stored with: a name ending in "/bias" is kept 1-D,
/// as in Keras and TensorFlow; any other weight keeps its shape.
/// @param name  e.g. "conv2d/bias"
/// @param shape the shape in nn/, e.g. (1, 1, 1, 6)
/// @return e.g. (6) for a bias, @p shape otherwise
nn::Shape stored_shape(const std::string& name, const nn::Shape& shape);

/// Writes @p tensors to @p path as an .npz, atomically (write_npz).
/// @param path    the file to write (replaced if it exists)
/// @param tensors the named tensors, in their stored shapes
/// @throws std::invalid_argument for an empty or repeated name
/// @throws std::runtime_error naming the file when it cannot be written
void write_weights_file(const std::string& path, const std::vector<NamedTensor>& tensors);

/// Reads a weights file and matches its entries to a model's weights, by
/// name: every weight of @p expected must be there with its shape, and the
/// file may hold nothing else. Entry order does not matter.
/// @param path     the .npz to read
/// @param expected the model's weights (names and stored shapes; the values are not read)
/// @return the file's values in the order of @p expected, with its shapes
/// @throws std::runtime_error naming the file and, for a mismatch, the entry,
///         its shape and the expected one ("another architecture"), or the
///         missing or surplus entry; or read_npz's message for a file that
///         cannot be read or is not a valid .npz.
std::vector<nn::Tensor> read_weights_file(const std::string& path, const std::vector<NamedTensor>& expected);

}  // namespace tools::io
