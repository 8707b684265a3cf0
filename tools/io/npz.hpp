// NumPy .npz archives: a zip file of .npy files, one per named array, as
// numpy.savez(path, **{"conv2d/kernel": W, ...}) writes it. plaincnn keeps a
// model's weights in one (tools/io/weights.hpp), so that
// numpy.load(path)["conv2d/kernel"] gives the array back in Python.
//
// Only what numpy.savez writes is read: stored (uncompressed) entries named
// "<name>.npy", each a '<f4' or '<f8' C-order .npy. Compressed entries
// (numpy.savez_compressed), encrypted entries, zip64 archives (over 4 GiB or
// 65,535 entries), data before the first entry, and entries that overlap or
// run out of the file are refused with the file, the byte offset and the
// reason. numpy marks every local header as zip64 (force_zip64) even for
// small arrays; that extra field is read, the central directory's sizes rule.
#pragma once

#include <string>
#include <vector>

#include "nn/tensor.hpp"

namespace tools::io {

/// One array of an .npz archive and its name.
struct NamedTensor {
    std::string name;  ///< e.g. "dense_1/bias" (stored as "dense_1/bias.npy")
    nn::Tensor value;  ///< the values with their shape
};

/// An uncompressed zip archive holding each of @p arrays as "<name>.npy"
/// (encode_npy's bytes, '<f4'), in order: what numpy.savez writes.
/// @param arrays the named tensors; names non-empty, unique, at most 65,531 bytes (with ".npy", zip's limit)
/// @return the whole archive's bytes
/// @throws std::invalid_argument for an empty or repeated name, or when the
///         archive would exceed the plain zip limits (4 GiB, 65,534 entries)
std::string encode_npz(const std::vector<NamedTensor>& arrays);

/// Writes encode_npz(@p arrays) to @p path atomically (write_file_atomic):
/// a reader sees the old file or the new one, never half of one.
/// @param path   the file to write, usually ending in .npz
/// @param arrays the named tensors
/// @throws std::invalid_argument as encode_npz
/// @throws std::runtime_error naming the file when it cannot be written
void write_npz(const std::string& path, const std::vector<NamedTensor>& arrays);

/// The arrays of an .npz archive's bytes, in the order of its central directory.
/// @param bytes  the whole file
/// @param source the file's name, for messages
/// @return each entry's name (without ".npy") and its values as float32
/// @throws std::runtime_error "<source>: byte <offset>: <reason>" for anything
///         that is not a well-formed archive of '<f4'/'<f8' C-order .npy
///         entries as numpy.savez writes them (see the top of this file), a
///         CRC-32 mismatch, or two entries with the same name.
std::vector<NamedTensor> decode_npz(const std::string& bytes, const std::string& source);

/// Reads an .npz file whole and decodes it.
/// @param path the file to read
/// @return as decode_npz
/// @throws std::runtime_error naming the file when it cannot be read (missing,
///         a folder, larger than 1 GiB) or decode_npz refuses it
std::vector<NamedTensor> read_npz(const std::string& path);

}  // namespace tools::io
