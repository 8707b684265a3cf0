// An independent convolution and pooling for the tests, computed another way
// than nn/: pad an explicit copy of the input, unroll every window into a row
// of a matrix (im2col), then multiply or reduce that matrix, all in double.
//
//   conv:  Z(rows = output cells, c_new) = cols(rows, kh*kw*c_prev) · W(kh*kw*c_prev, c_new) + b
//   pool:  Z[cell, c] = max or mean of cols[cell, (p,q), c]
//
// It works out the padding on its own (it does not call nn::make_geometry), so
// a slip in nn/geometry.cpp shows up as a mismatch rather than being shared.
// The backward references run the same matrices the other way (cols^T · dZ,
// dZ · W^T, then col2im and a crop). Everything is inline: any test may include it.
#pragma once

#include <cstddef>
#include <vector>

#include "nn/geometry.hpp"
#include "nn/tensor.hpp"

namespace ref {

/// Sizes of one conv/pool as the reference sees them.
struct Plan {
    int m, h_prev, w_prev, c;   ///< input (c = c_prev)
    int kh, kw, sh, sw;         ///< window and stride
    int top, bottom, left, right;  ///< zeros around the input
    int h, w;                   ///< output size
};

/// Padding before and after one axis of length @p in.
inline void pad_axis(const nn::Padding& pad, int in, int k, int s, int explicit_p, int& before, int& after) {
    if (pad.kind == nn::Padding::Kind::valid) {
        before = after = 0;
    } else if (pad.kind == nn::Padding::Kind::explicit_) {
        before = after = explicit_p;
    } else {
        // TensorFlow "same": enough zeros that ceil(in / s) windows fit; the
        // odd one goes after.
        int out = in / s + (in % s != 0 ? 1 : 0);
        int needed = (out - 1) * s + k;
        int total = needed > in ? needed - in : 0;
        before = total / 2;
        after = total - before;
    }
}

/// The plan for input shape @p shape (m, h, w, c).
inline Plan make_plan(const nn::Shape& shape, int kh, int kw, nn::Padding pad, nn::Stride stride) {
    Plan P{shape[0], shape[1], shape[2], shape[3], kh, kw, stride.sh, stride.sw, 0, 0, 0, 0, 0, 0};
    pad_axis(pad, P.h_prev, kh, P.sh, pad.ph, P.top, P.bottom);
    pad_axis(pad, P.w_prev, kw, P.sw, pad.pw, P.left, P.right);
    P.h = (P.h_prev + P.top + P.bottom - kh) / P.sh + 1;
    P.w = (P.w_prev + P.left + P.right - kw) / P.sw + 1;
    return P;
}

/// A zero-padded copy of @p A in double, shape (m, top+h+bottom, left+w+right, c).
inline std::vector<double> padded_copy(const nn::Tensor& A, const Plan& P) {
    const int H = P.top + P.h_prev + P.bottom, Wd = P.left + P.w_prev + P.right;
    std::vector<double> out(static_cast<std::size_t>(P.m) * H * Wd * P.c, 0.0);
    for (int i = 0; i < P.m; ++i)
        for (int y = 0; y < P.h_prev; ++y)
            for (int x = 0; x < P.w_prev; ++x)
                for (int k = 0; k < P.c; ++k)
                    out[((static_cast<std::size_t>(i) * H + y + P.top) * Wd + x + P.left) * P.c + k] =
                        A.at(i, y, x, k);
    return out;
}

/// im2col of one sample of a padded copy: row (h*w_out + w), column
/// ((p*kw + q)*c + k) holds padded[i, h*sh + p, w*sw + q, k].
inline std::vector<double> im2col(const std::vector<double>& padded, const Plan& P, int i) {
    const int H = P.top + P.h_prev + P.bottom, Wd = P.left + P.w_prev + P.right;
    const int cols = P.kh * P.kw * P.c;
    std::vector<double> M(static_cast<std::size_t>(P.h) * P.w * cols);
    for (int y = 0; y < P.h; ++y)
        for (int x = 0; x < P.w; ++x)
            for (int p = 0; p < P.kh; ++p)
                for (int q = 0; q < P.kw; ++q)
                    for (int k = 0; k < P.c; ++k)
                        M[(static_cast<std::size_t>(y) * P.w + x) * cols + (p * P.kw + q) * P.c + k] =
                            padded[((static_cast<std::size_t>(i) * H + y * P.sh + p) * Wd + x * P.sw + q) * P.c + k];
    return M;
}

/// Pre-activation convolution Z = A_prev ∗ W + b, (m, h, w, c_new).
inline nn::Tensor conv(const nn::Tensor& A_prev, const nn::Tensor& W, const nn::Tensor& b, nn::Padding pad,
                       nn::Stride stride) {
    const Plan P = make_plan(A_prev.shape, W.dim(0), W.dim(1), pad, stride);
    const int c_new = W.dim(3), cols = P.kh * P.kw * P.c;
    const std::vector<double> padded = padded_copy(A_prev, P);
    nn::Tensor Z({P.m, P.h, P.w, c_new});
    for (int i = 0; i < P.m; ++i) {
        const std::vector<double> M = im2col(padded, P, i);
        for (int row = 0; row < P.h * P.w; ++row)
            for (int c = 0; c < c_new; ++c) {
                double z = b.data[static_cast<std::size_t>(c)];
                for (int j = 0; j < cols; ++j)  // W viewed as a (kh*kw*c_prev, c_new) matrix
                    z += M[static_cast<std::size_t>(row) * cols + j] * W.data[static_cast<std::size_t>(j) * c_new + c];
                Z.data[(static_cast<std::size_t>(i) * P.h * P.w + row) * c_new + c] = static_cast<float>(z);
            }
    }
    return Z;
}

/// Gradients of conv() from dZ: dW = cols^T · dZ, db = column sums of dZ,
/// dcols = dZ · W^T scattered back (col2im) onto a padded buffer, then cropped.
struct ConvGrads {
    nn::Tensor dA_prev;  ///< like A_prev
    nn::Tensor dW;       ///< like W
    nn::Tensor db;       ///< like b
};

/// See ConvGrads.
inline ConvGrads conv_backward(const nn::Tensor& dZ, const nn::Tensor& A_prev, const nn::Tensor& W, nn::Padding pad,
                               nn::Stride stride) {
    const Plan P = make_plan(A_prev.shape, W.dim(0), W.dim(1), pad, stride);
    const int c_new = W.dim(3), cols = P.kh * P.kw * P.c, rows = P.h * P.w;
    const int H = P.top + P.h_prev + P.bottom, Wd = P.left + P.w_prev + P.right;
    const std::vector<double> padded = padded_copy(A_prev, P);
    std::vector<double> dpadded(padded.size(), 0.0), dW(W.size(), 0.0), db(static_cast<std::size_t>(c_new), 0.0);
    for (int i = 0; i < P.m; ++i) {
        const std::vector<double> M = im2col(padded, P, i);
        const float* dz = dZ.data.data() + static_cast<std::size_t>(i) * rows * c_new;
        for (int row = 0; row < rows; ++row) {
            const int y = row / P.w, x = row % P.w;
            for (int c = 0; c < c_new; ++c) db[static_cast<std::size_t>(c)] += dz[row * c_new + c];
            for (int j = 0; j < cols; ++j) {
                double dcol = 0.0;
                for (int c = 0; c < c_new; ++c) {
                    dW[static_cast<std::size_t>(j) * c_new + c] += M[static_cast<std::size_t>(row) * cols + j] * dz[row * c_new + c];
                    dcol += dz[row * c_new + c] * W.data[static_cast<std::size_t>(j) * c_new + c];
                }
                const int p = j / (P.kw * P.c), q = (j / P.c) % P.kw, k = j % P.c;
                dpadded[((static_cast<std::size_t>(i) * H + y * P.sh + p) * Wd + x * P.sw + q) * P.c + k] += dcol;
            }
        }
    }
    ConvGrads g{nn::Tensor(A_prev.shape), nn::Tensor(W.shape), nn::Tensor({1, 1, 1, c_new})};
    for (std::size_t j = 0; j < dW.size(); ++j) g.dW.data[j] = static_cast<float>(dW[j]);
    for (std::size_t c = 0; c < db.size(); ++c) g.db.data[c] = static_cast<float>(db[c]);
    for (int i = 0; i < P.m; ++i)
        for (int y = 0; y < P.h_prev; ++y)
            for (int x = 0; x < P.w_prev; ++x)
                for (int k = 0; k < P.c; ++k)
                    g.dA_prev.at(i, y, x, k) = static_cast<float>(
                        dpadded[((static_cast<std::size_t>(i) * H + y + P.top) * Wd + x + P.left) * P.c + k]);
    return g;
}

/// Pooling the reference way: im2col with one channel at a time, then the
/// first maximum of each row (scanning columns in order) or its mean.
/// @p max selects max pooling, otherwise average.
inline nn::Tensor pool(const nn::Tensor& A_prev, nn::Window k, nn::Stride stride, bool max) {
    const Plan P = make_plan(A_prev.shape, k.kh, k.kw, nn::Padding::valid(), stride);
    const int area = P.kh * P.kw;
    const std::vector<double> padded = padded_copy(A_prev, P);
    nn::Tensor Z({P.m, P.h, P.w, P.c});
    for (int i = 0; i < P.m; ++i) {
        const std::vector<double> M = im2col(padded, P, i);
        for (int row = 0; row < P.h * P.w; ++row)
            for (int c = 0; c < P.c; ++c) {
                double best = M[static_cast<std::size_t>(row) * area * P.c + c], sum = 0.0;
                for (int j = 0; j < area; ++j) {
                    const double v = M[(static_cast<std::size_t>(row) * area + j) * P.c + c];
                    if (v > best) best = v;
                    sum += v;
                }
                Z.data[(static_cast<std::size_t>(i) * P.h * P.w + row) * P.c + c] =
                    static_cast<float>(max ? best : sum / area);
            }
    }
    return Z;
}

/// dA_prev of pool(): each output cell's dA goes to the column of its first
/// maximum (max) or is split evenly over its columns (avg), scattered back
/// with col2im so that overlapping windows add up.
inline nn::Tensor pool_backward(const nn::Tensor& dA, const nn::Tensor& A_prev, nn::Window k, nn::Stride stride,
                                bool max) {
    const Plan P = make_plan(A_prev.shape, k.kh, k.kw, nn::Padding::valid(), stride);
    const int area = P.kh * P.kw;
    const std::vector<double> padded = padded_copy(A_prev, P);
    std::vector<double> dprev(padded.size(), 0.0);
    for (int i = 0; i < P.m; ++i) {
        const std::vector<double> M = im2col(padded, P, i);
        for (int row = 0; row < P.h * P.w; ++row) {
            const int y = row / P.w, x = row % P.w;
            for (int c = 0; c < P.c; ++c) {
                const double g = dA.data[(static_cast<std::size_t>(i) * P.h * P.w + row) * P.c + c];
                int arg = 0;
                for (int j = 1; j < area; ++j)
                    if (M[(static_cast<std::size_t>(row) * area + j) * P.c + c] >
                        M[(static_cast<std::size_t>(row) * area + arg) * P.c + c])
                        arg = j;
                for (int j = 0; j < area; ++j) {
                    const double share = max ? (j == arg ? g : 0.0) : g / area;
                    const int p = j / P.kw, q = j % P.kw;
                    dprev[((static_cast<std::size_t>(i) * P.h_prev + y * P.sh + p) * P.w_prev + x * P.sw + q) * P.c +
                          c] += share;
                }
            }
        }
    }
    nn::Tensor dA_prev(A_prev.shape);
    for (std::size_t j = 0; j < dprev.size(); ++j) dA_prev.data[j] = static_cast<float>(dprev[j]);
    return dA_prev;
}

}  // namespace ref
