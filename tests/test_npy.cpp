// tools::io::read_npy / write_npy / encode_npy: round trips, the exact bytes
// written, '<f8' and format 2.0/3.0 input built by hand, and every kind of
// malformed file refused with a message naming the file and the byte offset.
#include "tools/io/npy.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include "tests/test_util.hpp"

namespace fs = std::filesystem;
using testing::HasSubstr;
using testutil::read_file;
using testutil::sorted_names;
using testutil::throws_with;

namespace {

// Little-endian bytes of a float / double.
std::string f4_bytes(const std::vector<float>& values) {
    std::string out;
    for (float v : values) {
        std::uint32_t bits;
        std::memcpy(&bits, &v, 4);
        for (int k = 0; k < 4; ++k) out += static_cast<char>((bits >> (8 * k)) & 0xff);
    }
    return out;
}

std::string f8_bytes(const std::vector<double>& values) {
    std::string out;
    for (double v : values) {
        std::uint64_t bits;
        std::memcpy(&bits, &v, 8);
        for (int k = 0; k < 8; ++k) out += static_cast<char>((bits >> (8 * k)) & 0xff);
    }
    return out;
}

// A .npy file by hand: magic, version major.0, header length (2 bytes for
// 1.0, 4 otherwise), the header dict exactly as given, then the data.
std::string npy(int major, const std::string& dict, const std::string& data) {
    std::string out = std::string("\x93NUMPY", 6) + static_cast<char>(major) + '\0';
    const std::size_t n = dict.size();
    for (int k = 0; k < (major == 1 ? 2 : 4); ++k) out += static_cast<char>((n >> (8 * k)) & 0xff);
    return out + dict + data;
}

// Offset of the header in a format 1.0 file (2.0/3.0: 12).
const std::size_t kHeader1 = 10;

class Npy : public testing::Test {
protected:
    void SetUp() override {
        dir = testutil::make_temp_folder("npy");
        ASSERT_FALSE(dir.empty());
    }
    void TearDown() override { fs::remove_all(dir); }

    std::string path(const std::string& name) const { return (dir / name).string(); }

    std::string put(const std::string& name, const std::string& bytes) const {
        testutil::write_file(path(name), bytes);
        return path(name);
    }

    // read_npy must throw std::runtime_error naming the file, the byte and @p what.
    void expect_refused(const std::string& bytes, std::size_t byte, const std::string& what) const {
        const std::string p = put("bad.npy", bytes);
        EXPECT_TRUE(throws_with<std::runtime_error>([&] { tools::io::read_npy(p); },
                                                    {"'" + p + "'", "byte " + std::to_string(byte) + ":", what}));
    }

    fs::path dir;
};

const std::string kDict23 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";

// ---- round trips and the bytes written ----

TEST_F(Npy, RoundTripFourD) {
    std::vector<float> values(2 * 3 * 2 * 1);
    for (std::size_t k = 0; k < values.size(); ++k) values[k] = 0.25f * static_cast<float>(k) - 1.0f;  // exact
    nn::Tensor t({2, 3, 2, 1}, values);
    tools::io::write_npy(path("t.npy"), t);
    nn::Tensor back = tools::io::read_npy(path("t.npy"));
    EXPECT_EQ(back.shape, (nn::Shape{2, 3, 2, 1}));
    EXPECT_EQ(back.data, values);  // bit copies of exactly representable values
    EXPECT_EQ(sorted_names(dir), std::vector<std::string>{"t.npy"});  // no temporary left
}

TEST_F(Npy, RoundTripZeroDOneDAndEmpty) {
    tools::io::write_npy(path("s.npy"), nn::Tensor(nn::Shape{}, std::vector<float>{-2.5f}));
    nn::Tensor s = tools::io::read_npy(path("s.npy"));
    EXPECT_EQ(s.shape, nn::Shape{});
    ASSERT_EQ(s.data.size(), 1u);
    EXPECT_EQ(s.data[0], -2.5f);

    tools::io::write_npy(path("v.npy"), nn::Tensor({3}, std::vector<float>{1.0f, 2.0f, 3.0f}));
    nn::Tensor v = tools::io::read_npy(path("v.npy"));
    EXPECT_EQ(v.shape, nn::Shape{3});
    EXPECT_EQ(v.data, (std::vector<float>{1.0f, 2.0f, 3.0f}));

    tools::io::write_npy(path("e.npy"), nn::Tensor({0, 3}));
    nn::Tensor e = tools::io::read_npy(path("e.npy"));
    EXPECT_EQ(e.shape, (nn::Shape{0, 3}));
    EXPECT_TRUE(e.data.empty());
}

TEST_F(Npy, WritesVersion1HeaderPaddedTo64Bytes) {
    const std::string bytes = tools::io::encode_npy(nn::Tensor({2, 3}, 1.0f));
    // 10 prefix bytes + 59 dict bytes + '\n' = 70 -> padded to 128 with 58 spaces.
    ASSERT_EQ(bytes.size(), 128u + 6 * 4);
    EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
    EXPECT_EQ(static_cast<unsigned char>(bytes[8]) + 256 * static_cast<unsigned char>(bytes[9]), 118);
    EXPECT_EQ(bytes.substr(10, kDict23.size()), kDict23);
    EXPECT_EQ(bytes.substr(10 + kDict23.size(), 58), std::string(58, ' '));
    EXPECT_EQ(bytes[127], '\n');
    EXPECT_EQ(bytes.substr(128), f4_bytes(std::vector<float>(6, 1.0f)));
}

TEST_F(Npy, WritesPythonTupleSpelling) {
    EXPECT_THAT(tools::io::encode_npy(nn::Tensor({4}, 0.0f)), HasSubstr("'shape': (4,), }"));
    EXPECT_THAT(tools::io::encode_npy(nn::Tensor(nn::Shape{}, 0.0f)), HasSubstr("'shape': (), }"));
    // Whatever the header's length, the '\n' ends it just before a multiple of 64.
    for (nn::Shape shape : {nn::Shape{}, nn::Shape{1}, nn::Shape{7, 5, 3, 2}, nn::Shape{0, 123456}, nn::Shape(20, 1)})
        EXPECT_EQ(tools::io::encode_npy(nn::Tensor(shape)).find('\n') % 64, 63u) << nn::shape_str(shape);
}

TEST_F(Npy, EncodeRefusesDataThatDoesNotMatchTheShape) {
    nn::Tensor t;
    t.shape = {2, 2};
    t.data = {1.0f, 2.0f, 3.0f};
    EXPECT_THROW(tools::io::encode_npy(t), std::invalid_argument);
    EXPECT_THROW(tools::io::write_npy(path("x.npy"), t), std::invalid_argument);
    EXPECT_TRUE(sorted_names(dir).empty());
}

TEST_F(Npy, ReadsFloat64AndRoundsToFloat) {
    const std::string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }";
    const std::vector<double> values = {1.5, -2.25, 0.1, 1e300};
    nn::Tensor t = tools::io::read_npy(put("d.npy", npy(1, dict, f8_bytes(values))));
    EXPECT_EQ(t.shape, (nn::Shape{2, 2}));
    EXPECT_EQ(t.data[0], 1.5f);
    EXPECT_EQ(t.data[1], -2.25f);
    EXPECT_FLOAT_EQ(t.data[2], 0.1f);
    EXPECT_TRUE(std::isinf(t.data[3]));  // beyond float's range
}

TEST_F(Npy, ReadsVersions2And3) {
    const std::vector<float> values = {1, 2, 3, 4, 5, 6};
    for (int major : {2, 3}) {
        nn::Tensor t = tools::io::read_npy(put("v.npy", npy(major, kDict23 + "   \n", f4_bytes(values))));
        EXPECT_EQ(t.shape, (nn::Shape{2, 3})) << "version " << major;
        EXPECT_EQ(t.data, values) << "version " << major;
    }
}

TEST_F(Npy, AcceptsOtherSpellingsOfTheSameHeader) {
    // Keys in another order, double quotes, no trailing comma, no padding,
    // Python 2's long integers, and (3) for a 1-tuple.
    const std::vector<float> six = {1, 2, 3, 4, 5, 6};
    const char* dicts[] = {
        "{\"shape\": (2, 3), \"fortran_order\": False, \"descr\": \"<f4\"}",
        "{'descr':'<f4','fortran_order':False,'shape':(2L, 3L)}\n",
        "  { 'descr' : '<f4' , 'fortran_order' : False , 'shape' : ( 2 , 3 , ) , }  \n",
    };
    for (const char* dict : dicts) {
        nn::Tensor t = tools::io::read_npy(put("h.npy", npy(1, dict, f4_bytes(six))));
        EXPECT_EQ(t.shape, (nn::Shape{2, 3})) << dict;
    }
    nn::Tensor v = tools::io::read_npy(
        put("h.npy", npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3)}", f4_bytes({1, 2, 3}))));
    EXPECT_EQ(v.shape, nn::Shape{3});
}

// ---- malformed files: message names the file, the byte and the problem ----

TEST_F(Npy, RefusesBadMagicAndVersion) {
    expect_refused("", 0, "empty");
    expect_refused("PK\x03\x04 not numpy at all", 0, "magic");
    expect_refused(std::string("\x93NUMPX\x01\x00", 8), 0, "magic");
    expect_refused(std::string("\x93NUM", 4), 4, "truncated");
    expect_refused(std::string("\x93NUMPY\x01", 7), 7, "truncated");
    std::string v4 = npy(1, kDict23, f4_bytes(std::vector<float>(6)));
    v4[6] = 4;
    expect_refused(v4, 6, "unknown format version 4.0");
    std::string v11 = npy(1, kDict23, f4_bytes(std::vector<float>(6)));
    v11[7] = 1;
    expect_refused(v11, 6, "unknown format version 1.1");
}

TEST_F(Npy, RefusesTruncatedHeaders) {
    expect_refused(std::string("\x93NUMPY\x01\x00\x40", 9), 9, "header length field");
    expect_refused(std::string("\x93NUMPY\x02\x00\x40\x00", 10), 10, "header length field");
    // The header claims 118 bytes but only 20 follow.
    std::string cut = tools::io::encode_npy(nn::Tensor({2, 3}, 1.0f)).substr(0, 30);
    expect_refused(cut, 8, "truncated header: the header length is 118 bytes but only 20 follow");
    // A length near 2^32 in a 2.0 file must be refused, not allocated.
    expect_refused(std::string("\x93NUMPY\x02\x00\xff\xff\xff\xff{}", 14), 8, "truncated header");
}

TEST_F(Npy, RefusesHeadersThatAreNotTheExpectedDict) {
    const std::string data = f4_bytes(std::vector<float>(6));
    expect_refused(npy(1, "[1, 2, 3]", data), kHeader1, "not a dict");
    expect_refused(npy(1, "{'descr': '<f4', 'fortran_order': False}", ""), kHeader1, "no 'shape' key");
    expect_refused(npy(1, "{'shape': (2, 3), 'fortran_order': False}", data), kHeader1, "no 'descr' key");
    expect_refused(npy(1, "{'descr': '<f4', 'shape': (2, 3)}", data), kHeader1, "no 'fortran_order' key");

    std::string d = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'extra': 1}";
    expect_refused(npy(1, d, data), kHeader1 + d.find("'extra'"), "unknown key 'extra'");
    d = "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}";
    expect_refused(npy(1, d, data), kHeader1 + d.rfind("'descr'"), "appears twice");
    d = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)";
    expect_refused(npy(1, d, data), kHeader1 + d.size(), "expected ',' or '}'");
    d = "{'descr': '<f4, 'fortran_order': False, 'shape': (2, 3)}";  // a quote is missing
    expect_refused(npy(1, d, data), kHeader1 + d.find("fortran"), "expected ',' or '}' after the value of 'descr'");
    d = "{'descr' '<f4', 'fortran_order': False, 'shape': (2, 3)}";
    expect_refused(npy(1, d, data), kHeader1 + d.find(" '<f4") + 1, "expected ':' after the key 'descr'");
    d = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'sh";
    expect_refused(npy(1, d, data), kHeader1 + d.rfind("'sh"), "unterminated string");
    d = "{'descr': '<f4', 'fortran_order': False, shape: (2, 3)}";
    expect_refused(npy(1, d, data), kHeader1 + d.find("shape"), "expected a quoted key or '}'");
    d = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)} junk";
    expect_refused(npy(1, d, data), kHeader1 + d.find("junk"), "unexpected text after the header dict");
    d = "{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 3)}";
    expect_refused(npy(1, d, data), kHeader1 + d.find("0,"), "True or False");
    d = "{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (2, 3)}";
    expect_refused(npy(1, d, data), kHeader1 + d.find("[("), "'descr' must be a quoted dtype string");
    d = "{'descr': '<f4', 'fortran_order': False, 'shape': [2, 3]}";
    expect_refused(npy(1, d, data), kHeader1 + d.find("[2"), "'shape' must be a tuple");
}

TEST_F(Npy, RefusesOtherDtypesNamingThem) {
    for (std::string dtype : {"<i4", ">f4", "<f2", "|u1", "<c8"}) {
        std::string d = "{'descr': '" + dtype + "', 'fortran_order': False, 'shape': (2, 3), }";
        expect_refused(npy(1, d, std::string(24, '\0')), kHeader1 + d.find("'" + dtype),
                       "dtype '" + dtype + "' is not supported (expected '<f4' or '<f8')");
    }
}

TEST_F(Npy, RefusesFortranOrder) {
    std::string d = "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }";
    expect_refused(npy(1, d, f4_bytes(std::vector<float>(6))), kHeader1 + d.find("True"), "fortran_order is True");
}

TEST_F(Npy, RefusesBadDimensions) {
    auto dict = [](const std::string& shape) {
        return "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
    };
    std::string d = dict("(2, -3)");
    expect_refused(npy(1, d, ""), kHeader1 + d.find("-3"), "negative dimension -3");
    d = dict("(2.5, 3)");
    expect_refused(npy(1, d, ""), kHeader1 + d.find("2.5"), "dimension '2.5' in 'shape' is not an integer");
    d = dict("(2, x)");
    expect_refused(npy(1, d, ""), kHeader1 + d.find("x)"), "dimension 'x' in 'shape' is not an integer");
    d = dict("(2, 3000000000)");
    expect_refused(npy(1, d, ""), kHeader1 + d.find("3000000000"), "too large");
    d = dict("(2147483647, 2147483647, 2147483647)");
    expect_refused(npy(1, d, ""), kHeader1 + d.find("(2147"), "overflows");
    d = dict("(2,, 3)");
    expect_refused(npy(1, d, ""), kHeader1 + d.find(", 3"), "expected a dimension");
}

TEST_F(Npy, RefusesDataShorterOrLongerThanTheShape) {
    const std::string good = npy(1, kDict23, f4_bytes(std::vector<float>(6)));
    const std::size_t data_at = kHeader1 + kDict23.size();
    // 5 of 6 floats: the complaint points at the end of the file.
    expect_refused(good.substr(0, good.size() - 4), good.size() - 4, "data truncated");
    expect_refused(good.substr(0, good.size() - 4), good.size() - 4, "needs 24 data bytes");
    // One extra byte: the complaint points at it.
    expect_refused(good + "x", data_at + 24, "data too long");
    // A '<f8' file with '<f4'-sized data.
    const std::string d8 = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }";
    expect_refused(npy(1, d8, f4_bytes(std::vector<float>(6))), kHeader1 + d8.size() + 24, "needs 48 data bytes");
    // A huge shape whose data is not there is refused before any allocation.
    const std::string big = "{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000, 100), }";
    expect_refused(npy(1, big, ""), kHeader1 + big.size(), "data truncated");
}

TEST_F(Npy, MissingFileAndFolderNameThePath) {
    const std::string missing = path("nope.npy");
    EXPECT_TRUE(
        throws_with<std::runtime_error>([&] { tools::io::read_npy(missing); }, {"'" + missing + "'", "cannot open"}));
    fs::create_directory(path("folder.npy"));
    EXPECT_TRUE(throws_with<std::runtime_error>([&] { tools::io::read_npy(path("folder.npy")); },
                                                {"'" + path("folder.npy") + "'"}));
}

TEST_F(Npy, FailedWriteLeavesNoFileOrTemporary) {
    const std::string target = path("missing_folder/out.npy");
    EXPECT_TRUE(throws_with<std::runtime_error>([&] { tools::io::write_npy(target, nn::Tensor({2, 2}, 1.0f)); },
                                                {"'" + target + "'"}));
    fs::create_directory(path("taken.npy"));  // the target is a folder
    EXPECT_THROW(tools::io::write_npy(path("taken.npy"), nn::Tensor({2, 2}, 1.0f)), std::runtime_error);
    EXPECT_EQ(sorted_names(dir), std::vector<std::string>{"taken.npy"});
    EXPECT_TRUE(fs::is_empty(path("taken.npy")));
}

TEST_F(Npy, FailedWriteKeepsTheOldFile) {
    tools::io::write_npy(path("z.npy"), nn::Tensor({3}, 7.0f));
    const std::string before = read_file(path("z.npy"));
    nn::Tensor bad;
    bad.shape = {3};  // no data
    EXPECT_THROW(tools::io::write_npy(path("z.npy"), bad), std::invalid_argument);
    EXPECT_EQ(read_file(path("z.npy")), before);
    EXPECT_EQ(sorted_names(dir), std::vector<std::string>{"z.npy"});
}

// ---- streams, folders, and what a message may echo (issue 15) ----

// Reads @p bytes through a pipe (/dev/fd/N), as from a stream that has no size.
nn::Tensor read_through_pipe(const std::string& bytes) {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
    // The pipe's buffer (64 KiB on Linux) holds these small files whole.
    const bool written = write(fds[1], bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
    close(fds[1]);
    try {
        if (!written) throw std::runtime_error("write to the pipe failed");
        nn::Tensor t = tools::io::read_npy("/dev/fd/" + std::to_string(fds[0]));
        close(fds[0]);
        return t;
    } catch (...) {
        close(fds[0]);
        throw;
    }
}

TEST_F(Npy, AFolderSaysItIsAFolder) {
    fs::create_directory(path("folder.npy"));
    // Before: "read error" (Linux opens a folder and fails at the first read).
    EXPECT_TRUE(throws_with<std::runtime_error>([&] { tools::io::read_npy(path("folder.npy")); },
                                                {"'" + path("folder.npy") + "'", "is a directory"}));
}

TEST_F(Npy, AnEndlessStreamIsRefusedAfterItsFirstBytes) {
    // Before: the whole stream was read before the magic string was checked.
    EXPECT_TRUE(throws_with<std::runtime_error>([&] { tools::io::read_npy("/dev/zero"); },
                                                {"'/dev/zero'", "byte 0:", "bad magic string"}));
}

TEST_F(Npy, StreamsAreReadExactlyAsTheHeaderSays) {
    const nn::Tensor t = read_through_pipe(npy(1, kDict23, f4_bytes({1, 2, 3, 4, 5, 6})));
    EXPECT_EQ(t.shape, (nn::Shape{2, 3}));
    EXPECT_EQ(t.data, (std::vector<float>{1, 2, 3, 4, 5, 6}));
    const std::size_t data_at = kHeader1 + kDict23.size();
    EXPECT_TRUE(throws_with<std::runtime_error>(
        [&] { read_through_pipe(npy(1, kDict23, f4_bytes({1, 2, 3, 4, 5}))); },
        {"byte " + std::to_string(data_at + 20) + ":", "data truncated", "holds only 20"}));
    EXPECT_TRUE(throws_with<std::runtime_error>(
        [&] { read_through_pipe(npy(1, kDict23, f4_bytes({1, 2, 3, 4, 5, 6, 7}))); },
        {"byte " + std::to_string(data_at + 24) + ":", "data too long"}));
    // A format 2.0 length of 4 GiB from a stream is refused without reading it.
    std::string huge = std::string("\x93NUMPY\x02\x00\xff\xff\xff\xff", 12) + "{";
    EXPECT_TRUE(throws_with<std::runtime_error>([&] { read_through_pipe(huge); },
                                                {"byte 8:", "header length 4294967295", "larger than"}));
}

TEST_F(Npy, ZeroElementShapesWithHugeExtentsAreRead) {
    // Before: (big, big, big, 0) was refused as overflowing before the 0 was seen.
    for (const std::string shape : {"(2147483647, 0)", "(2147483647, 2147483647, 2147483647, 0)"}) {
        const nn::Tensor t =
            tools::io::read_npy(put("e.npy", npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }", "")));
        EXPECT_EQ(t.size(), 0u) << shape;
        EXPECT_EQ(t.shape.back(), 0) << shape;
    }
}

TEST_F(Npy, ControlBytesAndLongTokensAreEscapedAndCut) {
    const std::string d = "{'descr\x1b[2J': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    std::string msg = testutil::error_message<std::runtime_error>([&] { tools::io::read_npy(put("c.npy", npy(1, d, ""))); });
    EXPECT_THAT(msg, HasSubstr("unknown key 'descr\\x1b[2J'"));
    EXPECT_EQ(msg.find('\x1b'), std::string::npos);
    const std::string token(5000, '7');
    const std::string l = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + token + "x,), }";
    msg = testutil::error_message<std::runtime_error>([&] { tools::io::read_npy(put("l.npy", npy(1, l, ""))); });
    EXPECT_THAT(msg, HasSubstr("(5001 bytes)"));
    EXPECT_LT(msg.size(), 400u);
}

}  // namespace
