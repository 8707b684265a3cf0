// A minimal PNG writer, a structural PNG checker and a PNG decoder.
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
//
// The decoder reads what other encoders write: any deflate blocks
// (tools/io/inflate.hpp), the five row filters, every colour type and bit
// depth of the standard, palettes, and Adam7 interlacing.
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

/// The largest image decode_png accepts, in pixels (4096 x 4096): checked
/// against IHDR before anything is allocated.
constexpr long long kPngMaxPixels = 1LL << 24;

/// A decoded PNG: every sample at the file's precision, palette expanded.
struct PngPixels {
    int width = 0;                        ///< columns
    int height = 0;                       ///< rows
    int channels = 0;                     ///< 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA (palette: 3, or 4 with tRNS)
    int max_value = 0;                    ///< the white level: 2^bit_depth - 1 (255 for a palette)
    std::vector<std::uint16_t> samples;   ///< height * width * channels samples, rows top to bottom
};

/// Decodes a PNG file: the chunk structure is checked as check_png does,
/// then the IDAT data is inflated (checking its Adler-32), unfiltered (None,
/// Sub, Up, Average, Paeth) and, for Adam7 files, de-interlaced. Ancillary
/// chunks other than tRNS of a palette image are skipped.
/// @param bytes the file's contents
/// @param name  the file's name, for messages
/// @return the pixels
/// @throws std::runtime_error "<name>: byte <offset>: <reason>": a structural
///         problem, an image larger than kPngMaxPixels, a missing or bad
///         palette, corrupt compressed data (the offset is the file's byte in
///         the IDAT data), an unknown filter type, or too little or too much
///         image data for the size in IHDR.
PngPixels decode_png(const std::string& bytes, const std::string& name);

}  // namespace tools::io
