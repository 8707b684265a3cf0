// A minimal PNG writer and a structural PNG checker.
//
// The writer stores pixels without compression: the zlib stream inside IDAT
// is a sequence of "stored" deflate blocks (up to 65,535 bytes each), so the
// only arithmetic is the two checksums, CRC-32 per chunk (crc32.hpp) and
// Adler-32 over the raw scanlines. Images are 8-bit grey or 8-bit RGB.
//
//   file  = signature (8 bytes) IHDR IDAT IEND
//   chunk = length (4, big-endian) type (4) data (length) CRC-32 of type+data (4)
//   IDAT  = 78 01, blocks [final?] len ~len bytes, Adler-32 (big-endian)
//   raw   = per row: filter byte 0, then width * channels samples
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tools::io {

/// An 8-bit image, rows top to bottom, channels interleaved.
struct Image {
    int width = 0;                      ///< columns
    int height = 0;                     ///< rows
    int channels = 1;                   ///< 1 (grey) or 3 (RGB)
    std::vector<std::uint8_t> pixels;   ///< height * width * channels samples
};

/// Adler-32 (RFC 1950) of @p size bytes at @p data.
/// @param data  the bytes
/// @param size  how many
/// @return the checksum (1 for no bytes)
std::uint32_t adler32(const std::uint8_t* data, std::size_t size);

/// Encodes @p image as a PNG file (8-bit grey or RGB, stored deflate blocks).
/// @param image  the pixels
/// @return the complete file
/// @throws std::invalid_argument if the size is not positive, channels is
///         not 1 or 3, or pixels does not hold height * width * channels samples.
std::string encode_png(const Image& image);

/// What check_png found in a valid file.
struct PngInfo {
    int width = 0;       ///< from IHDR
    int height = 0;      ///< from IHDR
    int bit_depth = 0;   ///< from IHDR
    int color_type = 0;  ///< from IHDR: 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA
    int chunks = 0;      ///< number of chunks, IHDR and IEND included
};

/// Checks a PNG file's structure: the signature, IHDR first with valid
/// fields, the CRC of every chunk, at least one IDAT, and IEND last with
/// nothing after it. It does not inflate the image data.
/// @param bytes  the file's contents
/// @param name   the file's name, for messages
/// @return the header fields and the chunk count
/// @throws std::runtime_error "<name>: byte <offset>: <reason>" on the first problem.
PngInfo check_png(const std::string& bytes, const std::string& name);

}  // namespace tools::io
