// Tests for tools/io/png (checksums, the stored-deflate writer, the chunk
// checker) and tools/io/svg (escaping, base64, charts, the XML checker).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "tools/io/crc32.hpp"
#include "tools/io/png.hpp"
#include "tools/io/svg.hpp"

using ::testing::HasSubstr;

namespace {

std::uint32_t crc_of(const std::string& s) {
    return tools::io::crc32(s.data(), s.size());
}

std::uint32_t u32_at(const std::string& s, std::size_t at) {
    std::uint32_t v = 0;
    for (int k = 0; k < 4; ++k) v = v << 8 | static_cast<std::uint8_t>(s[at + k]);
    return v;
}

// Undoes encode_png for a single-IDAT file of stored blocks: returns the raw
// scanlines (filter byte + samples per row), checking LEN/NLEN and Adler-32.
std::vector<std::uint8_t> inflate_stored_idat(const std::string& png) {
    std::size_t at = 8 + 12 + 13;  // signature, then the whole IHDR chunk
    EXPECT_EQ(png.substr(at + 4, 4), "IDAT");
    std::uint32_t length = u32_at(png, at);
    std::string z = png.substr(at + 8, length);
    EXPECT_EQ(static_cast<std::uint8_t>(z[0]), 0x78);
    EXPECT_EQ((static_cast<std::uint8_t>(z[0]) * 256 + static_cast<std::uint8_t>(z[1])) % 31, 0);
    std::vector<std::uint8_t> raw;
    std::size_t k = 2;
    for (;;) {
        bool final = z[k] & 1;
        EXPECT_EQ(z[k] & 6, 0) << "BTYPE must be 00 (stored)";
        unsigned len = static_cast<std::uint8_t>(z[k + 1]) | static_cast<std::uint8_t>(z[k + 2]) << 8;
        unsigned nlen = static_cast<std::uint8_t>(z[k + 3]) | static_cast<std::uint8_t>(z[k + 4]) << 8;
        EXPECT_EQ(len ^ 0xffffu, nlen);
        raw.insert(raw.end(), z.begin() + static_cast<std::ptrdiff_t>(k + 5),
                   z.begin() + static_cast<std::ptrdiff_t>(k + 5 + len));
        k += 5 + len;
        if (final) break;
    }
    EXPECT_EQ(u32_at(z, k), tools::io::adler32(raw.data(), raw.size()));
    EXPECT_EQ(k + 4, z.size());
    return raw;
}

std::string png_error(const std::string& bytes) {
    try {
        tools::io::check_png(bytes, "f.png");
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "(no exception)";
}

std::string svg_error(const std::string& text) {
    try {
        tools::io::check_svg(text, "f.svg");
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "(no exception)";
}

}  // namespace

TEST(Checksums, KnownValues) {
    // The standard check value of CRC-32 ("123456789") and the CRC every PNG's IEND carries.
    EXPECT_EQ(crc_of("123456789"), 0xCBF43926u);
    EXPECT_EQ(crc_of("IEND"), 0xAE426082u);
    // Continuing a CRC over a second piece equals one pass over both.
    const std::string tail = "56789";
    EXPECT_EQ(tools::io::crc32(tail.data(), tail.size(), crc_of("1234")), 0xCBF43926u);
    // Adler-32 of "Wikipedia": a = 1 + sum = 920 = 0x398, b = 4582 = 0x11E6.
    const std::string w = "Wikipedia";
    EXPECT_EQ(tools::io::adler32(reinterpret_cast<const std::uint8_t*>(w.data()), w.size()), 0x11E60398u);
    EXPECT_EQ(tools::io::adler32(nullptr, 0), 1u);
}

TEST(EncodePng, SmallGreyImageLayout) {
    tools::io::Image image{3, 2, 1, {0, 128, 255, 10, 20, 30}};
    std::string png = tools::io::encode_png(image);
    EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
    EXPECT_EQ(u32_at(png, 8), 13u);
    EXPECT_EQ(png.substr(12, 4), "IHDR");
    EXPECT_EQ(u32_at(png, 16), 3u);  // width
    EXPECT_EQ(u32_at(png, 20), 2u);  // height
    EXPECT_EQ(png[24], 8);           // bit depth
    EXPECT_EQ(png[25], 0);           // grey
    // The last 12 bytes are the empty IEND chunk with its fixed CRC.
    EXPECT_EQ(png.substr(png.size() - 12), std::string("\0\0\0\0IEND\xAE\x42\x60\x82", 12));
    std::vector<std::uint8_t> raw = inflate_stored_idat(png);
    std::vector<std::uint8_t> expected = {0, 0, 128, 255, 0, 10, 20, 30};  // a filter byte 0 before each row
    EXPECT_EQ(raw, expected);
    tools::io::PngInfo info = tools::io::check_png(png, "small.png");
    EXPECT_EQ(info.width, 3);
    EXPECT_EQ(info.height, 2);
    EXPECT_EQ(info.bit_depth, 8);
    EXPECT_EQ(info.color_type, 0);
    EXPECT_EQ(info.chunks, 3);
}

TEST(EncodePng, LargeRgbImageSpansSeveralStoredBlocks) {
    // 200 x 150 RGB: 150 * (1 + 600) = 90,150 raw bytes, more than one 65,535-byte block.
    tools::io::Image image{200, 150, 3, {}};
    for (int i = 0; i < 200 * 150 * 3; ++i) image.pixels.push_back(static_cast<std::uint8_t>(i * 7));
    std::string png = tools::io::encode_png(image);
    std::vector<std::uint8_t> raw = inflate_stored_idat(png);
    ASSERT_EQ(raw.size(), 150u * 601u);
    EXPECT_EQ(raw[0], 0);
    EXPECT_EQ(raw[1], image.pixels[0]);
    EXPECT_EQ(raw[601], 0);
    EXPECT_EQ(raw[602], image.pixels[600]);
    EXPECT_EQ(raw.back(), image.pixels.back());
    EXPECT_EQ(tools::io::check_png(png, "big.png").color_type, 2);
}

TEST(EncodePng, RejectsBadImages) {
    try {
        tools::io::encode_png(tools::io::Image{2, 2, 2, std::vector<std::uint8_t>(8)});
        ADD_FAILURE() << "no exception";
    } catch (const std::invalid_argument& e) {
        EXPECT_THAT(e.what(), HasSubstr("1 or 3 channels, got 2x2x2"));
    }
    try {
        tools::io::encode_png(tools::io::Image{2, 2, 1, std::vector<std::uint8_t>(3)});
        ADD_FAILURE() << "no exception";
    } catch (const std::invalid_argument& e) {
        EXPECT_THAT(e.what(), HasSubstr("pixels holds 3 samples, expected 4"));
    }
}

TEST(CheckPng, FindsEachKindOfDamage) {
    std::string good = tools::io::encode_png(tools::io::Image{2, 2, 1, {1, 2, 3, 4}});
    EXPECT_THAT(png_error("GIF89a"), HasSubstr("f.png: byte 0: not a PNG file"));
    std::string flipped = good;
    flipped[45] ^= 0x01;  // inside the IDAT data (it starts at byte 8 + 25 + 8 = 41): its CRC no longer matches
    EXPECT_THAT(png_error(flipped), HasSubstr("IDAT chunk CRC mismatch"));
    EXPECT_THAT(png_error(good.substr(0, good.size() - 12)), HasSubstr("no IEND chunk"));
    EXPECT_THAT(png_error(good.substr(0, good.size() - 3)), HasSubstr("truncated chunk header"));
    EXPECT_THAT(png_error(good + "x"), HasSubstr("data after the IEND chunk"));
    // The IEND chunk alone after the signature: the first chunk is not IHDR.
    EXPECT_THAT(png_error(good.substr(0, 8) + good.substr(good.size() - 12)),
                HasSubstr("byte 8: the first chunk must be a 13-byte IHDR, got IEND"));
    // A huge declared length is caught before any read past the end.
    std::string long_chunk = good;
    long_chunk[8 + 12 + 13] = 0x10;  // IDAT length's top byte
    EXPECT_THAT(png_error(long_chunk), HasSubstr("runs past the end of the file"));
}

TEST(Svg, EscapingBase64AndNumbers) {
    EXPECT_EQ(tools::io::xml_escape("a < b & \"c\" > 'd'"), "a &lt; b &amp; &quot;c&quot; &gt; &apos;d&apos;");
    // RFC 4648 test vectors.
    EXPECT_EQ(tools::io::base64(""), "");
    EXPECT_EQ(tools::io::base64("f"), "Zg==");
    EXPECT_EQ(tools::io::base64("fo"), "Zm8=");
    EXPECT_EQ(tools::io::base64("foo"), "Zm9v");
    EXPECT_EQ(tools::io::base64("foobar"), "Zm9vYmFy");
    EXPECT_EQ(tools::io::base64(std::string("\xff\x00", 2)), "/wA=");
    EXPECT_EQ(tools::io::fixed(12.5, 2), "12.50");
    EXPECT_EQ(tools::io::fixed(-0.125, 1), "-0.1");
    EXPECT_EQ(tools::io::fixed(-1e-12, 1), "0.0");  // never "-0.0" on an axis
}

TEST(Svg, DocumentsAreWellFormed) {
    tools::io::Svg svg(100, 50);
    svg.text(10, 20, "error < 5% & \"fast\"");
    svg.line(0, 0, 100, 50, "#000", 1.0, true);
    svg.polyline({0, 10, 20}, {5, 6, 7}, "red");
    svg.polygon({0, 10, 5}, {0, 0, 8}, "#abc", "#000");
    svg.png(0, 0, 10, 10, tools::io::encode_png(tools::io::Image{1, 1, 1, {255}}));
    std::string text = svg.str();
    EXPECT_THAT(text, HasSubstr("error &lt; 5% &amp; &quot;fast&quot;"));
    EXPECT_THAT(text, HasSubstr("href=\"data:image/png;base64,iVBORw0KGgo"));
    EXPECT_THAT(text, HasSubstr("<polygon fill=\"#abc\" stroke=\"#000\" stroke-linejoin=\"round\" points=\"0,0 10,0 5,8\"/>"));
    // svg, the background rect, text, line, polyline, polygon, image.
    EXPECT_EQ(tools::io::check_svg(text, "doc.svg"), 7);
}

TEST(Svg, LineAndBarChartsAreWellFormed) {
    tools::io::LineChart chart;
    chart.title = "Training error";
    chart.x_label = "epochs";
    chart.y_label = "error (%)";
    chart.series = {{"ReLU", {0, 1, 2}, {50, 10, 5}, "#d62728", false},
                    {"tanh", {0, 1, 2}, {60, 30, 12}, "#1f77b4", true}};
    chart.levels = {{25, "25%"}};
    std::string line = tools::io::line_chart(chart);
    EXPECT_GT(tools::io::check_svg(line, "line.svg"), 10);
    EXPECT_THAT(line, HasSubstr(">ReLU</text>"));
    EXPECT_THAT(line, HasSubstr(">25%</text>"));

    tools::io::BarChart bars;
    bars.title = "Ablation";
    bars.y_label = "validation error (%)";
    bars.groups = {"pooling", "LRN"};
    bars.bars = {{{"2x2/2", 1.2, 1.1, 1.3, "#888"}, {"3x3/2", 1.1, 1.0, 1.2, "#d62728"}},
                 {{"off", 1.0, 0, 0, "#888"}, {"on", 0.9, 0, 0, "#d62728"}}};
    std::string bar = tools::io::bar_chart(bars);
    EXPECT_GT(tools::io::check_svg(bar, "bar.svg"), 10);
    EXPECT_THAT(bar, HasSubstr(">1.20</text>"));
}

TEST(Svg, ChartsRejectInconsistentData) {
    tools::io::LineChart chart;
    chart.series = {{"bad", {0, 1}, {1}, "#000", false}};
    EXPECT_THROW(tools::io::line_chart(chart), std::invalid_argument);
    tools::io::BarChart bars;
    bars.groups = {"a", "b"};
    bars.bars = {{{"x", 1, 0, 0, "#000"}}};
    EXPECT_THROW(tools::io::bar_chart(bars), std::invalid_argument);
}

TEST(CheckSvg, AcceptsWhatXmlAllows) {
    EXPECT_EQ(tools::io::check_svg("<svg/>", "a"), 1);
    EXPECT_EQ(tools::io::check_svg("<?xml version='1.0'?>\n<!-- c --><svg a='1' b=\"&#38;&#x26;\"><g><![CDATA[<x>]]></g>"
                                   "<?pi ?></svg>\n",
                                   "b"),
              2);
}

TEST(CheckSvg, RejectsMalformedDocuments) {
    EXPECT_THAT(svg_error("<svg><g></svg>"), HasSubstr("</svg> closes <g>"));
    EXPECT_THAT(svg_error("<html></html>"), HasSubstr("f.svg: byte 0: the root element is <html>, not <svg>"));
    EXPECT_THAT(svg_error("<svg a=1/>"), HasSubstr("attribute a is not quoted"));
    EXPECT_THAT(svg_error("<svg a='1'a='2'/>"), HasSubstr("expected white space before an attribute"));
    EXPECT_THAT(svg_error("<svg a='1' a='2'/>"), HasSubstr("duplicate attribute a"));
    EXPECT_THAT(svg_error("<svg>&nbsp;</svg>"), HasSubstr("unknown entity &nbsp;"));
    EXPECT_THAT(svg_error("<svg/><svg/>"), HasSubstr("byte 6: content after the root element"));
    EXPECT_THAT(svg_error("<svg><g>"), HasSubstr("missing </g>"));
    EXPECT_THAT(svg_error(""), HasSubstr("expected the root element"));
}
