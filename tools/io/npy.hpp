// NumPy .npy files: read float32/float64 little-endian C-order arrays,
// write float32. Archives of them (.npz) are tools/io/npz.hpp's.
#pragma once

#include <string>
#include <vector>

#include "nn/tensor.hpp"

namespace tools::io {

/// Reads a .npy file (format 1.0, 2.0 or 3.0, dtype '<f4' or '<f8', C order)
/// into a float32 Tensor; '<f8' values are rounded to float. Throws
/// std::runtime_error whose message names the file, the byte offset and what
/// is wrong. Reads only what the header announces: the header (at most
/// 1 MiB), then exactly the data its shape needs, so a stream (a pipe,
/// /dev/zero) is read no further than that; a folder is refused by name.
/// @param path the .npy file to read
/// @return the array, with the file's shape
nn::Tensor read_npy(const std::string& path);

/// Writes @p t as a '<f4' C-order .npy (format 1.0) atomically: a temporary
/// file in the same folder, then a rename. Throws std::runtime_error on failure.
/// @param path the file to create or replace
/// @param t    the tensor to store
void write_npy(const std::string& path, const nn::Tensor& t);

/// The bytes write_npy writes for @p t: the format 1.0 header, padded with
/// spaces and ending in '\n' so the data starts at a multiple of 64 bytes,
/// then the values as little-endian float32. For callers that write several
/// files together (tools::io::write_files_atomic).
/// @param t the tensor to encode
/// @return the complete .npy file contents
/// @throws std::invalid_argument if t.data does not match t.shape.
std::string encode_npy(const nn::Tensor& t);

}  // namespace tools::io
