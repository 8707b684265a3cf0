// The images `plaincnn predict` reads, made into what LeNet-5 was trained on:
// 28 x 28 levels in [0, 1], light ink on black, like MNIST.
//
//   .npy   (28, 28) or (28, 28, 1): one image; (n, 28, 28) or (n, 28, 28, 1):
//          n images; (h, w) of another size: one image, reduced as below.
//          Levels: if every value lies in [0, 1] they are taken as they are
//          (plaincnn's and Keras's scaled MNIST); if some value is above 1,
//          the array holds bytes 0-255 (MNIST's raw pixels) and every value
//          is divided by 255. Negative, non-finite or > 255 values are refused.
//   PNG, binary PGM  read by tools/io/grey_image.hpp.
// A 28 x 28 image is taken as it is, except that dark ink on light paper
// (tools::io::ink_is_dark) is inverted. Any other size goes through
// tools::io::reduce_like_mnist: MNIST's own 20 x 20 box, centred by mass.
#pragma once

#include <string>
#include <vector>

namespace tools {

/// The smallest side, in pixels, of an image predict reduces to 28 x 28:
/// fewer pixels cannot show the strokes of a digit.
constexpr int kMinDigitSide = 8;

/// One image ready for the net.
struct DigitInput {
    std::string label;          ///< the file, with "[i]" for the i-th image of an (n, 28, 28) array
    std::vector<float> pixels;  ///< 784 levels in [0, 1], row-major, light ink on black
};

/// Reads every image of one file (.npy by its magic bytes "\x93NUMPY",
/// otherwise PNG or PGM) and prepares it as described above.
/// @param path the file
/// @return one DigitInput per image, in the file's order
/// @throws std::runtime_error naming @p path and what is wrong (unreadable,
///         unknown format, bad shape or levels, smaller than kMinDigitSide, or
///         the reader's own reason with a byte offset).
std::vector<DigitInput> read_digit_inputs(const std::string& path);

}  // namespace tools
