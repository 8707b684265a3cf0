// Tests for tools/io/inflate (zlib streams) and tools/io/png's decoder:
// streams from another encoder (Python's zlib) with golden outputs,
// hand-built deflate blocks for each error, round trips through plaincnn's
// own PNG writer, the fixtures of tests/fixtures/png/make_png_fixtures.py
// (every filter, bit depth, colour type, palettes, Adam7), and bad files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/test_util.hpp"
#include "tools/io/crc32.hpp"
#include "tools/io/inflate.hpp"
#include "tools/io/png.hpp"

using ::testing::HasSubstr;
using tools::io::InflateError;
using tools::io::zlib_decompress;
namespace fs = std::filesystem;

namespace {

std::vector<std::uint8_t> from_hex(const std::string& hex) {
    std::vector<std::uint8_t> out;
    for (std::size_t k = 0; k + 1 < hex.size(); k += 2) out.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(k, 2), nullptr, 16)));
    return out;
}

std::string inflate_text(const std::vector<std::uint8_t>& z, std::size_t limit = 1 << 20) {
    std::vector<std::uint8_t> out = zlib_decompress(z.data(), z.size(), limit);
    return std::string(out.begin(), out.end());
}

// The reason and offset of the InflateError that decompressing @p z throws.
std::string inflate_error(const std::vector<std::uint8_t>& z, std::size_t limit = 1 << 20) {
    try {
        zlib_decompress(z.data(), z.size(), limit);
    } catch (const InflateError& e) {
        return e.what();
    }
    return "(nothing thrown)";
}

// Packs deflate bits: numbers least significant bit first, Huffman codes
// most significant bit first, as RFC 1951 (3.1.1) orders them.
struct BitWriter {
    std::vector<std::uint8_t> bytes;
    int used = 8;
    void bit(int b) {
        if (used == 8) {
            bytes.push_back(0);
            used = 0;
        }
        bytes.back() = static_cast<std::uint8_t>(bytes.back() | (b << used));
        ++used;
    }
    void number(int value, int n) {
        for (int k = 0; k < n; ++k) bit((value >> k) & 1);
    }
    void code(int value, int n) {
        for (int k = n - 1; k >= 0; --k) bit((value >> k) & 1);
    }
};

// A zlib stream: header 78 01, the deflate bytes, and the Adler-32 of @p content.
std::vector<std::uint8_t> zlib_wrap(const std::vector<std::uint8_t>& deflate, const std::string& content) {
    std::vector<std::uint8_t> z;
    z.push_back(0x78);
    z.push_back(0x01);
    for (std::uint8_t byte : deflate) z.push_back(byte);
    std::uint32_t a = tools::io::adler32(reinterpret_cast<const std::uint8_t*>(content.data()), content.size());
    for (int k = 3; k >= 0; --k) z.push_back(static_cast<std::uint8_t>(a >> (8 * k)));
    return z;
}

// A stored block holding @p text.
std::vector<std::uint8_t> stored(const std::string& text) {
    std::vector<std::uint8_t> d;
    for (std::size_t len : {std::size_t{1}, text.size(), std::size_t{0}, ~text.size() & 0xff, std::size_t{0xff}})
        d.push_back(static_cast<std::uint8_t>(len));
    for (char c : text) d.push_back(static_cast<std::uint8_t>(c));
    return d;
}

fs::path png_fixtures() {
    const fs::path rel = fs::path(__FILE__).parent_path() / "fixtures" / "png";
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    for (fs::path start : {fs::current_path(), ec ? fs::path() : exe.parent_path()}) {
        if (rel.is_absolute()) start = fs::path("/");
        for (fs::path dir = start; !dir.empty(); dir = dir.parent_path()) {
            if (fs::exists(dir / rel / "make_png_fixtures.py")) return dir / rel;
            if (dir == dir.root_path()) break;
        }
    }
    return rel;
}

std::string read_fixture(const std::string& name) {
    std::ifstream in(png_fixtures() / name, std::ios::binary);
    EXPECT_TRUE(in.good()) << "cannot open " << (png_fixtures() / name);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// The fixtures' formula (make_png_fixtures.py).
unsigned fixture_sample(int x, int y, int c, int depth) {
    return static_cast<unsigned>(37 * x + 11 * y + 71 * c + 5) % (1u << depth);
}

void expect_formula(const tools::io::PngPixels& p, int width, int height, int channels, int depth) {
    ASSERT_EQ(p.width, width);
    ASSERT_EQ(p.height, height);
    ASSERT_EQ(p.channels, channels);
    ASSERT_EQ(p.max_value, (1 << depth) - 1);
    ASSERT_EQ(p.samples.size(), static_cast<std::size_t>(width * height * channels));
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x)
            for (int c = 0; c < channels; ++c)
                ASSERT_EQ(p.samples[static_cast<std::size_t>((y * width + x) * channels + c)], fixture_sample(x, y, c, depth))
                    << "pixel (" << x << ", " << y << ") channel " << c;
}

// Rewrites the CRC of the chunk at @p at after its bytes were changed.
void fix_crc(std::string& png, std::size_t at) {
    std::uint32_t length = 0;
    for (int k = 0; k < 4; ++k) length = length << 8 | static_cast<std::uint8_t>(png[at + k]);
    std::uint32_t crc = tools::io::crc32(png.data() + at + 4, length + 4);
    for (int k = 0; k < 4; ++k) png[at + 8 + length + k] = static_cast<char>(crc >> (24 - 8 * k));
}

std::string decode_error(const std::string& png) {
    return testutil::error_message<std::runtime_error>([&] { tools::io::decode_png(png, "bad.png"); });
}

}  // namespace

// ---- inflate ----

TEST(Inflate, StoredBlockByHand) {
    EXPECT_EQ(inflate_text(zlib_wrap(stored("hello"), "hello")), "hello");
}

TEST(Inflate, PythonZlibStreamWithOverlappingCopy) {
    // zlib.compress(b'abcabcabcabcabc', 9): literals a b c, then a copy of
    // length 12 from distance 3 that overlaps the bytes it writes.
    EXPECT_EQ(inflate_text(from_hex("78da4b4c4a4e4442002df505bf")), "abcabcabcabcabc");
}

TEST(Inflate, PythonZlibFixedHuffman) {
    // zlib.compressobj(9, DEFLATED, 15, 9, Z_FIXED)
    EXPECT_EQ(inflate_text(from_hex("78012bc957484a55c82f52c8cb2f5128017174144a32124b14328b8174aa4261696a7149667e1e00167b0e19")),
              "to be or not to be, that is the question");
}

TEST(Inflate, PythonZlibDynamicHuffman) {
    // zlib.compress of 300 random letters of "abcdefgh " (random.seed(1)):
    // one dynamic block; golden length and CRC-32 from Python.
    std::string text = inflate_text(from_hex(
        "78da1d8f410200510442afd2d542e5fe27187f1616a83c5daaddcdd432e16aca24c14c88d9c57866c5a05a6504232d4e3a491baebd0"
        "de2e552e9c6708009ecd5e5a05fc7350659c7044e3c8d2e8855cf37aaf6550b7df1dead0b736eaee71ea6d9fbae63e7521daa87aa923"
        "aea239eed87ed9acc5684a523f6b8ffa023c2bd53bc33472943b64bcf774fa70ede953a892cd4ea18c89b70265dfb0148fe6abd"));
    EXPECT_EQ(text.size(), 300u);
    EXPECT_EQ(tools::io::crc32(text.data(), text.size()), 174681598u);
}

TEST(Inflate, FixedBlockByHand) {
    // BFINAL 1, BTYPE 01; literal 'x' (0x30 + 'x' in 8 bits), then length 3
    // (symbol 257, 7 bits) at distance 1 (symbol 0, 5 bits), end of block.
    BitWriter w;
    w.number(1, 1);
    w.number(1, 2);
    w.code(0x30 + 'x', 8);
    w.code(1, 7);
    w.code(0, 5);
    w.code(0, 7);
    EXPECT_EQ(inflate_text(zlib_wrap(w.bytes, "xxxx")), "xxxx");
}

TEST(Inflate, RefusesBadHeaders) {
    EXPECT_THAT(inflate_error({0x78}), HasSubstr("shorter than its 2-byte header"));
    EXPECT_THAT(inflate_error({0x77, 0x01}), HasSubstr("compression method 7"));
    EXPECT_THAT(inflate_error({0x78, 0x02}), HasSubstr("not a multiple of 31"));
    EXPECT_THAT(inflate_error({0x78, 0xbb, 0, 0, 0, 0}), HasSubstr("preset dictionary"));
    EXPECT_THAT(inflate_error({0x88, 0x1c}), HasSubstr("window size 2^16"));
}

TEST(Inflate, RefusesReservedBlockTypeAndBadStoredLength) {
    EXPECT_EQ(inflate_error({0x78, 0x01, 0x07}), "byte 2 of the zlib stream: block type 3 is reserved");
    std::vector<std::uint8_t> d = stored("hello");
    d[3] ^= 1;  // NLEN no longer ~LEN
    EXPECT_EQ(inflate_error(zlib_wrap(d, "hello")), "byte 3 of the zlib stream: stored block LEN does not match NLEN");
}

TEST(Inflate, RefusesTruncatedStreams) {
    std::vector<std::uint8_t> z = zlib_wrap(stored("hello"), "hello");
    std::vector<std::uint8_t> cut(z.begin(), z.begin() + 9);  // stops inside the stored bytes
    EXPECT_THAT(inflate_error(cut), HasSubstr("ends in the middle of a stored block"));
    std::vector<std::uint8_t> no_adler(z.begin(), z.end() - 2);
    EXPECT_THAT(inflate_error(no_adler), HasSubstr("ends before its Adler-32"));
    EXPECT_THAT(inflate_error({0x78, 0x01}), HasSubstr("ends in the middle of a block"));
}

TEST(Inflate, RefusesAdlerMismatch) {
    std::vector<std::uint8_t> z = zlib_wrap(stored("hello"), "hellp");
    EXPECT_EQ(inflate_error(z), "byte 12 of the zlib stream: Adler-32 mismatch");
}

TEST(Inflate, RefusesDistanceBeforeTheStart) {
    BitWriter w;  // a copy of length 3 at distance 1 before any byte was written
    w.number(1, 1);
    w.number(1, 2);
    w.code(1, 7);
    w.code(0, 5);
    w.code(0, 7);
    EXPECT_THAT(inflate_error(zlib_wrap(w.bytes, "")), HasSubstr("distance 1 reaches before the start (0 bytes written)"));
}

TEST(Inflate, RefusesUnusedSymbols) {
    BitWriter w;  // fixed code for symbol 286 (8 bits 11000110) is not a length
    w.number(1, 1);
    w.number(1, 2);
    w.code(0xc0 + 6, 8);
    EXPECT_THAT(inflate_error(zlib_wrap(w.bytes, "")), HasSubstr("length symbol 286 is not used"));
    BitWriter v;  // literal 'a', then length 3 with distance symbol 30
    v.number(1, 1);
    v.number(1, 2);
    v.code(0x30 + 'a', 8);
    v.code(1, 7);
    v.code(30, 5);
    EXPECT_THAT(inflate_error(zlib_wrap(v.bytes, "")), HasSubstr("distance symbol 30 is not used"));
}

TEST(Inflate, RefusesOverSubscribedDynamicCode) {
    // HLIT 257, HDIST 1, HCLEN 4: code-length code lengths for 16, 17, 18, 0
    // all 1 bit: four codes of one bit cannot exist.
    BitWriter w;
    w.number(1, 1);
    w.number(2, 2);
    w.number(0, 5);
    w.number(0, 5);
    w.number(0, 4);
    for (int k = 0; k < 4; ++k) w.number(1, 3);
    EXPECT_THAT(inflate_error(zlib_wrap(w.bytes, "")), HasSubstr("code-length code lengths are over-subscribed"));
}

TEST(Inflate, RefusesDynamicBlockWithoutEndOfBlock) {
    // Code-length code: symbols 0 and 18 of 1 bit each. Lengths: 18 (138
    // zeros) + 18 (119 zeros) = 257 literal/length lengths, all zero; then
    // 1 distance length given as 0.
    BitWriter w;
    w.number(1, 1);
    w.number(2, 2);
    w.number(0, 5);   // HLIT = 257
    w.number(0, 5);   // HDIST = 1
    w.number(0, 4);   // HCLEN = 4: 16, 17, 18, 0
    w.number(0, 3);   // 16: unused
    w.number(0, 3);   // 17: unused
    w.number(1, 3);   // 18: 1 bit, code 1
    w.number(1, 3);   // 0: 1 bit, code 0
    w.code(1, 1);
    w.number(127, 7);  // 18: 11 + 127 = 138 zeros
    w.code(1, 1);
    w.number(108, 7);  // 18: 11 + 108 = 119 zeros
    w.code(0, 1);      // one 0 for the distance code
    EXPECT_THAT(inflate_error(zlib_wrap(w.bytes, "")), HasSubstr("no code for end-of-block"));
}

TEST(Inflate, RefusesOutputBeyondTheLimit) {
    EXPECT_THAT(inflate_error(zlib_wrap(stored("hello"), "hello"), 4), HasSubstr("decompresses to more than 4 bytes"));
    EXPECT_EQ(inflate_text(zlib_wrap(stored("hello"), "hello"), 5), "hello");
}

// ---- PNG decoding ----

TEST(PngDecode, RoundTripThroughOurWriter) {
    for (int channels : {1, 3}) {
        tools::io::Image image;
        image.width = 300;  // wider than one stored block of 65,535 bytes across rows
        image.height = 90;
        image.channels = channels;
        for (int k = 0; k < image.width * image.height * channels; ++k)
            image.pixels.push_back(static_cast<std::uint8_t>((k * 7) % 251));
        tools::io::PngPixels p = tools::io::decode_png(tools::io::encode_png(image), "ours.png");
        EXPECT_EQ(p.width, 300);
        EXPECT_EQ(p.height, 90);
        EXPECT_EQ(p.channels, channels);
        EXPECT_EQ(p.max_value, 255);
        ASSERT_EQ(p.samples.size(), image.pixels.size());
        for (std::size_t k = 0; k < p.samples.size(); ++k) ASSERT_EQ(p.samples[k], image.pixels[k]) << "sample " << k;
    }
}

TEST(PngDecode, EveryFilterAndIdatInPieces) {
    expect_formula(tools::io::decode_png(read_fixture("grey8_filters.png"), "grey8_filters.png"), 9, 6, 1, 8);
}

TEST(PngDecode, BitDepths) {
    expect_formula(tools::io::decode_png(read_fixture("grey16.png"), "grey16.png"), 5, 4, 1, 16);
    expect_formula(tools::io::decode_png(read_fixture("grey1.png"), "grey1.png"), 13, 3, 1, 1);
}

TEST(PngDecode, ColourTypes) {
    expect_formula(tools::io::decode_png(read_fixture("ga8.png"), "ga8.png"), 6, 3, 2, 8);
    expect_formula(tools::io::decode_png(read_fixture("rgb8_fixed.png"), "rgb8_fixed.png"), 7, 5, 3, 8);
    expect_formula(tools::io::decode_png(read_fixture("rgb8_40x30.png"), "rgb8_40x30.png"), 40, 30, 3, 8);
}

TEST(PngDecode, Adam7Interlacing) {
    expect_formula(tools::io::decode_png(read_fixture("rgba16_adam7.png"), "rgba16_adam7.png"), 11, 9, 4, 16);
    expect_formula(tools::io::decode_png(read_fixture("grey4_adam7.png"), "grey4_adam7.png"), 10, 9, 1, 4);
    expect_formula(tools::io::decode_png(read_fixture("rgba8_adam7_1px.png"), "rgba8_adam7_1px.png"), 1, 1, 4, 8);
}

TEST(PngDecode, PaletteWithTransparency) {
    tools::io::PngPixels p = tools::io::decode_png(read_fixture("palette2_trns.png"), "palette2_trns.png");
    const std::uint16_t palette[3][4] = {{10, 20, 30, 0}, {200, 100, 50, 128}, {0, 255, 128, 255}};
    ASSERT_EQ(p.channels, 4);
    ASSERT_EQ(p.max_value, 255);
    ASSERT_EQ(p.samples.size(), 6u * 5u * 4u);
    for (int y = 0; y < 5; ++y)
        for (int x = 0; x < 6; ++x)
            for (int c = 0; c < 4; ++c)
                EXPECT_EQ(p.samples[static_cast<std::size_t>((y * 6 + x) * 4 + c)], palette[(x + 2 * y) % 3][c]);
}

TEST(PngDecode, RefusesCorruptImageDataWithFileOffset) {
    std::string png = read_fixture("grey8_filters.png");
    // The first IDAT follows the signature, IHDR (25 bytes) and tEXt (12 + 36).
    const std::size_t idat = 8 + 25 + 48;
    ASSERT_EQ(png.substr(idat + 4, 4), "IDAT");
    png[idat + 8] = 0x77;  // CMF: compression method 7
    fix_crc(png, idat);
    EXPECT_EQ(decode_error(png), "bad.png: byte " + std::to_string(idat + 8) +
                                     ": image data: compression method 7 (only 8, deflate)");
}

TEST(PngDecode, RefusesUnknownFilterType) {
    tools::io::Image image;
    image.width = 2;
    image.height = 2;
    image.pixels = {1, 2, 3, 4};
    std::string png = tools::io::encode_png(image);
    // The stored block's bytes: 78 01, 01 LEN NLEN, then row 0's filter byte.
    const std::size_t idat = 8 + 25;
    png[idat + 8 + 7] = 5;
    // The Adler-32 covers the raw bytes: recompute it, then the CRC.
    std::vector<std::uint8_t> raw = {5, 1, 2, 0, 3, 4};
    std::uint32_t a = tools::io::adler32(raw.data(), raw.size());
    for (int k = 0; k < 4; ++k) png[idat + 8 + 13 + k] = static_cast<char>(a >> (24 - 8 * k));
    fix_crc(png, idat);
    EXPECT_THAT(decode_error(png), HasSubstr("decompressed row 0 has filter type 5 (known: 0 to 4)"));
}

TEST(PngDecode, RefusesTooLittleOrTooMuchData) {
    tools::io::Image image;
    image.width = 3;
    image.height = 2;
    image.pixels = {1, 2, 3, 4, 5, 6};
    std::string png = tools::io::encode_png(image);
    std::string taller = png;
    taller[8 + 8 + 7] = 3;  // IHDR height 3: one row short
    fix_crc(taller, 8);
    EXPECT_THAT(decode_error(taller), HasSubstr("image data holds 8 bytes, a 3x3 image needs 12"));
    std::string shorter = png;
    shorter[8 + 8 + 7] = 1;  // IHDR height 1: one row too many
    fix_crc(shorter, 8);
    EXPECT_THAT(decode_error(shorter), HasSubstr("more image data than the 4 bytes a 3x1 image needs"));
}

TEST(PngDecode, RefusesHugeImageBeforeAllocating) {
    tools::io::Image image;
    image.width = 1;
    image.height = 1;
    image.pixels = {0};
    std::string png = tools::io::encode_png(image);
    png[8 + 8] = 0x01;  // width 0x01000001 = 2^24 + 1 pixels
    fix_crc(png, 8);
    EXPECT_EQ(decode_error(png), "bad.png: byte 16: image of 16777217x1 pixels is larger than the 16777216 accepted");
}

TEST(PngDecode, RefusesBadStructureAndPalette) {
    EXPECT_THAT(decode_error("GIF89a"), HasSubstr("bad.png: byte 0: not a PNG file"));
    std::string png = read_fixture("palette2_trns.png");
    std::string cut = png.substr(0, png.size() - 20);
    EXPECT_THAT(decode_error(cut), HasSubstr("bad.png: byte"));
    // Drop the PLTE chunk: signature, IHDR, tEXt (48), then PLTE (12 + 9).
    const std::size_t plte = 8 + 25 + 48;
    ASSERT_EQ(png.substr(plte + 4, 4), "PLTE");
    std::string no_palette = png.substr(0, plte) + png.substr(plte + 21);
    EXPECT_THAT(decode_error(no_palette), HasSubstr("palette image without a PLTE chunk"));
    // A palette of two entries: index 2 is out of range.
    std::string short_palette = png;
    short_palette[plte + 3] = 6;
    short_palette.erase(plte + 8 + 6, 3);
    fix_crc(short_palette, plte);
    EXPECT_THAT(decode_error(short_palette), HasSubstr("uses palette entry 2 of 2"));
}
