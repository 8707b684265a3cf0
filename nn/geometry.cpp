// Output sizes and padding split for conv and pool, with the argument checks
// both share.
#include "nn/geometry.hpp"

#include <algorithm>

#include "nn/errors.hpp"

namespace nn {

namespace {

// Reads an optionally signed decimal integer of at most 6 digits; false otherwise.
bool parse_int(const std::string& s, int& v) {
    std::size_t k = (!s.empty() && s[0] == '-') ? 1 : 0;
    if (s.size() == k || s.size() - k > 6) return false;
    for (std::size_t j = k; j < s.size(); ++j)
        if (s[j] < '0' || s[j] > '9') return false;
    v = std::stoi(s);
    return true;
}

}  // namespace

Padding Padding::parse(const std::string& text, const char* fn) {
    if (text == "same") return same();
    if (text == "valid") return valid();
    std::size_t comma = text.find(',');
    int ph = 0, pw = 0;
    require(comma != std::string::npos && parse_int(text.substr(0, comma), ph) &&
                parse_int(text.substr(comma + 1), pw),
            fn, "unknown padding '" + text + "' (expected same, valid or PH,PW)");
    require(ph >= 0 && pw >= 0, fn, "padding must not be negative, got '" + text + "'");
    return explicit_(ph, pw);
}

std::string Padding::str() const {
    switch (kind) {
        case Kind::valid: return "valid";
        case Kind::same: return "same";
        default: return "(" + std::to_string(ph) + "," + std::to_string(pw) + ")";
    }
}

namespace {

// One spatial axis: output size and the zeros added before/after.
void axis(Padding::Kind kind, int in, int k, int s, int p, int& out, int& before, int& after) {
    if (kind == Padding::Kind::same) {
        out = (in + s - 1) / s;  // ceil(in / s)
        int total = std::max((out - 1) * s + k - in, 0);
        before = total / 2;  // TensorFlow: the smaller half first
        after = total - before;
    } else {
        before = after = (kind == Padding::Kind::explicit_) ? p : 0;
        out = (in + 2 * p - k) / s + 1;
    }
}

}  // namespace

Geometry make_geometry(const char* fn, const Shape& A_prev, int kh, int kw, Padding pad, Stride stride) {
    // Every training step passes here: the messages are built only on failure.
    require(A_prev.size() == 4, fn,
            [&] { return "A_prev must have rank 4 (m, h_prev, w_prev, c_prev), got " + shape_str(A_prev); });
    require(kh > 0 && kw > 0, fn,
            [&] { return "kernel must be positive, got (" + std::to_string(kh) + "," + std::to_string(kw) + ")"; });
    require(stride.sh > 0 && stride.sw > 0, fn, [&] {
        return "stride must be positive, got (" + std::to_string(stride.sh) + "," + std::to_string(stride.sw) + ")";
    });
    require(pad.ph >= 0 && pad.pw >= 0, fn, [&] { return "padding must not be negative, got " + pad.str(); });
    Geometry g;
    g.m = A_prev[0];
    g.h_prev = A_prev[1];
    g.w_prev = A_prev[2];
    g.c_prev = A_prev[3];
    g.kh = kh;
    g.kw = kw;
    g.sh = stride.sh;
    g.sw = stride.sw;
    int p_h = pad.kind == Padding::Kind::explicit_ ? pad.ph : 0;
    int p_w = pad.kind == Padding::Kind::explicit_ ? pad.pw : 0;
    require(pad.kind == Padding::Kind::same || (g.h_prev + 2 * p_h >= kh && g.w_prev + 2 * p_w >= kw), fn, [&] {
        return "kernel (" + std::to_string(kh) + "," + std::to_string(kw) + ") is larger than the padded input (" +
               std::to_string(g.h_prev + 2 * p_h) + "," + std::to_string(g.w_prev + 2 * p_w) + ") (A_prev " +
               shape_str(A_prev) + ", padding " + pad.str() + ")";
    });
    axis(pad.kind, g.h_prev, kh, g.sh, p_h, g.h, g.pad_top, g.pad_bottom);
    axis(pad.kind, g.w_prev, kw, g.sw, p_w, g.w, g.pad_left, g.pad_right);
    return g;
}

Geometry make_conv_geometry(const char* fn, const Tensor& A_prev, const Tensor& W, const Tensor& b, Padding pad,
                            Stride stride) {
    auto shapes = [&] {
        return "(A_prev " + A_prev.shape_str() + ", W " + W.shape_str() + ", b " + b.shape_str() + ")";
    };
    require(A_prev.rank() == 4, fn, [&] { return "A_prev must have rank 4 (m, h_prev, w_prev, c_prev) " + shapes(); });
    require(W.rank() == 4, fn, [&] { return "W must have rank 4 (kh, kw, c_prev, c_new) " + shapes(); });
    require(b.rank() == 4, fn, [&] { return "b must have rank 4 (1, 1, 1, c_new) " + shapes(); });
    Geometry g = make_geometry(fn, A_prev.shape, W.dim(0), W.dim(1), pad, stride);
    require(W.dim(2) == g.c_prev, fn, [&] {
        return "W has c_prev=" + std::to_string(W.dim(2)) + " but A_prev has " + std::to_string(g.c_prev) +
               " channels (A_prev " + A_prev.shape_str() + ", W " + W.shape_str() + ")";
    });
    require(b.shape == Shape{1, 1, 1, W.dim(3)}, fn, [&] {
        return "b must be " + shape_str({1, 1, 1, W.dim(3)}) + " to match W's c_new=" + std::to_string(W.dim(3)) +
               " but is " + b.shape_str() + " " + shapes();
    });
    return g;
}

}  // namespace nn
