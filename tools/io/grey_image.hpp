// Grey images from files: binary PGM and PNG, for `plaincnn predict`.
//
//   PGM (netpbm, binary "P5"):  P5 <width> <height> <maxval> then one
//       whitespace byte, then height*width samples, 1 byte each when
//       maxval < 256, else 2 bytes big-endian; '#' starts a comment up to
//       the end of the line anywhere in the header.
//   PNG: any colour type, decoded by tools/io/png.hpp, then made grey:
//       level = 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601 luma, as most
//       image libraries convert to grey), and a transparent pixel shows the
//       white page behind it, level = alpha * level + (1 - alpha) * 1, so a
//       black stroke drawn on a transparent canvas reads as dark ink on white.
// Levels are scaled to [0, 1] by the file's white level (maxval, 2^depth - 1).
#pragma once

#include <cstddef>
#include <string>

#include "tools/io/digit.hpp"
#include "tools/io/png.hpp"

namespace tools::io {

/// The largest image file read_grey_image reads whole (64 MiB).
constexpr std::size_t kMaxImageFileBytes = std::size_t{64} << 20;

/// Decodes a binary PGM ("P5", 8 or 16 bits per sample).
/// @param bytes the file's contents
/// @param name  the file's name, for messages
/// @return the levels scaled to [0, 1] by maxval
/// @throws std::runtime_error "<name>: byte <offset>: <reason>" for another
///         netpbm kind (P1-P4, P6: says which), a malformed header, maxval
///         outside 1-65535, a sample above maxval, a size above
///         kPngMaxPixels, or too few or too many bytes of samples.
GreyImage decode_pgm(const std::string& bytes, const std::string& name);

/// Makes a decoded PNG grey: BT.601 luma of RGB, alpha composited over white.
/// @param pixels a decoded PNG (decode_png)
/// @return the levels in [0, 1]
GreyImage grey_from_png(const PngPixels& pixels);

/// Reads a PNG or binary PGM file, told apart by their first bytes (not by
/// the file's extension).
/// @param path the file
/// @return the grey levels in [0, 1]
/// @throws std::runtime_error naming @p path: it cannot be read, is larger
///         than kMaxImageFileBytes, is neither PNG nor PGM, or its decoder refuses it.
GreyImage read_grey_image(const std::string& path);

}  // namespace tools::io
