// Tests for the helpers behind `plaincnn figures`: the level-crossing
// interpolation the ReLU/tanh speed-up rests on, number formatting, the
// result cache, the YAML numbers file, the synthetic data set, the LRN layer
// on the Keras-style front-end and the seeded training loop.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

#include "nn/context.hpp"
#include "nn/lrn.hpp"
#include "tools/figures/figures.hpp"

using ::testing::HasSubstr;
using ::testing::Not;

namespace {

// A fresh folder under the system's temporary directory, removed at the end.
struct TempDir {
    std::filesystem::path path;
    TempDir() {
        path = std::filesystem::temp_directory_path() /
               ("plaincnn-test-figures-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)));
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

TEST(EpochsToReach, InterpolatesBetweenTheTwoPointsAroundTheLevel) {
    // (1, 6) is above 4 and (1.5, 2) below: t = (6 - 4) / (6 - 2) = 0.5, so 1 + 0.5 * 0.5 = 1.25.
    std::vector<double> epochs = {0.5, 1.0, 1.5}, error = {10, 6, 2};
    EXPECT_DOUBLE_EQ(tools::figures::epochs_to_reach(epochs, error, 4.0), 1.25);
    EXPECT_DOUBLE_EQ(tools::figures::epochs_to_reach(epochs, error, 10.0), 0.5);  // already there at the first point
    EXPECT_DOUBLE_EQ(tools::figures::epochs_to_reach(epochs, error, 2.0), 1.5);   // exactly at the last point
    EXPECT_LT(tools::figures::epochs_to_reach(epochs, error, 1.0), 0.0);          // never
    // The first crossing counts, even if the curve rises again afterwards.
    EXPECT_DOUBLE_EQ(tools::figures::epochs_to_reach({1, 2, 3, 4}, {8, 4, 9, 1}, 6.0), 1.5);
}

TEST(Grouped, ThousandsSeparators) {
    EXPECT_EQ(tools::figures::grouped(0), "0");
    EXPECT_EQ(tools::figures::grouped(999), "999");
    EXPECT_EQ(tools::figures::grouped(1000), "1,000");
    EXPECT_EQ(tools::figures::grouped(60965224), "60,965,224");
    EXPECT_EQ(tools::figures::grouped(-1234), "-1,234");
}

TEST(Cache, RoundTripIsExactAndKeyedByEveryParameter) {
    TempDir dir;
    tools::figures::FigureOptions options;
    options.cache = (dir.path / "cache").string();
    options.verbose = false;
    tools::figures::Record record = {{"curve", {0.1, 1.0 / 3.0, 62.980769230769234}}, {"val", {2.5}}};
    tools::figures::Record found;
    EXPECT_FALSE(tools::figures::read_cache(options, "exp", "lr=0.01", found));
    tools::figures::write_cache(options, "exp", "lr=0.01", record);
    ASSERT_TRUE(tools::figures::read_cache(options, "exp", "lr=0.01", found));
    EXPECT_EQ(found, record);  // 17 significant digits give back the same doubles
    EXPECT_FALSE(tools::figures::read_cache(options, "exp", "lr=0.02", found));
    EXPECT_FALSE(tools::figures::read_cache(options, "other", "lr=0.01", found));
    // A damaged file is a miss (the run is redone), never an error.
    for (const auto& entry : std::filesystem::directory_iterator(options.cache)) {
        std::ofstream(entry.path(), std::ios::app) << "curve 1.5 oops\n";
    }
    EXPECT_FALSE(tools::figures::read_cache(options, "exp", "lr=0.01", found));
}

// Bug: the key held only the parameters, so a tree with changed code kept
// reading the numbers an older build had cached. The build is now part of it.
TEST(Cache, AnotherBuildDoesNotReadTheResults) {
    TempDir dir;
    tools::figures::FigureOptions options;
    options.cache = (dir.path / "cache").string();
    options.verbose = false;
    const tools::figures::Record record = {{"val", {2.5}}};
    tools::figures::Record found;
    options.code_version = "0123456789abcdef";
    tools::figures::write_cache(options, "exp", "lr=0.01", record);
    ASSERT_TRUE(tools::figures::read_cache(options, "exp", "lr=0.01", found));
    options.code_version = "fedcba9876543210";
    EXPECT_FALSE(tools::figures::read_cache(options, "exp", "lr=0.01", found));
}

// The running test binary's fingerprint: 16 hex digits, the same on every call.
TEST(Cache, ThisBuildIsAStableFingerprint) {
    const std::string build = tools::figures::this_build();
    ASSERT_EQ(build.size(), 16u) << build;
    EXPECT_EQ(build.find_first_not_of("0123456789abcdef"), std::string::npos) << build;
    EXPECT_EQ(tools::figures::this_build(), build);
}

TEST(Numbers, YamlQuotesSingleQuotes) {
    TempDir dir;
    tools::figures::FigureOptions options;
    options.out = dir.path.string();
    tools::figures::write_numbers(options, "demo", {{"a-key", "the paper's 6%"}, {"b", "1,000"}});
    std::string yaml = slurp(dir.path / "numbers" / "demo.yaml");
    EXPECT_THAT(yaml, HasSubstr("a-key: 'the paper''s 6%'\n"));
    EXPECT_THAT(yaml, HasSubstr("b: '1,000'\n"));
}

// Bug: the diagram labelled its input 224x224x3 while every shape in it, and
// the caption's {{arch-input}}, come from a 227x227 input.
TEST(Architecture, InputBoxShowsTheSideTheShapesComeFrom) {
    TempDir dir;
    tools::figures::FigureOptions options;
    options.out = dir.path.string();
    options.verbose = false;
    tools::figures::figure_architecture(options);
    const std::string svg = slurp(dir.path / "figures" / "architecture.svg");
    EXPECT_THAT(svg, HasSubstr("227\u00d7227\u00d73"));
    EXPECT_THAT(svg, Not(HasSubstr("224\u00d7224\u00d73")));
    EXPECT_THAT(svg, HasSubstr("55\u00d755\u00d796"));  // conv1: (227 - 11) / 4 + 1
    EXPECT_THAT(slurp(dir.path / "numbers" / "architecture.yaml"), HasSubstr("arch-input: '227'"));
}

TEST(Dataset, QuickModeIsSyntheticSeededAndOneHot) {
    tools::figures::FigureOptions options;
    options.quick = true;
    options.data = "/nonexistent";  // never read in quick mode
    tools::figures::Dataset a = tools::figures::load_dataset(options, 20, 7);
    tools::figures::Dataset b = tools::figures::load_dataset(options, 20, 7);
    EXPECT_EQ(a.x_train.shape, (nn::Shape{20, 28, 28, 1}));
    EXPECT_EQ(a.y_val.shape, (nn::Shape{7, 10}));
    EXPECT_EQ(a.x_train.data, b.x_train.data);
    for (int i = 0; i < 20; ++i) {
        double row = 0;
        for (int j = 0; j < 10; ++j) row += a.y_train.at(i, j);
        EXPECT_DOUBLE_EQ(row, 1.0);
    }
    EXPECT_EQ(tools::figures::dataset_id(options, 20, 7), "synthetic train=20 val=7");
}

TEST(Dataset, MissingMnistNamesTheFile) {
    tools::figures::FigureOptions options;
    options.data = "/nonexistent-mnist";
    try {
        tools::figures::load_dataset(options, 10, 10);
        ADD_FAILURE() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_THAT(e.what(), HasSubstr("/nonexistent-mnist"));
    }
}

TEST(LrnLayer, IsLrnForwardInsideASequential) {
    keras::Sequential model(keras::Input({4, 4, 3}),
                            {keras::Conv2D(5, 3, 1, "same", "relu"), tools::figures::LocalResponseNormalization(),
                             keras::Flatten(), keras::Dense(2, "softmax")},
                            7);
    EXPECT_EQ(model.layer(1).output_shape(), (nn::Shape{4, 4, 5}));
    EXPECT_EQ(model.layer(1).class_name(), "LocalResponseNormalization");
    EXPECT_EQ(model.layer(1).count_params(), 0u);
    try {
        keras::Sequential bad(keras::Input({6}), {tools::figures::LocalResponseNormalization()});
        ADD_FAILURE() << "no exception";
    } catch (const std::invalid_argument& e) {
        EXPECT_THAT(e.what(), HasSubstr("LocalResponseNormalization: needs an input of (h, w, c), got (None, 6)"));
    }
    try {
        keras::Sequential bad(keras::Input({2, 2, 3}),
                              {tools::figures::LocalResponseNormalization(nn::LrnConfig{2, 4, 1, 1})});
        ADD_FAILURE() << "no exception";
    } catch (const std::invalid_argument& e) {
        EXPECT_THAT(e.what(), HasSubstr("n must be a positive odd number"));
    }
    // The layer's output is exactly nn::lrn_forward of its input.
    tools::figures::LocalResponseNormalization layer(nn::LrnConfig{1.0f, 3, 1.0f, 0.5f});
    nn::Rng rng(1);
    nn::Context ctx(1);
    layer.build({1, 1, 3}, rng);
    nn::Tensor A_prev({1, 1, 1, 3}, {1.0f, 2.0f, 2.0f});
    EXPECT_EQ(layer.forward(A_prev, true, ctx, rng).data, nn::lrn_forward(A_prev, nn::LrnConfig{1.0f, 3, 1.0f, 0.5f}).data);
}

TEST(Train, SeededRunsRepeatAndRecordEveryChunk) {
    tools::figures::FigureOptions options;
    options.quick = true;
    options.verbose = false;
    tools::figures::Dataset data = tools::figures::load_dataset(options, 40, 10);
    auto run = [&] {
        keras::Sequential model(keras::Input({28, 28, 1}),
                                {keras::Conv2D(2, 5, 2, "valid", "relu"), tools::figures::LocalResponseNormalization(),
                                 keras::Flatten(), keras::Dense(10, "softmax")},
                                3);
        tools::figures::TrainSpec spec{2, 8, 3, 5, "test", {keras::SGD(0.05f), keras::SGD(0.005f)}};
        return tools::figures::train(model, data, spec, options);
    };
    tools::figures::TrainResult a = run(), b = run();
    // 40 images in batches of 8: 5 steps per epoch, 3 chunks each, 2 epochs.
    ASSERT_EQ(a.epochs.size(), 6u);
    EXPECT_NEAR(a.epochs[0], 0.4, 1e-12);  // round(5 / 3) = 2 steps of 5
    EXPECT_NEAR(a.epochs[2], 1.0, 1e-12);
    EXPECT_NEAR(a.epochs[5], 2.0, 1e-12);
    EXPECT_EQ(a.train_error, b.train_error);
    EXPECT_EQ(a.val_error, b.val_error);
    for (double e : a.train_error) {
        EXPECT_GE(e, 0.0);
        EXPECT_LE(e, 100.0);
    }
}
