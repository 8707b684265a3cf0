// The weights file: plaincnn's own small format for a model's named tensors
// (keras::Sequential::save_weights / load_weights).
//
// The weights file (version 1), every number little-endian:
//   offset 0   8 bytes  magic "PCNNWTS\n"
//          8   u32      version, 1
//         12   u64      size of the whole file in bytes
//         20   u32      number of tensors N
//         24   N times: u32 name length L, L bytes of name (e.g. "conv2d/kernel"),
//                       u32 rank r, r x u32 extents, then the float32 values
//   last 4 bytes        u32 CRC-32 of every byte before it
// The size in the header tells truncation from corruption; the checksum
// (tools/io/crc32.hpp) catches any changed byte. The file is written with
// tools/io/atomic_file.hpp, so a reader never sees half of one.
#pragma once

#include <string>
#include <vector>

#include "nn/tensor.hpp"

namespace tools::io {

/// One tensor of a weights file and its name.
struct NamedTensor {
    std::string name;  ///< e.g. "dense_1/bias"
    nn::Tensor value;  ///< the values with their shape
};

/// The weights file holding @p tensors, as bytes (the format above).
/// @param tensors the named tensors, stored in this order
/// @return the whole file's bytes, header, entries and checksum
/// @throws std::invalid_argument when a name, rank or extent is too large for the format
std::string encode_weights(const std::vector<NamedTensor>& tensors);

/// The tensors of a weights file's bytes.
/// @param bytes  the whole file
/// @param source the file name, for messages
/// @return the named tensors in the order they were written
/// @throws std::runtime_error naming @p source, the byte offset and the
///         reason: too short, wrong magic, unknown version, truncated (the
///         header's size against the real one), checksum mismatch, or an
///         entry that runs past the end.
std::vector<NamedTensor> decode_weights(const std::string& bytes, const std::string& source);

/// Writes @p tensors to @p path as a weights file, atomically (write_file_atomic).
/// @param path    the file to write (replaced if it exists)
/// @param tensors the named tensors to store
/// @throws std::runtime_error naming the file when it cannot be written
void write_weights_file(const std::string& path, const std::vector<NamedTensor>& tensors);

/// Reads a weights file whole and decodes it.
/// @param path the file to read
/// @return the named tensors in the order they were written
/// @throws std::runtime_error naming the file when it cannot be read or decode_weights refuses it
std::vector<NamedTensor> read_weights_file(const std::string& path);

}  // namespace tools::io
