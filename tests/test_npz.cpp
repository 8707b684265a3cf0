// tools/io/npz: the byte layout of what it writes (hand-computed offsets),
// round trips, a file numpy.savez wrote (tests/fixtures/npz/, made by
// make_npz_fixtures.py), every refusal with its byte offset, and, where
// Debian's python3-numpy is installed, numpy reading our file and our reader
// reading a file numpy writes now.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/test_util.hpp"
#include "tools/io/crc32.hpp"
#include "tools/io/npy.hpp"
#include "tools/io/npz.hpp"
#include "tools/io/weights.hpp"

namespace fs = std::filesystem;
using testutil::read_file;
using testutil::throws_with;
using testutil::write_file;
using tools::io::NamedTensor;

namespace {

std::uint32_t le(const std::string& s, std::size_t at, int n) {
    std::uint32_t v = 0;
    for (int k = n - 1; k >= 0; --k) v = (v << 8) | static_cast<unsigned char>(s[at + static_cast<std::size_t>(k)]);
    return v;
}
void set_le(std::string& s, std::size_t at, int n, std::uint32_t v) {
    for (int k = 0; k < n; ++k) s[at + static_cast<std::size_t>(k)] = static_cast<char>((v >> (8 * k)) & 0xff);
}

std::vector<NamedTensor> two_arrays() {
    return {{"conv2d/kernel", nn::Tensor({1, 2, 3}, {-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f})},
            {"conv2d/bias", nn::Tensor({2}, {0.5f, -1.25f})}};
}

// The fixture folder next to this source (see test_golden.cpp for why the search).
fs::path npz_fixture(const std::string& name) {
    const fs::path rel = fs::path(__FILE__).parent_path() / "fixtures" / "npz" / name;
    for (fs::path dir = fs::current_path(); !dir.empty(); dir = dir.parent_path()) {
        if (fs::exists(dir / rel)) return dir / rel;
        if (dir == dir.root_path()) break;
    }
    return rel;
}

// Expects decode_npz to refuse @p bytes with a message holding each of @p parts.
testing::AssertionResult refused(const std::string& bytes, const std::vector<std::string>& parts) {
    std::vector<std::string> all = {"crafted.npz: byte "};
    all.insert(all.end(), parts.begin(), parts.end());
    return throws_with<std::runtime_error>([&] { tools::io::decode_npz(bytes, "crafted.npz"); }, all);
}

// Debian's python3 with numpy, or "" (pyenv's python3 on PATH may lack it).
std::string python_with_numpy() {
    for (const char* py : {"/usr/bin/python3", "python3"})
        if (std::system((std::string(py) + " -c 'import numpy' >/dev/null 2>&1").c_str()) == 0) return py;
    return "";
}

}  // namespace

TEST(Npz, TheLayoutIsAStoredZipOfNpyFiles) {
    const nn::Tensor bias({2}, {1.5f, -2.0f});
    const std::string npy = tools::io::encode_npy(bias);  // 128-byte header (69 padded to 64s) + 8 bytes of values
    ASSERT_EQ(npy.size(), 136u);
    const std::string zip = tools::io::encode_npz({{"a/bias", bias}});
    // local header 30 + "a/bias.npy" 10 + 136 data = 176; central record 46 + 10 = 56; end record 22
    ASSERT_EQ(zip.size(), 176u + 56u + 22u);
    EXPECT_EQ(le(zip, 0, 4), 0x04034b50u);
    EXPECT_EQ(le(zip, 8, 2), 0u);  // stored
    EXPECT_EQ(le(zip, 14, 4), tools::io::crc32(npy.data(), npy.size()));
    EXPECT_EQ(le(zip, 18, 4), 136u);
    EXPECT_EQ(le(zip, 22, 4), 136u);
    EXPECT_EQ(zip.substr(30, 10), "a/bias.npy");
    EXPECT_EQ(zip.substr(40, 136), npy);
    EXPECT_EQ(le(zip, 176, 4), 0x02014b50u);
    EXPECT_EQ(le(zip, 176 + 42, 4), 0u);  // the local header's offset
    EXPECT_EQ(le(zip, 232, 4), 0x06054b50u);
    EXPECT_EQ(le(zip, 232 + 10, 2), 1u);    // entries
    EXPECT_EQ(le(zip, 232 + 12, 4), 56u);   // directory size
    EXPECT_EQ(le(zip, 232 + 16, 4), 176u);  // directory offset
}

TEST(Npz, RoundTripKeepsNamesOrderShapesAndBits) {
    std::vector<NamedTensor> arrays = two_arrays();
    arrays.push_back({"scalar", nn::Tensor(nn::Shape{}, {7.0f})});
    arrays.push_back({"empty", nn::Tensor({0, 3})});
    const std::vector<NamedTensor> back = tools::io::decode_npz(tools::io::encode_npz(arrays), "mem");
    ASSERT_EQ(back.size(), arrays.size());
    for (std::size_t k = 0; k < arrays.size(); ++k) {
        EXPECT_EQ(back[k].name, arrays[k].name);
        EXPECT_TRUE(testutil::identical(back[k].value, arrays[k].value)) << arrays[k].name;
    }
}

TEST(Npz, WriteIsAtomicAndReadNamesTheFile) {
    const fs::path dir = testutil::make_temp_folder("npz");
    ASSERT_FALSE(dir.empty());
    const std::string path = (dir / "w.npz").string();
    tools::io::write_npz(path, two_arrays());
    EXPECT_EQ(testutil::sorted_names(dir), (std::vector<std::string>{"w.npz"}));
    EXPECT_EQ(tools::io::read_npz(path).size(), 2u);
    EXPECT_TRUE(throws_with<std::runtime_error>([&] { tools::io::read_npz(dir.string()); }, {dir.string(), "folder"}));
    EXPECT_TRUE(throws_with<std::runtime_error>([&] { tools::io::read_npz(path + "x"); }, {path + "x", "cannot open"}));
    fs::remove_all(dir);
}

TEST(Npz, EncodeRefusesEmptyAndRepeatedNames) {
    EXPECT_TRUE(throws_with([] { tools::io::encode_npz({{"", nn::Tensor({1})}}); }, {"encode_npz", "name"}));
    EXPECT_TRUE(throws_with([] { tools::io::encode_npz({{"w", nn::Tensor({1})}, {"w", nn::Tensor({2})}}); },
                            {"encode_npz", "'w' appears twice"}));
}

// The longest name zip can hold ("<name>.npy" in 65,535 bytes) is written and
// read back: the reader accepts such names, so the writer must too (it
// stopped at 65,000 before, and the fuzz harness's round trip would abort).
TEST(Npz, TheLongestNameZipAllowsRoundTrips) {
    const std::string longest(65531, 'w');
    const std::vector<NamedTensor> back =
        tools::io::decode_npz(tools::io::encode_npz({{longest, nn::Tensor({1}, {1.0f})}}), "mem");
    ASSERT_EQ(back.size(), 1u);
    EXPECT_EQ(back[0].name, longest);
    EXPECT_TRUE(throws_with([&] { tools::io::encode_npz({{longest + "w", nn::Tensor({1})}}); },
                            {"encode_npz", "1 to 65531 bytes, got 65532"}));
}

// Written by numpy 1.24's savez: a zip64 extra field in every local header,
// float64 and rank-0 entries. Values from make_npz_fixtures.py.
TEST(Npz, ReadsWhatNumpySavezWrote) {
    const std::vector<NamedTensor> got = tools::io::read_npz(npz_fixture("numpy_savez.npz").string());
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0].name, "conv2d/kernel");
    EXPECT_TRUE(testutil::identical(got[0].value, two_arrays()[0].value));
    EXPECT_EQ(got[1].name, "conv2d/bias");
    EXPECT_TRUE(testutil::identical(got[1].value, two_arrays()[1].value));  // float64 0.5, -1.25 are exact in float
    EXPECT_EQ(got[2].name, "scalar");
    EXPECT_TRUE(testutil::identical(got[2].value, nn::Tensor(nn::Shape{}, {7.0f})));
}

TEST(Npz, RefusesNumpySavezCompressed) {
    const std::string path = npz_fixture("numpy_savez_compressed.npz").string();
    EXPECT_TRUE(throws_with<std::runtime_error>([&] { tools::io::read_npz(path); },
                                                {path, "byte ", "is compressed (method 8)", "savez_compressed"}));
}

TEST(Npz, RefusesCorruptedStructures) {
    const std::string good = tools::io::encode_npz(two_arrays());
    const std::size_t end = good.size() - 22, dir = le(good, end + 16, 4);
    const std::size_t second = le(good, dir + 46 + 17 + 42, 4);  // local offset of entry 2 ("conv2d/kernel.npy" is 17 bytes)
    ASSERT_EQ(le(good, second, 4), 0x04034b50u);

    EXPECT_TRUE(refused("PK", {"byte 2", "truncated", "2 bytes"}));
    EXPECT_TRUE(refused(good.substr(0, good.size() - 1), {"no end-of-central-directory record"}));
    std::string bad = good;
    set_le(bad, end + 8, 2, 0xffff);
    set_le(bad, end + 10, 2, 0xffff);
    EXPECT_TRUE(refused(bad, {"byte " + std::to_string(end + 10), "zip64"}));
    bad = good;
    set_le(bad, end + 16, 4, static_cast<std::uint32_t>(dir + 1));
    EXPECT_TRUE(refused(bad, {"byte " + std::to_string(end + 12), "does not end where the end record starts"}));
    bad = good;
    set_le(bad, dir + 10, 2, 8);  // deflate in the central record
    EXPECT_TRUE(refused(bad, {"byte " + std::to_string(dir + 10), "'conv2d/kernel.npy' is compressed"}));
    bad = good;
    set_le(bad, dir + 8, 2, 1);
    EXPECT_TRUE(refused(bad, {"byte " + std::to_string(dir + 8), "encrypted"}));
    bad = good;
    set_le(bad, dir + 46 + 17 + 42, 4, 0);  // entry 2 claims entry 1's place
    EXPECT_TRUE(refused(bad, {"overlapping"}));
    bad = good;
    set_le(bad, dir + 46 + 17 + 42, 4, 0xfffffff0u);  // far out of the file
    EXPECT_TRUE(refused(bad, {"runs into the central directory"}));
    bad = good;
    set_le(bad, dir + 24, 4, le(good, dir + 24, 4) + 1);  // sizes one larger than the data
    set_le(bad, dir + 20, 4, le(good, dir + 20, 4) + 1);
    EXPECT_TRUE(refused(bad, {"'conv2d/kernel.npy'"}));
    bad = good;
    bad[dir + 46 + 14] = 'x';  // "conv2d/kernel.xpy" in the directory
    EXPECT_TRUE(refused(bad, {"byte " + std::to_string(dir + 46), "not named <name>.npy"}));
}

TEST(Npz, RefusesRepeatedNamesAndBadEntries) {
    // Two entries of the same name: names of equal length, one renamed in the directory.
    std::string zip = tools::io::encode_npz({{"a", nn::Tensor({1}, {1.0f})}, {"b", nn::Tensor({1}, {2.0f})}});
    const std::size_t end = zip.size() - 22, dir = le(zip, end + 16, 4);
    zip[dir + 46 + 5 + 46] = 'a';  // the second central name "b.npy" -> "a.npy"
    EXPECT_TRUE(refused(zip, {"'a.npy' appears twice"}));

    auto one = [](const std::string& npy) {
        // An archive of one entry "w.npy" holding @p npy, with a correct CRC.
        std::string zip = tools::io::encode_npz({{"w", nn::Tensor({1}, {0.0f})}});
        const std::string old = tools::io::encode_npy(nn::Tensor({1}, {0.0f}));
        const std::size_t at = zip.find(old);
        zip.replace(at, old.size(), npy);
        const std::size_t end = zip.size() - 22, dir = le(zip, end + 16, 4) + npy.size() - old.size();
        set_le(zip, end + 16, 4, static_cast<std::uint32_t>(dir));
        const std::uint32_t crc = tools::io::crc32(npy.data(), npy.size());
        const std::uint32_t n = static_cast<std::uint32_t>(npy.size());
        for (std::size_t h : {std::size_t{0} + 14, dir + 16}) set_le(zip, h, 4, crc);
        for (std::size_t h : {std::size_t{18}, std::size_t{22}, dir + 20, dir + 24}) set_le(zip, h, 4, n);
        return zip;
    };
    // The helper itself makes a valid archive.
    EXPECT_EQ(tools::io::decode_npz(one(tools::io::encode_npy(nn::Tensor({2}, {3, 4}))), "m")[0].value.data,
              (std::vector<float>{3, 4}));
    auto npy_with = [](const std::string& dict, const std::string& data) {
        std::string header = dict + "\n";
        std::string npy = std::string("\x93NUMPY\x01\x00", 8);
        npy += static_cast<char>(header.size() & 0xff);
        npy += static_cast<char>(header.size() >> 8);
        return npy + header + data;
    };
    const std::string four(4, '\0');
    EXPECT_TRUE(refused(one(npy_with("{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }", four)),
                        {"entry 'w.npy'", "dtype '<f2'"}));
    EXPECT_TRUE(refused(one(npy_with("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }", four)),
                        {"fortran_order must be False"}));
    EXPECT_TRUE(refused(one(npy_with("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", four)),
                        {"shape (2) of '<f4' needs 8 data bytes but the entry holds 4"}));
    EXPECT_TRUE(refused(one(npy_with("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999,), }", four)),
                        {"larger than 2147483647"}));
    EXPECT_TRUE(refused(one(npy_with("{'shape': (1,), 'descr': '<f4', 'fortran_order': False, }", four)),
                        {"expected the key 'descr'"}));
    EXPECT_TRUE(refused(one("\x93NUMPX"), {"not a .npy file"}));
}

TEST(Weights, StoredShapeKeepsBiasesOneDimensional) {
    EXPECT_EQ(tools::io::stored_shape("conv2d/bias", {1, 1, 1, 6}), (nn::Shape{6}));
    EXPECT_EQ(tools::io::stored_shape("dense_2/bias", {1, 10}), (nn::Shape{10}));
    EXPECT_EQ(tools::io::stored_shape("conv2d/kernel", {5, 5, 1, 6}), (nn::Shape{5, 5, 1, 6}));
    EXPECT_EQ(tools::io::stored_shape("biased/kernel", {1, 3}), (nn::Shape{1, 3}));
}

TEST(Weights, EntriesAreMatchedByNameInAnyOrder) {
    const fs::path dir = testutil::make_temp_folder("weights");
    ASSERT_FALSE(dir.empty());
    const std::string path = (dir / "w.npz").string();
    std::vector<NamedTensor> arrays = two_arrays();
    tools::io::write_weights_file(path, {arrays[1], arrays[0]});  // bias first
    const std::vector<nn::Tensor> got = tools::io::read_weights_file(path, arrays);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_TRUE(testutil::identical(got[0], arrays[0].value));
    EXPECT_TRUE(testutil::identical(got[1], arrays[1].value));
    std::vector<NamedTensor> other = arrays;
    other[1].value = nn::Tensor({3});
    EXPECT_TRUE(throws_with<std::runtime_error>([&] { tools::io::read_weights_file(path, other); },
                                                {path, "entry 'conv2d/bias' has shape (2)", "expects (3)"}));
    fs::remove_all(dir);
}

// numpy.load reads our file by name, and our reader reads numpy.savez's file.
TEST(Npz, NumpyAgreesBothWays) {
    const std::string py = python_with_numpy();
    if (py.empty()) GTEST_SKIP() << "numpy not installed (apt-get install -y python3-numpy)";
    const fs::path dir = testutil::make_temp_folder("npz_numpy");
    ASSERT_FALSE(dir.empty());
    const std::string ours = (dir / "ours.npz").string(), theirs = (dir / "theirs.npz").string();
    tools::io::write_npz(ours, two_arrays());
    const std::string script =
        "import numpy as np, sys\n"
        "d = np.load(sys.argv[1])\n"
        "assert sorted(d.files) == ['conv2d/bias', 'conv2d/kernel'], d.files\n"
        "k = d['conv2d/kernel']\n"
        "assert k.dtype == np.float32 and k.shape == (1, 2, 3), (k.dtype, k.shape)\n"
        "assert (k.ravel() == np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5], np.float32)).all(), k\n"
        "assert (d['conv2d/bias'] == np.array([0.5, -1.25], np.float32)).all()\n"
        "np.savez(sys.argv[2], **{'dense_2/kernel': np.arange(12, dtype=np.float32).reshape(3, 4) / 8,\n"
        "                         'dense_2/bias': np.array([1e-3, 2.0, -3.0])})\n";
    const std::string script_path = (dir / "check.py").string();
    write_file(script_path, script);
    ASSERT_EQ(std::system((py + " " + script_path + " " + ours + " " + theirs).c_str()), 0);
    const std::vector<NamedTensor> got = tools::io::read_npz(theirs);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].name, "dense_2/kernel");
    EXPECT_EQ(got[0].value.shape, (nn::Shape{3, 4}));
    EXPECT_EQ(got[0].value.data[11], 11.0f / 8.0f);
    EXPECT_EQ(got[1].name, "dense_2/bias");
    EXPECT_EQ(got[1].value.data, (std::vector<float>{static_cast<float>(1e-3), 2.0f, -3.0f}));
    fs::remove_all(dir);
}
