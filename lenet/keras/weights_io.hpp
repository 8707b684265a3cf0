// Weight files: plaincnn's own small format, and NumPy's .npz for export.
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
// catches any changed byte.
//
// The .npz is what numpy.savez writes: a zip archive whose entries
// arr_0.npy, arr_1.npy, ... are stored uncompressed, each a .npy (format 1.0,
// '<f4', C order). Both writers go through a temporary file and a rename.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "nn/tensor.hpp"

namespace keras {

/// One tensor of a weights file and its name.
struct NamedTensor {
    std::string name;  ///< e.g. "dense_1/bias"
    nn::Tensor value;  ///< the values with their shape
};

/// CRC-32 as zip, gzip and PNG use it (reflected polynomial 0xEDB88320,
/// initial and final XOR 0xFFFFFFFF); crc32("123456789") = 0xCBF43926.
/// @param data  the bytes
/// @param n     how many
/// @param crc   the CRC of the bytes before these, to continue a running CRC (0 to start)
/// @return the CRC of everything so far
std::uint32_t crc32(const void* data, std::size_t n, std::uint32_t crc = 0);

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

/// Writes @p tensors to @p path as a weights file, atomically.
/// @param path    the file to write (replaced if it exists)
/// @param tensors the named tensors to store
/// @throws std::runtime_error naming the file when it cannot be written
void write_weights_file(const std::string& path, const std::vector<NamedTensor>& tensors);

/// Reads a weights file whole and decodes it.
/// @param path the file to read
/// @return the named tensors in the order they were written
/// @throws std::runtime_error naming the file when it cannot be read or decode_weights refuses it
std::vector<NamedTensor> read_weights_file(const std::string& path);

/// A .npy (format 1.0, '<f4', C order) holding @p t, as bytes.
/// @param t the tensor; its shape becomes the .npy shape
/// @return the header (padded to a multiple of 64 bytes) followed by the values
std::string encode_npy_f32(const nn::Tensor& t);

/// An uncompressed zip archive of @p arrays as arr_0.npy, arr_1.npy, ...
/// (what numpy.savez(path, *arrays) writes), as bytes.
/// @param arrays the tensors, each stored as a float32 .npy
/// @return the whole archive's bytes
/// @throws std::invalid_argument when the archive would exceed the plain zip limits (4 GiB, 65535 entries)
std::string encode_npz(const std::vector<nn::Tensor>& arrays);

/// Writes encode_npz(@p arrays) to @p path, atomically.
/// @param path   the file to write, usually ending in .npz
/// @param arrays the tensors, read back by numpy.load(path)["arr_0"], ...
/// @throws std::runtime_error naming the file when it cannot be written
void write_npz(const std::string& path, const std::vector<nn::Tensor>& arrays);

}  // namespace keras
