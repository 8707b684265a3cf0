// Output sizes and padding split for conv and pool, with the argument checks
// both share.
#include "nn/geometry.hpp"

#include <algorithm>
#include <climits>

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
            fn, "unknown padding '" + excerpt(text) + "' (expected same, valid or PH,PW)");
    require(ph >= 0 && pw >= 0, fn, "padding must not be negative, got '" + excerpt(text) + "'");
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

// One spatial axis: output size and the zeros added before/after. Worked out
// in 64 bits, where nothing made of int inputs can overflow (in + s - 1 with
// in and s near INT_MAX did in 32), then checked against int: the loop nests
// index the padded input with int, so the padded extent before + in + after
// must fit as well as the output size. @p name is "rows" or "columns".
void axis(const char* fn, const char* name, Padding::Kind kind, int in, int k, int s, int p, int& out, int& before,
          int& after) {
    long long out64 = 0, before64 = 0, after64 = 0;
    if (kind == Padding::Kind::same) {
        out64 = (static_cast<long long>(in) + s - 1) / s;  // ceil(in / s)
        long long total = std::max((out64 - 1) * s + k - in, 0LL);
        before64 = total / 2;  // TensorFlow: the smaller half first
        after64 = total - before64;
    } else {
        before64 = after64 = (kind == Padding::Kind::explicit_) ? p : 0;
        out64 = (in + 2LL * p - k) / s + 1;
    }
    const long long padded = before64 + in + after64;
    require(padded <= INT_MAX && out64 <= INT_MAX, fn, [&] {
        return std::string("the padded input has ") + std::to_string(padded) + " " + name + " (" +
               std::to_string(before64) + " + " + std::to_string(in) + " + " + std::to_string(after64) +
               "), more than the " + std::to_string(INT_MAX) + " a Tensor extent can hold";
    });
    out = static_cast<int>(out64);
    before = static_cast<int>(before64);
    after = static_cast<int>(after64);
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
    require(A_prev[0] >= 0 && A_prev[1] >= 0 && A_prev[2] >= 0 && A_prev[3] >= 0, fn,
            [&] { return "negative extent in A_prev " + shape_str(A_prev); });
    Geometry g;
    g.m = A_prev[0];
    g.h_prev = A_prev[1];
    g.w_prev = A_prev[2];
    g.c_prev = A_prev[3];
    g.kh = kh;
    g.kw = kw;
    g.sh = stride.sh;
    g.sw = stride.sw;
    // In 64 bits: h_prev + 2 ph can exceed INT_MAX.
    const long long p_h = pad.kind == Padding::Kind::explicit_ ? pad.ph : 0;
    const long long p_w = pad.kind == Padding::Kind::explicit_ ? pad.pw : 0;
    require(pad.kind == Padding::Kind::same || (g.h_prev + 2 * p_h >= kh && g.w_prev + 2 * p_w >= kw), fn, [&] {
        return "kernel (" + std::to_string(kh) + "," + std::to_string(kw) + ") is larger than the padded input (" +
               std::to_string(g.h_prev + 2 * p_h) + "," + std::to_string(g.w_prev + 2 * p_w) + ") (A_prev " +
               shape_str(A_prev) + ", padding " + pad.str() + ")";
    });
    axis(fn, "rows", pad.kind, g.h_prev, kh, g.sh, pad.ph, g.h, g.pad_top, g.pad_bottom);
    axis(fn, "columns", pad.kind, g.w_prev, kw, g.sw, pad.pw, g.w, g.pad_left, g.pad_right);
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
