// Geometry shared by convolution and pooling: padding, stride, window, and
// the output size they give.
//
//   explicit (ph, pw):  h = floor((h_prev + 2 ph - kh) / sh) + 1
//   "valid":            the same with ph = pw = 0
//   "same" (TensorFlow): h = ceil(h_prev / sh),
//                        total = max((h - 1) sh + kh - h_prev, 0),
//                        top = total / 2, bottom = total - top
// With stride 1 and an odd kernel "same" pads (kh - 1) / 2 on each side, the
// symmetric course formula; docs/notes/padding.md shows where they differ.
#pragma once

#include <string>

#include "nn/tensor.hpp"

namespace nn {

/// How a convolution pads its input: "valid", "same" or explicit (ph, pw).
struct Padding {
    /// The three kinds of padding.
    enum class Kind { valid, same, explicit_ };
    Kind kind = Kind::same;  ///< which kind
    int ph = 0;              ///< rows of zeros above and below (explicit only)
    int pw = 0;              ///< columns of zeros left and right (explicit only)

    /// No padding: the window stays inside the input.
    /// @return Padding of kind valid
    static Padding valid() { return {Kind::valid, 0, 0}; }
    /// TensorFlow's "same": output = ceil(input / stride).
    /// @return Padding of kind same
    static Padding same() { return {Kind::same, 0, 0}; }
    /// @p ph rows on top and bottom, @p pw columns on left and right.
    /// @param ph rows of zeros added above and below the input
    /// @param pw columns of zeros added left and right of the input
    /// @return Padding of kind explicit_
    static Padding explicit_(int ph, int pw) { return {Kind::explicit_, ph, pw}; }
    /// Parses "same", "valid" or "PH,PW"; throws std::invalid_argument naming
    /// @p fn and the text otherwise.
    /// @param text "same", "valid", or two non-negative integers "PH,PW"
    /// @param fn   name of the caller, used in the error message
    /// @return the parsed padding
    static Padding parse(const std::string& text, const char* fn = "Padding");
    /// @return "same", "valid" or "(ph,pw)", for messages
    std::string str() const;
};

/// Step between windows, rows then columns.
struct Stride {
    int sh = 1;  ///< rows
    int sw = 1;  ///< columns
};

/// A pooling window, rows then columns.
struct Window {
    int kh = 1;  ///< rows
    int kw = 1;  ///< columns
};

/// Everything a conv or pool loop nest needs to know about sizes.
struct Geometry {
    int m = 0;           ///< batch size
    int h_prev = 0;      ///< input height
    int w_prev = 0;      ///< input width
    int c_prev = 0;      ///< input channels
    int kh = 0;          ///< window (kernel) height
    int kw = 0;          ///< window (kernel) width
    int sh = 1;          ///< stride between rows of windows
    int sw = 1;          ///< stride between columns of windows
    int pad_top = 0;     ///< rows of zeros above the first row
    int pad_left = 0;    ///< columns of zeros before the first column
    int pad_bottom = 0;  ///< rows of zeros below the last row
    int pad_right = 0;   ///< columns of zeros after the last column
    int h = 0;           ///< output height
    int w = 0;           ///< output width
};

/// Validates A_prev's rank, the window, stride and padding for function
/// @p fn, and returns the output geometry. Throws std::invalid_argument when
/// A_prev is not rank 4, the window or stride is not positive, an explicit
/// padding is negative, an extent of A_prev is negative, the window is
/// larger than the padded input, or the padded input or the output has more
/// than INT_MAX rows or columns (sizes are worked out in 64 bits first, so a
/// stride or padding near INT_MAX cannot overflow).
/// @param fn      name of the calling pass, used in messages
/// @param A_prev  shape of the input, (m, h_prev, w_prev, c_prev)
/// @param kh      window height
/// @param kw      window width
/// @param pad     the padding (pooling passes Padding::valid())
/// @param stride  the stride
/// @return the sizes, the padding on each side, and the output size (h, w)
Geometry make_geometry(const char* fn, const Shape& A_prev, int kh, int kw, Padding pad, Stride stride);

/// The checks conv_forward and conv_backward share, then make_geometry with
/// W's kernel size. Throws std::invalid_argument, naming @p fn, the argument
/// and the shapes, when W or b is not rank 4, W's c_prev differs from
/// A_prev's channels, b is not (1, 1, 1, c_new), or make_geometry rejects
/// A_prev, the stride, the padding or the kernel size.
/// @param fn      name of the calling pass, used in messages
/// @param A_prev  (m, h_prev, w_prev, c_prev)
/// @param W       (kh, kw, c_prev, c_new)
/// @param b       (1, 1, 1, c_new)
/// @param pad     the padding
/// @param stride  the stride
/// @return the geometry of the convolution (c_new is W.dim(3))
Geometry make_conv_geometry(const char* fn, const Tensor& A_prev, const Tensor& W, const Tensor& b, Padding pad,
                            Stride stride);

}  // namespace nn
