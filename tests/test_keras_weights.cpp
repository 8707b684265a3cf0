// Weights I/O of the Keras-style front-end: CRC-32, the weights file (round
// trip, written atomically, and every refused file leaving the model
// unchanged), get/set_weights layouts, and the saved .npz read back by hand
// as NumPy would. The formats are tools/io's (weights.hpp, npz.hpp, npy.hpp, crc32.hpp).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "lenet/keras/model.hpp"
#include "tests/test_util.hpp"
#include "tools/io/crc32.hpp"
#include "tools/io/npy.hpp"
#include "tools/io/npz.hpp"
#include "tools/io/weights.hpp"

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testutil::read_file;
using testutil::sorted_names;
using testutil::throws_with;
using testutil::write_file;

namespace {

std::string temp_path(const std::string& name) { return ::testing::TempDir() + "plaincnn_keras_" + name; }

bool exists(const std::string& path) { return std::ifstream(path).good(); }

std::uint32_t le(const std::string& s, std::size_t at, int n) {
    std::uint32_t v = 0;
    for (int k = n - 1; k >= 0; --k) v = (v << 8) | static_cast<unsigned char>(s[at + static_cast<std::size_t>(k)]);
    return v;
}

keras::Sequential model_with(int hidden, std::uint64_t seed) {
    using namespace keras;
    Sequential model(Input({6, 6, 1}),
                     {Conv2D(2, 3, 1, "same", "relu"), MaxPooling2D(2), Flatten(), Dense(hidden, "relu"),
                      Dense(3, "softmax")},
                     seed);
    model.compile("adam", "categorical_crossentropy", {"accuracy"});
    return model;
}

// Expects loading @p path into @p model to fail with a message holding each
// of @p parts, and the model's weights to stay exactly what they were.
void expect_refused(keras::Sequential& model, const std::string& path, const std::vector<std::string>& parts) {
    const std::vector<nn::Tensor> before = model.get_weights();
    std::vector<std::string> mentions = {path};
    mentions.insert(mentions.end(), parts.begin(), parts.end());
    EXPECT_TRUE(throws_with<std::runtime_error>([&] { model.load_weights(path); }, mentions));
    const std::vector<nn::Tensor> after = model.get_weights();
    ASSERT_EQ(before.size(), after.size());
    for (std::size_t k = 0; k < before.size(); ++k) EXPECT_EQ(before[k].data, after[k].data) << "tensor " << k;
}

}  // namespace

TEST(Crc32, KnownValues) {
    // The check value of CRC-32 (ISO-HDLC, as zip uses it).
    EXPECT_EQ(tools::io::crc32("123456789", 9), 0xCBF43926u);
    EXPECT_EQ(tools::io::crc32("", 0), 0u);
    // Continuing a running CRC gives the CRC of the concatenation.
    EXPECT_EQ(tools::io::crc32("6789", 4, tools::io::crc32("12345", 5)), 0xCBF43926u);
}

TEST(KerasWeights, KerasLayoutsAndNames) {
    keras::Sequential model = model_with(5, 0);
    EXPECT_EQ(model.weight_names(), (std::vector<std::string>{"conv2d/kernel", "conv2d/bias", "dense/kernel",
                                                              "dense/bias", "dense_1/kernel", "dense_1/bias"}));
    std::vector<nn::Shape> shapes;
    for (const nn::Tensor& t : model.get_weights()) shapes.push_back(t.shape);
    // conv kernel (kh, kw, c_in, c_out), biases 1-D, dense kernel (n_in, n_out); 3*3*2 = 18 after pooling
    EXPECT_EQ(shapes, (std::vector<nn::Shape>{{3, 3, 1, 2}, {2}, {18, 5}, {5}, {5, 3}, {3}}));
}

TEST(KerasWeights, SetWeightsChecksEverythingFirst) {
    keras::Sequential model = model_with(5, 0);
    std::vector<nn::Tensor> w = model.get_weights();
    w[0].data.assign(w[0].size(), 0.5f);
    w[5].data = {1, 2, 3};
    model.set_weights(w);
    EXPECT_EQ(model.get_weights()[0].data, w[0].data);
    EXPECT_EQ(model.trainable_weights()[5]->shape, (nn::Shape{1, 3}));  // nn keeps (1, n_out)
    EXPECT_EQ(model.trainable_weights()[5]->data, (std::vector<float>{1, 2, 3}));
    std::vector<nn::Tensor> bad = model.get_weights();
    bad[0].data.assign(bad[0].size(), 9.0f);  // would change, but a later tensor is wrong
    bad[4] = nn::Tensor({3, 5});
    EXPECT_TRUE(throws_with([&] { model.set_weights(bad); }, {"set_weights", "dense_1/kernel", "(3,5)", "(5,3)"}));
    EXPECT_EQ(model.get_weights()[0].data, w[0].data);  // unchanged
    EXPECT_THROW(model.set_weights({}), std::invalid_argument);
}

TEST(KerasWeights, SaveThenLoadGivesIdenticalPredictions) {
    const std::string path = temp_path("roundtrip.npz");
    keras::Sequential trained = model_with(5, 1);
    const nn::Tensor x = testutil::seeded_uniform({4, 6, 6, 1}, 99, 0.0, 1.0);
    trained.train_on_batch(x, keras::to_categorical({0, 1, 2, 0}, 3));
    trained.save_weights(path);
    EXPECT_FALSE(exists(path + ".tmp"));  // the temporary file was renamed away

    keras::Sequential fresh = model_with(5, 2);
    const nn::Tensor p_trained = trained.predict(x);
    EXPECT_NE(fresh.predict(x).data, p_trained.data);
    fresh.load_weights(path);
    // The file holds the float32 values bit for bit, so the predictions are identical.
    EXPECT_EQ(fresh.predict(x).data, p_trained.data);

    trained.train_on_batch(x, keras::to_categorical({2, 1, 0, 0}, 3));
    trained.save_weights(path);  // overwriting an existing file works too
    fresh.load_weights(path);
    EXPECT_EQ(fresh.predict(x).data, trained.predict(x).data);
    std::remove(path.c_str());
}

TEST(KerasWeights, AnotherArchitectureIsRefusedAndChangesNothing) {
    const std::string path = temp_path("other.npz");
    model_with(7, 0).save_weights(path);
    keras::Sequential model = model_with(5, 0);
    expect_refused(model, path, {"entry 'dense/kernel'", "(18,7)", "expects (18,5)", "another architecture"});
    keras::Sequential shorter(keras::Input({6, 6, 1}), {keras::Flatten(), keras::Dense(3, "softmax")});
    shorter.save_weights(path);  // dense/kernel (36, 3), dense/bias (3): no conv2d at all
    expect_refused(model, path, {"no entry 'conv2d/kernel'", "(3,3,1,2)", "'dense/kernel', 'dense/bias'"});
    keras::Sequential longer(keras::Input({6, 6, 1}),
                             {keras::Conv2D(2, 3, 1, "same", "relu"), keras::MaxPooling2D(2), keras::Flatten(),
                              keras::Dense(5, "relu"), keras::Dense(3, "relu"), keras::Dense(3, "softmax")});
    longer.save_weights(path);  // everything model_with(5) has, and dense_2 besides
    expect_refused(model, path, {"entry 'dense_2/", "is not a weight of the model"});
    std::remove(path.c_str());
}

TEST(KerasWeights, TruncatedFilesAreRefusedAndChangeNothing) {
    const std::string path = temp_path("truncated.npz");
    keras::Sequential model = model_with(5, 0);
    model.save_weights(path);
    const std::string full = read_file(path);
    write_file(path, full.substr(0, full.size() - 10));
    expect_refused(model, path, {"no end-of-central-directory record", "truncated"});
    write_file(path, full.substr(0, 10));
    expect_refused(model, path, {"truncated", "10 bytes"});
    write_file(path, "");
    expect_refused(model, path, {"truncated", "0 bytes"});
    write_file(path, full + "x");
    expect_refused(model, path, {"no end-of-central-directory record"});
    std::remove(path.c_str());
    expect_refused(model, path, {"cannot open"});
}

TEST(KerasWeights, CorruptedFilesAreRefusedAndChangeNothing) {
    const std::string path = temp_path("corrupt.npz");
    keras::Sequential model = model_with(5, 0);
    model.save_weights(path);
    const std::string full = read_file(path);
    std::string flipped = full;
    const std::size_t value_at = full.find("}") + 100;  // past the first entry's .npy header, in its values
    flipped[value_at] = static_cast<char>(flipped[value_at] ^ 0x10);
    write_file(path, flipped);
    expect_refused(model, path, {"entry 'conv2d/kernel.npy'", "CRC-32", "corrupted"});
    flipped = full;
    flipped[40] = static_cast<char>(flipped[40] ^ 0x01);  // inside the first local header's name
    write_file(path, flipped);
    expect_refused(model, path, {"byte 30", "name differs"});
    flipped = full;
    flipped[0] = 'X';
    write_file(path, flipped);
    expect_refused(model, path, {"byte 0", "bad local header signature"});
    std::remove(path.c_str());
}

// A file that happens to be named like the old fixed temporary (another
// program's, or a save that was cut off) is not the writer's to touch: every
// save makes its own uniquely named temporary, and leaves nothing behind.
TEST(KerasWeights, SavingLeavesAFileNamedLikeATemporaryAlone) {
    const fs::path dir = testutil::make_temp_folder("keras_tmp");
    ASSERT_FALSE(dir.empty());
    const std::string path = (dir / "w.npz").string();
    write_file(path + ".tmp", "not the writer's");
    keras::Sequential model = model_with(5, 0);
    model.save_weights(path);
    EXPECT_EQ(read_file(path + ".tmp"), "not the writer's");
    EXPECT_EQ(sorted_names(dir), (std::vector<std::string>{"w.npz", "w.npz.tmp"}));
    keras::Sequential loaded = model_with(5, 1);
    loaded.load_weights(path);
    EXPECT_EQ(loaded.get_weights()[0].data, model.get_weights()[0].data);
    fs::remove_all(dir);
}

namespace {

// While alive, limits the size of any file this process writes to @p bytes
// (RLIMIT_FSIZE): a write past it fails with EFBIG, as on a full disk.
// SIGXFSZ, which would otherwise end the process, is ignored meanwhile.
class FileSizeLimit {
public:
    explicit FileSizeLimit(rlim_t bytes) {
        getrlimit(RLIMIT_FSIZE, &old_);
        old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
        rlimit limit = old_;
        limit.rlim_cur = bytes;
        set_ = setrlimit(RLIMIT_FSIZE, &limit) == 0;
    }
    ~FileSizeLimit() {
        setrlimit(RLIMIT_FSIZE, &old_);
        std::signal(SIGXFSZ, old_handler_);
    }
    FileSizeLimit(const FileSizeLimit&) = delete;
    FileSizeLimit& operator=(const FileSizeLimit&) = delete;
    bool set() const { return set_; }

private:
    rlimit old_{};
    void (*old_handler_)(int) = SIG_DFL;
    bool set_ = false;
};

}  // namespace

TEST(KerasWeights, AFailedSaveLeavesTheOldFileAndNoTemporary) {
    const fs::path dir = testutil::make_temp_folder("keras_full");
    ASSERT_FALSE(dir.empty());
    const std::string path = (dir / "w.npz").string();
    keras::Sequential model = model_with(5, 0);
    model.save_weights(path);
    const std::string old = read_file(path);
    keras::Sequential other = model_with(5, 1);
    {
        FileSizeLimit limit(64);  // far less than the file's bytes
        ASSERT_TRUE(limit.set());
        EXPECT_TRUE(throws_with<std::runtime_error>([&] { other.save_weights(path); }, {path}));
    }
    EXPECT_EQ(read_file(path), old);
    EXPECT_EQ(sorted_names(dir), (std::vector<std::string>{"w.npz"}));
    fs::remove_all(dir);
}

TEST(KerasWeights, WritingToAMissingFolderFailsNamingTheFile) {
    keras::Sequential model = model_with(5, 0);
    const std::string path = temp_path("no_such_folder/w.npz");
    EXPECT_TRUE(throws_with<std::runtime_error>([&] { model.save_weights(path); }, {path}));
}

// ----------------------------------------------------------------------- .npz

namespace {

// One entry of a zip archive, read back by hand from its local header.
struct ZipEntry {
    std::string name, data;
    std::uint32_t crc = 0;
};

// Reads every entry through the central directory, as numpy.load (zipfile) does,
// checking that each central record agrees with its local header.
std::vector<ZipEntry> read_zip(const std::string& zip) {
    std::vector<ZipEntry> entries;
    const std::size_t end = zip.size() - 22;  // no archive comment: the end record is the last 22 bytes
    EXPECT_EQ(le(zip, end, 4), 0x06054b50u);
    const std::uint32_t count = le(zip, end + 10, 2);
    std::size_t at = le(zip, end + 16, 4);  // central directory offset
    EXPECT_EQ(at + le(zip, end + 12, 4), end);
    for (std::uint32_t k = 0; k < count; ++k) {
        EXPECT_EQ(le(zip, at, 4), 0x02014b50u);
        EXPECT_EQ(le(zip, at + 10, 2), 0u);  // stored
        const std::uint32_t crc = le(zip, at + 16, 4), size = le(zip, at + 24, 4);
        const std::uint32_t name_len = le(zip, at + 28, 2), local = le(zip, at + 42, 4);
        const std::string name = zip.substr(at + 46, name_len);
        at += 46 + name_len;
        EXPECT_EQ(le(zip, local, 4), 0x04034b50u);
        EXPECT_EQ(le(zip, local + 8, 2), 0u);
        EXPECT_EQ(le(zip, local + 14, 4), crc);
        EXPECT_EQ(le(zip, local + 18, 4), size);
        EXPECT_EQ(le(zip, local + 22, 4), size);
        EXPECT_EQ(zip.substr(local + 30, le(zip, local + 26, 2)), name);
        const std::size_t data_at = local + 30 + le(zip, local + 26, 2) + le(zip, local + 28, 2);
        entries.push_back({name, zip.substr(data_at, size), crc});
    }
    return entries;
}

}  // namespace

TEST(KerasNpz, NpyHeaderIsNumpys) {
    const std::string npy = tools::io::encode_npy(nn::Tensor({2}, {1.0f, 2.0f}));
    EXPECT_EQ(npy.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
    const std::uint32_t header_len = le(npy, 8, 2);
    EXPECT_EQ((10 + header_len) % 64, 0u);  // the data starts 64-byte aligned
    const std::string header = npy.substr(10, header_len);
    EXPECT_EQ(header.rfind("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 0), 0u) << header;
    EXPECT_EQ(header.back(), '\n');
    EXPECT_EQ(npy.size(), 10 + header_len + 8);
    EXPECT_THAT(tools::io::encode_npy(nn::Tensor({5, 5, 1, 6})), HasSubstr("'shape': (5, 5, 1, 6), }"));
}

TEST(KerasNpz, SaveWeightsWritesGetWeightsNamedByVariable) {
    const std::string path = temp_path("named.npz");
    keras::Sequential model = model_with(5, 4);
    model.save_weights(path);
    EXPECT_FALSE(exists(path + ".tmp"));
    const std::vector<ZipEntry> entries = read_zip(read_file(path));
    const std::vector<nn::Tensor> w = model.get_weights();
    ASSERT_EQ(entries.size(), w.size());
    const std::vector<std::string> shapes = {"(3, 3, 1, 2)", "(2,)", "(18, 5)", "(5,)", "(5, 3)", "(3,)"};
    for (std::size_t k = 0; k < w.size(); ++k) {
        const ZipEntry& e = entries[k];
        EXPECT_EQ(e.name, model.weight_names()[k] + ".npy");
        EXPECT_EQ(e.crc, tools::io::crc32(e.data.data(), e.data.size()));
        const std::uint32_t header_len = le(e.data, 8, 2);
        EXPECT_THAT(e.data.substr(10, header_len), HasSubstr("'shape': " + shapes[k] + ", }"));
        std::vector<float> values(w[k].size());
        ASSERT_EQ(e.data.size(), 10 + header_len + values.size() * sizeof(float));
        std::memcpy(values.data(), e.data.data() + 10 + header_len, values.size() * sizeof(float));
        EXPECT_EQ(values, w[k].data) << e.name;
    }
    std::remove(path.c_str());
}
