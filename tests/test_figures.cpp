// Tests for the helpers behind `plaincnn figures`: the level-crossing
// interpolation the ReLU/tanh speed-up rests on, number formatting, the
// result cache, the YAML numbers file, the synthetic data set, the LRN layer
// on the Keras-style front-end and the seeded training loop.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <cmath>
#include <iterator>
#include <map>
#include <sstream>
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

// ---- the published numbers against the raw results ----
//
// The figures' other tests check ranges and structure, so a number printed
// wrongly (validation accuracy printed as validation error, a delta with its
// sign flipped) would pass them. These tests run each trained figure in quick
// mode, read back the raw results it cached (every seed's validation error,
// every point of a curve) and recompute each published number on their own,
// with their own formatting, from those raw values.

namespace {

using RawRecord = std::map<std::string, std::vector<double>>;

// The one cache file of @p experiment in @p cache, parsed: "name v v v" lines after the params line.
RawRecord read_raw(const std::filesystem::path& cache, const std::string& experiment) {
    RawRecord record;
    int files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(cache)) {
        if (entry.path().filename().string().rfind(experiment + "-", 0) != 0) continue;
        ++files;
        std::ifstream in(entry.path());
        std::string line;
        std::getline(in, line);  // params ...
        while (std::getline(in, line)) {
            std::istringstream fields(line);
            std::string name;
            fields >> name;
            double v;
            while (fields >> v) record[name].push_back(v);
        }
    }
    EXPECT_EQ(files, 1) << "cache files of " << experiment << " in " << cache;
    return record;
}

// numbers/NAME.yaml as a map ("key: 'text'", '' for a quote).
std::map<std::string, std::string> read_numbers(const std::filesystem::path& out, const std::string& name) {
    std::map<std::string, std::string> numbers;
    std::ifstream in(out / "numbers" / (name + ".yaml"));
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::size_t colon = line.find(": '");
        std::string value = line.substr(colon + 3, line.size() - colon - 4);
        for (std::size_t at = value.find("''"); at != std::string::npos; at = value.find("''", at + 1)) value.erase(at, 1);
        numbers[line.substr(0, colon)] = value;
    }
    return numbers;
}

std::string two_decimals(double v) {
    char text[64];
    std::snprintf(text, sizeof text, "%.2f", v);
    return text;
}

double average(const std::vector<double>& v) {
    double sum = 0;
    for (double x : v) sum += x;
    return sum / static_cast<double>(v.size());
}

double stdev(const std::vector<double>& v) {
    double m = average(v), sum = 0;
    for (double x : v) sum += (x - m) * (x - m);
    return std::sqrt(sum / static_cast<double>(v.size() - 1));
}

tools::figures::FigureOptions quick_options(const TempDir& dir) {
    tools::figures::FigureOptions options;
    options.out = (dir.path / "out").string();
    options.cache = (dir.path / "cache").string();
    options.quick = true;
    options.verbose = false;
    return options;
}

}  // namespace

TEST(PublishedNumbers, AblationIsRecomputedFromEverySeedsValidationError) {
    TempDir dir;
    tools::figures::figure_ablation(quick_options(dir));
    RawRecord raw = read_raw(dir.path / "cache", "ablation");
    auto numbers = read_numbers(dir.path / "out", "ablation");
    const std::vector<std::string> variants = {"base", "no-overlap", "no-lrn", "lrn-rescale", "no-dropout"};
    ASSERT_EQ(raw.size(), variants.size());
    const double base = average(raw["base"]);
    for (const std::string& v : variants) {
        const std::vector<double>& errors = raw[v];
        ASSERT_EQ(std::to_string(errors.size()), numbers["ab-seeds"]) << v;
        for (double e : errors) {  // an error rate of the validation images: a multiple of 100 / n_val
            ASSERT_GE(e, 0.0);
            ASSERT_LE(e, 100.0);
        }
        EXPECT_EQ(numbers["ab-" + v], two_decimals(average(errors)) + "%") << v;
        EXPECT_EQ(numbers["ab-" + v + "-sd"], two_decimals(stdev(errors))) << v;
        if (v == "base") continue;
        double d = average(errors) - base;
        EXPECT_EQ(numbers["ab-" + v + "-delta"], (d >= 0 ? "+" : "\u2212") + two_decimals(std::fabs(d))) << v;
        double noise = 2 * std::sqrt((stdev(errors) * stdev(errors) + stdev(raw["base"]) * stdev(raw["base"])) /
                                     static_cast<double>(errors.size()));
        EXPECT_EQ(numbers["ab-" + v + "-noise"], "\u00b1" + two_decimals(noise)) << v;
        // The verdict words follow the comparison: an effect only outside the noise.
        std::string expected = std::fabs(d) <= noise ? "no measurable effect" : d > 0 ? "helped" : "hurt";
        if (v != "lrn-rescale") {
            EXPECT_THAT(numbers["ab-" + v + "-verdict"], HasSubstr(expected)) << v;
        }
    }
}

TEST(PublishedNumbers, ReluTanhIsRecomputedFromTheCurves) {
    TempDir dir;
    tools::figures::figure_relu_tanh(quick_options(dir));
    RawRecord raw = read_raw(dir.path / "cache", "relu-tanh");
    auto numbers = read_numbers(dir.path / "out", "relu-tanh");
    for (const std::string act : {"relu", "tanh"}) {
        EXPECT_EQ(numbers["rt-" + act + "-val"], two_decimals(raw[act + "_val"].at(0)) + "%") << act;
        EXPECT_EQ(numbers["rt-" + act + "-final"], two_decimals(raw[act].back()) + "%") << act;
        // The first point at or below the level, by a plain scan of the curve.
        double level = std::stod(numbers["rt-level"]);
        const std::vector<double>& x = raw["epochs"];
        const std::vector<double>& y = raw[act];
        double at = -1;
        for (std::size_t k = 0; k < y.size() && at < 0; ++k) {
            if (y[k] <= level) at = k == 0 ? x[0] : x[k - 1] + (y[k - 1] - level) / (y[k - 1] - y[k]) * (x[k] - x[k - 1]);
        }
        char one[32];
        std::snprintf(one, sizeof one, "%.1f", at);
        if (at >= 0) {
            EXPECT_EQ(numbers["rt-" + act + "-epochs"], one) << act;
        } else {
            EXPECT_THAT(numbers["rt-" + act + "-epochs"], HasSubstr("more than")) << act;
        }
    }
}

TEST(PublishedNumbers, KernelsErrorMatchesTheCountOfWrongDigits) {
    TempDir dir;
    tools::figures::figure_kernels(quick_options(dir));
    RawRecord raw = read_raw(dir.path / "cache", "kernels");
    auto numbers = read_numbers(dir.path / "out", "kernels");
    EXPECT_EQ(numbers["k-val-error"], two_decimals(raw["val_error"].at(0)) + "%");
    // The wrong digits are counted from predict(), independently of evaluate().
    const double wrong = raw["wrong_count"].at(0), n_val = std::stod(numbers["k-val-images"]);
    EXPECT_EQ(numbers["k-wrong"], std::to_string(static_cast<int>(wrong)));
    EXPECT_EQ(numbers["k-val-error"], two_decimals(100.0 * wrong / n_val) + "%");
    EXPECT_EQ(raw["wrong_truth"].size(), std::min<std::size_t>(6, static_cast<std::size_t>(wrong)));
    for (std::size_t k = 0; k < raw["wrong_truth"].size(); ++k) EXPECT_NE(raw["wrong_truth"][k], raw["wrong_guess"][k]);
}
