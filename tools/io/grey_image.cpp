// PGM and PNG files as grey levels in [0, 1] (formats in grey_image.hpp).
#include "tools/io/grey_image.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace tools::io {

namespace {

[[noreturn]] void fail(const std::string& name, std::size_t offset, const std::string& reason) {
    throw std::runtime_error(name + ": byte " + std::to_string(offset) + ": " + reason);
}

// Reads the PGM header: whitespace and comments, then a decimal number.
class PgmHeader {
public:
    PgmHeader(const std::string& bytes, const std::string& name) : bytes_(bytes), name_(name) {}

    long long number(const char* what) {
        for (;;) {  // skip whitespace and comments
            if (at_ >= bytes_.size()) fail(name_, at_, std::string("the header ends before the ") + what);
            unsigned char c = static_cast<unsigned char>(bytes_[at_]);
            if (c == '#') {
                while (at_ < bytes_.size() && bytes_[at_] != '\n') ++at_;
            } else if (std::isspace(c)) {
                ++at_;
            } else {
                break;
            }
        }
        std::size_t start = at_;
        last_start = start;
        long long value = 0;
        while (at_ < bytes_.size() && std::isdigit(static_cast<unsigned char>(bytes_[at_]))) {
            value = value * 10 + (bytes_[at_] - '0');
            if (value > 1000000) fail(name_, start, std::string("the ") + what + " is larger than 1000000");
            ++at_;
        }
        if (at_ == start) fail(name_, start, std::string("expected the ") + what + " (a decimal number)");
        return value;
    }

    // The single whitespace byte between maxval and the samples.
    std::size_t samples_start() {
        if (at_ >= bytes_.size() || !std::isspace(static_cast<unsigned char>(bytes_[at_]))) {
            fail(name_, at_, "expected one whitespace byte after maxval");
        }
        return at_ + 1;
    }

    std::size_t at_ = 2;         // after "P5"
    std::size_t last_start = 2;  // where the last number read starts

private:
    const std::string& bytes_;
    const std::string& name_;
};

}  // namespace

GreyImage decode_pgm(const std::string& bytes, const std::string& name) {
    if (bytes.size() < 2 || bytes[0] != 'P' || bytes[1] < '1' || bytes[1] > '7') {
        fail(name, 0, "not a netpbm file (it does not start with P1-P7)");
    }
    if (bytes[1] != '5') {
        const char* kinds[] = {"", "ASCII bitmap (P1)", "ASCII greymap (P2)", "ASCII pixmap (P3)", "binary bitmap (P4)",
                               "", "binary pixmap (P6, colour)", "PAM (P7)"};
        fail(name, 0, std::string("a netpbm ") + kinds[bytes[1] - '0'] + "; only binary greymaps (P5) are read");
    }
    PgmHeader header(bytes, name);
    long long width = header.number("width");
    std::size_t width_at = header.last_start;
    long long height = header.number("height");
    long long maxval = header.number("maxval");
    std::size_t maxval_at = header.last_start;
    std::size_t start = header.samples_start();
    if (width == 0 || height == 0) fail(name, width_at, "width and height must be positive");
    if (width * height > kPngMaxPixels) {
        fail(name, width_at, "image of " + std::to_string(width) + "x" + std::to_string(height) +
                                 " pixels is larger than the " + std::to_string(kPngMaxPixels) + " accepted");
    }
    if (maxval < 1 || maxval > 65535) fail(name, maxval_at, "maxval " + std::to_string(maxval) + " is outside 1-65535");
    const std::size_t sample_bytes = maxval < 256 ? 1 : 2;
    const std::size_t n = static_cast<std::size_t>(width * height);
    if (bytes.size() - start != n * sample_bytes) {
        fail(name, start, std::to_string(width) + "x" + std::to_string(height) + " samples of " +
                              std::to_string(sample_bytes) + " byte(s) need " + std::to_string(n * sample_bytes) +
                              " bytes, the file has " + std::to_string(bytes.size() - start));
    }
    GreyImage image;
    image.width = static_cast<int>(width);
    image.height = static_cast<int>(height);
    image.grey.resize(n);
    for (std::size_t k = 0; k < n; ++k) {
        std::size_t at = start + k * sample_bytes;
        unsigned value = static_cast<unsigned char>(bytes[at]);
        if (sample_bytes == 2) value = value << 8 | static_cast<unsigned char>(bytes[at + 1]);
        if (value > maxval) {
            fail(name, at, "sample " + std::to_string(value) + " is above maxval " + std::to_string(maxval));
        }
        image.grey[k] = static_cast<float>(value) / static_cast<float>(maxval);
    }
    return image;
}

GreyImage grey_from_png(const PngPixels& pixels) {
    GreyImage image;
    image.width = pixels.width;
    image.height = pixels.height;
    const std::size_t n = static_cast<std::size_t>(pixels.width) * pixels.height;
    const int c = pixels.channels;
    const float white = static_cast<float>(pixels.max_value);
    const bool colour = c >= 3, alpha = c == 2 || c == 4;
    image.grey.resize(n);
    for (std::size_t k = 0; k < n; ++k) {
        const std::uint16_t* p = pixels.samples.data() + k * c;
        float level = colour ? (0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2]) / white : p[0] / white;
        if (alpha) {
            const float a = p[c - 1] / white;
            level = a * level + (1 - a);  // over a white page
        }
        image.grey[k] = std::min(1.0f, std::max(0.0f, level));
    }
    return image;
}

GreyImage read_grey_image(const std::string& path) {
    if (std::filesystem::is_directory(path)) throw std::runtime_error(path + ": is a folder, not an image file");
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) throw std::runtime_error(path + ": cannot open the file");
    const std::streamoff size = in.tellg();
    if (size < 0) throw std::runtime_error(path + ": cannot read the file (is it a folder?)");
    if (static_cast<unsigned long long>(size) > kMaxImageFileBytes) {
        throw std::runtime_error(path + ": the file has " + std::to_string(size) + " bytes, more than the " +
                                 std::to_string(kMaxImageFileBytes) + " an image file may have");
    }
    std::string bytes(static_cast<std::size_t>(size), '\0');
    in.seekg(0);
    if (!in.read(&bytes[0], size)) throw std::runtime_error(path + ": cannot read the file");
    if (bytes.size() >= 4 && bytes.compare(0, 4, "\x89PNG") == 0) return grey_from_png(decode_png(bytes, path));
    if (bytes.size() >= 2 && bytes[0] == 'P' && bytes[1] >= '1' && bytes[1] <= '7') return decode_pgm(bytes, path);
    throw std::runtime_error(path + ": byte 0: neither a PNG nor a binary PGM file (images are read as .npy, PNG or PGM)");
}

}  // namespace tools::io
