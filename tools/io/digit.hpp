// A digit of one's own, made to look like an MNIST digit.
//
// MNIST's digits were made from scanned NIST digits in two steps (LeCun et
// al., "The MNIST database"): each was scaled to fit a 20x20 box keeping its
// aspect ratio (the scaling's anti-aliasing gives the grey levels), then
// placed in a 28x28 field so that its centre of mass sits at the field's
// centre. A net trained on MNIST expects exactly that: light ink on a black
// background, a digit about 20 pixels tall, centred by mass and not by its box.
// reduce_like_mnist does the same to any grey image, a photo of paper or a
// drawing on a canvas, so that `plaincnn predict` and the lab see what the net
// was trained on.
#pragma once

#include <vector>

namespace tools::io {

/// A grey image: height x width levels in [0, 1], row-major.
struct GreyImage {
    int height = 0;          ///< rows
    int width = 0;           ///< columns
    std::vector<float> grey; ///< height * width levels, row by row; 0 black, 1 white
};

/// Whether the ink is darker than the paper: the border (outermost rows and
/// columns) is mostly light. Dark ink on white paper gives true; an MNIST
/// digit or a white stroke on a black canvas gives false.
/// @param image a grey image of at least one pixel
/// @return true when the median of the border's levels is above 0.5
/// @throws std::invalid_argument when the image is empty or grey has not height * width levels
bool ink_is_dark(const GreyImage& image);

/// MNIST's pre-processing of a digit: light ink on dark in 28 x 28.
///
/// 1. Ink polarity: dark ink on light paper is inverted (ink_is_dark).
/// 2. Background: the border's median level becomes 0 and the brightest ink
///    1, so grey paper or a dim photo still gives a black background.
/// 3. The ink's bounding box (levels above 0.1 after step 2) is scaled so its
///    longer side is 20 pixels, keeping the aspect ratio; each new pixel is
///    the average of the source area it covers (area averaging, which both
///    shrinks and enlarges).
/// 4. The scaled digit is shifted by whole pixels into a black 28 x 28 field
///    so that its centre of mass is as close as possible to the field's
///    centre (14, 14), measured from the top-left corner in pixel units.
///
/// An image without ink (every level equal) gives 784 zeros.
/// @param image the digit, any size from 1 x 1 up
/// @return 784 levels in [0, 1], row-major, light ink on black
/// @throws std::invalid_argument when the image is empty or grey has not height * width levels
std::vector<float> reduce_like_mnist(const GreyImage& image);

}  // namespace tools::io
