// PNG writer with stored (uncompressed) deflate blocks, and a chunk-level
// checker. The layout is summarised in png.hpp; PNG is specified in
// ISO/IEC 15948 and the zlib/deflate wrappers in RFC 1950/1951.
#include "tools/io/png.hpp"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include "tools/io/crc32.hpp"
#include "tools/io/inflate.hpp"

namespace tools::io {

namespace {

const std::uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

void put_u32(std::string& out, std::uint32_t v) {
    out += static_cast<char>(v >> 24);
    out += static_cast<char>(v >> 16);
    out += static_cast<char>(v >> 8);
    out += static_cast<char>(v);
}

std::uint32_t get_u32(const std::string& s, std::size_t at) {
    auto byte = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<std::uint8_t>(s[at + k])); };
    return byte(0) << 24 | byte(1) << 16 | byte(2) << 8 | byte(3);
}

// Appends one chunk: length, type, data, CRC-32 over type and data.
void put_chunk(std::string& out, const char type[4], const std::string& data) {
    put_u32(out, static_cast<std::uint32_t>(data.size()));
    std::string body = std::string(type, 4) + data;
    out += body;
    put_u32(out, crc32(body.data(), body.size()));
}

// A zlib stream of stored deflate blocks holding @p raw.
std::string zlib_stored(const std::vector<std::uint8_t>& raw) {
    std::string z;
    z += static_cast<char>(0x78);  // CMF: deflate, 32 KiB window
    z += static_cast<char>(0x01);  // FLG: no dictionary; 0x7801 is a multiple of 31
    std::size_t at = 0;
    do {
        std::size_t len = std::min<std::size_t>(65535, raw.size() - at);
        bool final = at + len == raw.size();
        z += static_cast<char>(final ? 1 : 0);  // BFINAL, BTYPE = 00 (stored), padding to the byte
        z += static_cast<char>(len & 0xff);     // LEN, little-endian
        z += static_cast<char>(len >> 8);
        z += static_cast<char>(~len & 0xff);    // NLEN = ones' complement of LEN
        z += static_cast<char>((~len >> 8) & 0xff);
        z.append(reinterpret_cast<const char*>(raw.data()) + at, len);
        at += len;
    } while (at < raw.size());
    put_u32(z, adler32(raw.data(), raw.size()));
    return z;
}

[[noreturn]] void fail(const std::string& name, std::size_t offset, const std::string& reason) {
    throw std::runtime_error(name + ": byte " + std::to_string(offset) + ": " + reason);
}

}  // namespace

std::uint32_t adler32(const std::uint8_t* data, std::size_t size) {
    const std::uint32_t mod = 65521;  // largest prime below 2^16
    std::uint32_t a = 1, b = 0;
    for (std::size_t i = 0; i < size; ++i) {
        a = (a + data[i]) % mod;
        b = (b + a) % mod;
    }
    return b << 16 | a;
}

std::string encode_png(const Image& image) {
    if (image.width <= 0 || image.height <= 0 || (image.channels != 1 && image.channels != 3)) {
        throw std::invalid_argument("encode_png: image must have positive width and height and 1 or 3 channels, got " +
                                    std::to_string(image.width) + "x" + std::to_string(image.height) + "x" +
                                    std::to_string(image.channels));
    }
    std::size_t row = static_cast<std::size_t>(image.width) * image.channels;
    if (image.pixels.size() != row * image.height) {
        throw std::invalid_argument("encode_png: pixels holds " + std::to_string(image.pixels.size()) +
                                    " samples, expected " + std::to_string(row * image.height) + " for " +
                                    std::to_string(image.width) + "x" + std::to_string(image.height) + "x" +
                                    std::to_string(image.channels));
    }
    std::vector<std::uint8_t> raw;
    raw.reserve((row + 1) * image.height);
    for (int y = 0; y < image.height; ++y) {
        raw.push_back(0);  // filter type 0: the row as it is
        auto first = image.pixels.begin() + static_cast<std::ptrdiff_t>(row * y);
        raw.insert(raw.end(), first, first + static_cast<std::ptrdiff_t>(row));
    }
    std::string ihdr;
    put_u32(ihdr, static_cast<std::uint32_t>(image.width));
    put_u32(ihdr, static_cast<std::uint32_t>(image.height));
    ihdr += static_cast<char>(8);                           // bit depth
    ihdr += static_cast<char>(image.channels == 1 ? 0 : 2);  // colour type: grey or RGB
    ihdr += std::string(3, '\0');                           // deflate, adaptive filtering, no interlace

    std::string out(reinterpret_cast<const char*>(kSignature), 8);
    put_chunk(out, "IHDR", ihdr);
    put_chunk(out, "IDAT", zlib_stored(raw));
    put_chunk(out, "IEND", "");
    return out;
}

PngInfo check_png(const std::string& bytes, const std::string& name) {
    if (bytes.size() < 8 || bytes.compare(0, 8, std::string(reinterpret_cast<const char*>(kSignature), 8)) != 0) {
        fail(name, 0, "not a PNG file (the 8-byte signature is missing)");
    }
    PngInfo info;
    bool seen_idat = false, seen_iend = false;
    std::size_t at = 8;
    while (at < bytes.size()) {
        if (seen_iend) fail(name, at, "data after the IEND chunk");
        if (bytes.size() - at < 12) fail(name, at, "truncated chunk header");
        std::uint32_t length = get_u32(bytes, at);
        if (length > 0x7fffffffu) fail(name, at, "chunk length " + std::to_string(length) + " exceeds 2^31-1");
        std::string type = bytes.substr(at + 4, 4);
        for (char c : type) {
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) fail(name, at + 4, "chunk type is not 4 letters");
        }
        if (bytes.size() - at - 12 < length) {
            fail(name, at, type + " chunk of " + std::to_string(length) + " bytes runs past the end of the file");
        }
        std::uint32_t stored = get_u32(bytes, at + 8 + length);
        std::uint32_t computed = crc32(bytes.data() + at + 4, length + 4);
        if (stored != computed) fail(name, at + 8 + length, type + " chunk CRC mismatch");
        if (info.chunks == 0) {
            if (type != "IHDR" || length != 13) fail(name, at, "the first chunk must be a 13-byte IHDR, got " + type);
            info.width = static_cast<int>(get_u32(bytes, at + 8));
            info.height = static_cast<int>(get_u32(bytes, at + 12));
            info.bit_depth = static_cast<std::uint8_t>(bytes[at + 16]);
            info.color_type = static_cast<std::uint8_t>(bytes[at + 17]);
            if (info.width <= 0 || info.height <= 0) fail(name, at + 8, "IHDR width and height must be positive");
            int d = info.bit_depth;
            bool ok = false;
            switch (info.color_type) {
                case 0: ok = d == 1 || d == 2 || d == 4 || d == 8 || d == 16; break;
                case 3: ok = d == 1 || d == 2 || d == 4 || d == 8; break;
                case 2: case 4: case 6: ok = d == 8 || d == 16; break;
                default: ok = false;
            }
            if (!ok) {
                fail(name, at + 16, "IHDR bit depth " + std::to_string(d) + " with colour type " +
                                        std::to_string(info.color_type) + " is not allowed");
            }
            if (bytes[at + 18] != 0 || bytes[at + 19] != 0 || static_cast<std::uint8_t>(bytes[at + 20]) > 1) {
                fail(name, at + 18, "IHDR compression, filter or interlace method is unknown");
            }
        } else if (type == "IHDR") {
            fail(name, at, "a second IHDR chunk");
        }
        if (type == "IDAT") seen_idat = true;
        if (type == "IEND") {
            if (length != 0) fail(name, at, "IEND chunk must be empty");
            if (!seen_idat) fail(name, at, "IEND before any IDAT chunk");
            seen_iend = true;
        }
        ++info.chunks;
        at += 12 + length;
    }
    if (!seen_iend) fail(name, bytes.size(), "no IEND chunk at the end of the file");
    return info;
}

namespace {

// The Paeth predictor (PNG, 9.4): whichever of left, above and upper-left
// is closest to left + above - upper-left, ties in that order.
std::uint8_t paeth(int a, int b, int c) {
    int p = a + b - c;
    int pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
    if (pa <= pb && pa <= pc) return static_cast<std::uint8_t>(a);
    if (pb <= pc) return static_cast<std::uint8_t>(b);
    return static_cast<std::uint8_t>(c);
}

// One of the seven Adam7 passes: the pixels (x0 + k*dx, y0 + j*dy).
struct Pass {
    int x0, y0, dx, dy;
};
const Pass kAdam7[7] = {{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}};

// The IDAT data as one zlib stream, remembering where each piece sits in the
// file so that an error in the stream can name the file's byte.
struct IdatStream {
    std::vector<std::uint8_t> data;
    std::vector<std::pair<std::size_t, std::size_t>> pieces;  // (offset in stream, offset in file)

    std::size_t file_offset(std::size_t stream_offset) const {
        std::size_t file = pieces.empty() ? 0 : pieces.front().second;
        for (const auto& piece : pieces)
            if (piece.first <= stream_offset) file = piece.second + (stream_offset - piece.first);
        return file;
    }
};

}  // namespace

PngPixels decode_png(const std::string& bytes, const std::string& name) {
    PngInfo info = check_png(bytes, name);  // signature, CRCs, chunk order, IHDR fields
    const std::size_t ihdr_at = 8;
    const int depth = info.bit_depth;
    const int type = info.color_type;
    const bool interlaced = bytes[ihdr_at + 20] == 1;
    if (static_cast<long long>(info.width) * info.height > kPngMaxPixels) {
        fail(name, ihdr_at + 8, "image of " + std::to_string(info.width) + "x" + std::to_string(info.height) +
                                    " pixels is larger than the " + std::to_string(kPngMaxPixels) + " accepted");
    }

    // Gather the palette, its transparency and the IDAT pieces.
    std::vector<std::uint8_t> palette, palette_alpha;
    IdatStream idat;
    for (std::size_t at = 8; at < bytes.size();) {
        std::size_t length = get_u32(bytes, at);
        std::string kind = bytes.substr(at + 4, 4);
        const auto* body = reinterpret_cast<const std::uint8_t*>(bytes.data()) + at + 8;
        if (kind == "PLTE") {
            if (length == 0 || length % 3 != 0 || length > 3 * 256) {
                fail(name, at, "PLTE chunk of " + std::to_string(length) + " bytes (expected 3 to 768, a multiple of 3)");
            }
            palette.assign(body, body + length);
        } else if (kind == "tRNS" && type == 3) {
            palette_alpha.assign(body, body + length);
        } else if (kind == "IDAT") {
            idat.pieces.emplace_back(idat.data.size(), at + 8);
            idat.data.insert(idat.data.end(), body, body + length);
        }
        at += 12 + length;
    }
    if (type == 3 && palette.empty()) fail(name, ihdr_at, "palette image without a PLTE chunk");

    // The bytes of the filtered scanlines, pass by pass, known from IHDR alone.
    const int stored_channels = type == 0 ? 1 : type == 2 ? 3 : type == 3 ? 1 : type == 4 ? 2 : 4;
    const std::size_t bits_per_pixel = static_cast<std::size_t>(stored_channels * depth);
    const std::size_t bpp = std::max<std::size_t>(1, bits_per_pixel / 8);  // filter step in bytes
    std::vector<Pass> passes;
    if (interlaced) passes.assign(kAdam7, kAdam7 + 7);
    else passes.push_back({0, 0, 1, 1});
    std::size_t expected = 0;
    for (const Pass& p : passes) {
        std::size_t pw = static_cast<std::size_t>((info.width - p.x0 + p.dx - 1) / p.dx);
        std::size_t ph = static_cast<std::size_t>((info.height - p.y0 + p.dy - 1) / p.dy);
        if (pw > 0 && ph > 0) expected += ph * (1 + (pw * bits_per_pixel + 7) / 8);
    }

    std::vector<std::uint8_t> raw;
    try {
        raw = zlib_decompress(idat.data.data(), idat.data.size(), expected);
    } catch (const InflateError& e) {
        if (e.reason.rfind("decompresses to more", 0) == 0) {
            fail(name, idat.file_offset(e.offset), "more image data than the " + std::to_string(expected) +
                                                       " bytes a " + std::to_string(info.width) + "x" +
                                                       std::to_string(info.height) + " image needs");
        }
        fail(name, idat.file_offset(e.offset), "image data: " + e.reason);
    }
    if (raw.size() != expected) {
        fail(name, idat.file_offset(idat.data.size()), "image data holds " + std::to_string(raw.size()) +
                                                           " bytes, a " + std::to_string(info.width) + "x" +
                                                           std::to_string(info.height) + " image needs " +
                                                           std::to_string(expected));
    }

    PngPixels out;
    out.width = info.width;
    out.height = info.height;
    out.channels = type == 3 ? (palette_alpha.empty() ? 3 : 4) : stored_channels;
    out.max_value = type == 3 ? 255 : (1 << depth) - 1;
    out.samples.assign(static_cast<std::size_t>(out.width) * out.height * out.channels, 0);

    std::size_t at = 0;  // in raw
    for (const Pass& p : passes) {
        int pw = (info.width - p.x0 + p.dx - 1) / p.dx;
        int ph = (info.height - p.y0 + p.dy - 1) / p.dy;
        if (pw <= 0 || ph <= 0) continue;
        std::size_t row_bytes = (static_cast<std::size_t>(pw) * bits_per_pixel + 7) / 8;
        std::vector<std::uint8_t> prior(row_bytes, 0), row(row_bytes);  // the row above starts as zeros
        for (int j = 0; j < ph; ++j) {
            int filter = raw[at];
            const std::uint8_t* x = raw.data() + at + 1;
            // Undo the filter: each byte was stored as the difference from a
            // prediction made from its left neighbour a, the byte above b and
            // the upper-left one c (already unfiltered).
            for (std::size_t k = 0; k < row_bytes; ++k) {
                int a = k >= bpp ? row[k - bpp] : 0, b = prior[k], c = k >= bpp ? prior[k - bpp] : 0;
                int predicted = 0;
                switch (filter) {
                    case 0: predicted = 0; break;
                    case 1: predicted = a; break;
                    case 2: predicted = b; break;
                    case 3: predicted = (a + b) / 2; break;
                    case 4: predicted = paeth(a, b, c); break;
                    default:
                        fail(name, idat.file_offset(0), "decompressed row " + std::to_string(j) + " has filter type " +
                                                            std::to_string(filter) + " (known: 0 to 4)");
                }
                row[k] = static_cast<std::uint8_t>(x[k] + predicted);
            }
            // Unpack the samples (1, 2, 4, 8 bits, or 16 bits big-endian).
            for (int i = 0; i < pw; ++i) {
                std::size_t pixel = static_cast<std::size_t>(p.y0 + j * p.dy) * out.width + (p.x0 + i * p.dx);
                std::uint16_t* dst = out.samples.data() + pixel * out.channels;
                for (int ch = 0; ch < stored_channels; ++ch) {
                    std::size_t n = static_cast<std::size_t>(i) * stored_channels + ch;  // sample index in the row
                    unsigned value;
                    if (depth == 16) {
                        value = static_cast<unsigned>(row[2 * n]) << 8 | row[2 * n + 1];
                    } else {
                        std::size_t bit = n * depth;
                        value = (row[bit / 8] >> (8 - depth - bit % 8)) & ((1u << depth) - 1);
                    }
                    if (type != 3) {
                        dst[ch] = static_cast<std::uint16_t>(value);
                        continue;
                    }
                    if (3 * value + 2 >= palette.size()) {
                        fail(name, ihdr_at, "pixel (" + std::to_string(pixel % out.width) + ", " +
                                                std::to_string(pixel / out.width) + ") uses palette entry " +
                                                std::to_string(value) + " of " + std::to_string(palette.size() / 3));
                    }
                    for (int c3 = 0; c3 < 3; ++c3) dst[c3] = palette[3 * value + c3];
                    if (out.channels == 4) dst[3] = value < palette_alpha.size() ? palette_alpha[value] : 255;
                }
            }
            std::swap(prior, row);
            at += 1 + row_bytes;
        }
    }
    return out;
}

}  // namespace tools::io
