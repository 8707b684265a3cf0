// MNIST's pre-processing of a digit (see digit.hpp): polarity, background,
// scale the ink's box to 20 pixels by area averaging, centre by mass in 28x28.
#include "tools/io/digit.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "nn/errors.hpp"

namespace tools::io {

namespace {

constexpr int kField = 28;  // MNIST's image side
constexpr int kBox = 20;    // the side the digit's longer extent is scaled to

void check_image(const GreyImage& image, const char* fn) {
    nn::require(image.height > 0 && image.width > 0, fn, [&] {
        return "the image is empty (" + std::to_string(image.height) + " x " + std::to_string(image.width) + ")";
    });
    nn::require(image.grey.size() == static_cast<std::size_t>(image.height) * static_cast<std::size_t>(image.width), fn,
                [&] {
                    return "grey holds " + std::to_string(image.grey.size()) + " levels, not " +
                           std::to_string(image.height) + " x " + std::to_string(image.width);
                });
}

// The median of the outermost rows and columns: the paper's (or canvas's) level.
float border_median(const GreyImage& image) {
    const int h = image.height, w = image.width;
    std::vector<float> border;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            if (y == 0 || y == h - 1 || x == 0 || x == w - 1) border.push_back(image.grey[y * w + x]);
    auto middle = border.begin() + static_cast<std::ptrdiff_t>(border.size() / 2);
    std::nth_element(border.begin(), middle, border.end());
    return *middle;
}

// One axis of area averaging: target pixel t of n covers the source interval
// [start + t * step, start + (t + 1) * step); its weights are the lengths of
// that interval's overlap with each source pixel.
struct Overlap {
    int source;
    double length;
};

std::vector<std::vector<Overlap>> overlaps(int start, int source_extent, int n) {
    const double step = static_cast<double>(source_extent) / n;
    std::vector<std::vector<Overlap>> out(n);
    for (int t = 0; t < n; ++t) {
        const double lo = t * step, hi = (t + 1) * step;
        for (int s = static_cast<int>(std::floor(lo)); s < source_extent && s < hi; ++s) {
            const double length = std::min(hi, s + 1.0) - std::max(lo, static_cast<double>(s));
            if (length > 0) out[t].push_back({start + s, length});
        }
    }
    return out;
}

}  // namespace

bool ink_is_dark(const GreyImage& image) {
    check_image(image, "ink_is_dark");
    return border_median(image) > 0.5f;
}

std::vector<float> reduce_like_mnist(const GreyImage& image) {
    check_image(image, "reduce_like_mnist");
    const int h = image.height, w = image.width;

    // 1-2. Light ink on black: invert dark ink, then stretch the levels so the
    // paper is 0 and the brightest ink 1.
    std::vector<float> ink = image.grey;
    if (ink_is_dark(image))
        for (float& v : ink) v = 1.0f - v;
    const float paper = border_median(GreyImage{h, w, ink});
    const float brightest = *std::max_element(ink.begin(), ink.end());
    std::vector<float> field(kField * kField, 0.0f);
    if (brightest <= paper) return field;  // no ink at all
    for (float& v : ink) v = std::clamp((v - paper) / (brightest - paper), 0.0f, 1.0f);

    // 3. The ink's bounding box, scaled so its longer side is 20 pixels.
    int top = h, bottom = -1, left = w, right = -1;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            if (ink[y * w + x] > 0.1f) {
                top = std::min(top, y), bottom = std::max(bottom, y);
                left = std::min(left, x), right = std::max(right, x);
            }
    const int bh = bottom - top + 1, bw = right - left + 1;
    const double scale = static_cast<double>(kBox) / std::max(bh, bw);
    const int th = std::max(1, static_cast<int>(std::lround(bh * scale)));
    const int tw = std::max(1, static_cast<int>(std::lround(bw * scale)));
    const auto rows = overlaps(top, bh, th), cols = overlaps(left, bw, tw);
    const double area = (static_cast<double>(bh) / th) * (static_cast<double>(bw) / tw);
    std::vector<float> digit(static_cast<std::size_t>(th) * tw);
    for (int ty = 0; ty < th; ++ty)
        for (int tx = 0; tx < tw; ++tx) {
            double sum = 0.0;
            for (const Overlap& r : rows[ty])
                for (const Overlap& c : cols[tx]) sum += r.length * c.length * ink[r.source * w + c.source];
            digit[ty * tw + tx] = static_cast<float>(sum / area);
        }

    // 4. Centre of mass, with pixel (y, x) covering [y, y + 1) x [x, x + 1),
    // moved by whole pixels to the field's centre (14, 14).
    double mass = 0.0, cy = 0.0, cx = 0.0;
    for (int ty = 0; ty < th; ++ty)
        for (int tx = 0; tx < tw; ++tx) {
            const double v = digit[ty * tw + tx];
            mass += v, cy += v * (ty + 0.5), cx += v * (tx + 0.5);
        }
    const int dy = static_cast<int>(std::lround(kField / 2.0 - cy / mass));
    const int dx = static_cast<int>(std::lround(kField / 2.0 - cx / mass));
    for (int ty = 0; ty < th; ++ty)
        for (int tx = 0; tx < tw; ++tx) {
            const int y = ty + dy, x = tx + dx;
            if (y >= 0 && y < kField && x >= 0 && x < kField) field[y * kField + x] = digit[ty * tw + tx];
        }
    return field;
}

}  // namespace tools::io
