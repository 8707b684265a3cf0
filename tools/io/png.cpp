// PNG writer with stored (uncompressed) deflate blocks, and a chunk-level
// checker. The layout is summarised in png.hpp; PNG is specified in
// ISO/IEC 15948 and the zlib/deflate wrappers in RFC 1950/1951.
#include "tools/io/png.hpp"

#include <algorithm>
#include <stdexcept>

#include "tools/io/crc32.hpp"

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

}  // namespace tools::io
