// Inflate: the decompressor of the zlib streams inside PNG files.
//
// A zlib stream (RFC 1950) is a 2-byte header, deflate data (RFC 1951) and
// the Adler-32 of the decompressed bytes. Deflate data is a sequence of
// blocks, each of one of three kinds:
//   stored   the bytes as they are (LEN, then NLEN = ~LEN as a check)
//   fixed    literals, lengths and distances in the Huffman codes of the RFC
//   dynamic  the block first sends its own two Huffman codes, themselves
//            compressed with a third code
// A literal is copied to the output; a (length, distance) pair copies length
// bytes from distance bytes back in the output already written (LZ77).
//
// Every read is bounded: a stream that ends early, a code that is not in the
// table, a distance before the start, or output beyond the caller's limit is
// refused with InflateError, which carries the byte offset in the stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace tools::io {

/// A refused zlib or deflate stream: the reason and where it was found.
struct InflateError : std::runtime_error {
    /// @param offset byte offset in the zlib stream where the problem was found
    /// @param reason what is wrong, e.g. "stored block LEN does not match NLEN"
    InflateError(std::size_t offset, const std::string& reason)
        : std::runtime_error("byte " + std::to_string(offset) + " of the zlib stream: " + reason),
          offset(offset), reason(reason) {}
    std::size_t offset;  ///< byte offset in the zlib stream
    std::string reason;  ///< the reason without the offset
};

/// Decompresses a whole zlib stream (header, deflate blocks, Adler-32).
/// Bytes after the Adler-32 are ignored.
/// @param data       the stream
/// @param size       its length in bytes
/// @param max_output the most bytes the caller accepts; the output never grows beyond it
/// @return the decompressed bytes
/// @throws InflateError for a bad header, a preset dictionary, a malformed
///         block or Huffman code, a stream that ends early, a distance
///         reaching before the output's start, more than @p max_output
///         bytes, or an Adler-32 mismatch.
std::vector<std::uint8_t> zlib_decompress(const std::uint8_t* data, std::size_t size, std::size_t max_output);

}  // namespace tools::io
