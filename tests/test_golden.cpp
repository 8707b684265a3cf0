// Golden fixtures: the four passes against the course's NumPy implementations
// (tests/fixtures/make_fixtures.py, which also lists the same cases), read
// with tools::io::read_npy. The fixtures were made in float64 from float32
// inputs, so a value passes when |got - want| <= 1e-5 * max(1, |want|).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <system_error>

#include "nn/conv_backward.hpp"
#include "nn/conv_forward.hpp"
#include "nn/pool_backward.hpp"
#include "nn/pool_forward.hpp"
#include "tests/test_util.hpp"
#include "tools/io/npy.hpp"

using nn::Activation;
using nn::Padding;
using nn::PoolMode;
using nn::Stride;
using nn::Tensor;
using nn::Window;

namespace fs = std::filesystem;

namespace {

// tests/fixtures sits next to this source file. __FILE__ may be relative to
// the directory make ran in, so it is tried as given and then below every
// ancestor of the test binary and of the working directory: the test runs
// from anywhere.
fs::path fixtures_dir() {
    const fs::path rel = fs::path(__FILE__).parent_path() / "fixtures";
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    for (fs::path start : {fs::current_path(), ec ? fs::path() : exe.parent_path()}) {
        if (rel.is_absolute()) start = fs::path("/");
        for (fs::path dir = start; !dir.empty(); dir = dir.parent_path()) {
            if (fs::exists(dir / rel / "make_fixtures.py")) return dir / rel;
            if (dir == dir.root_path()) break;
        }
    }
    return rel;  // not found: read_npy will name the path it tried
}

Tensor load(const std::string& name) { return tools::io::read_npy((fixtures_dir() / (name + ".npy")).string()); }

// |got - want| <= 1e-5 * max(1, |want|) against the fixture @p name.
void expect_matches(const Tensor& got, const std::string& name) {
    SCOPED_TRACE(name);
    testutil::expect_close(got, load(name), 1e-5);
}

struct ConvCase {
    const char* name;
    Activation activation;
    Padding padding;
    Stride stride;
};

// The same cases as CONV_CASES in make_fixtures.py.
const ConvCase conv_cases[] = {
    {"same_relu", Activation::relu(), Padding::same(), {1, 1}},
    {"valid_tanh_s2", Activation::tanh(), Padding::valid(), {2, 2}},
    {"same_even_s21", Activation::linear(), Padding::same(), {2, 1}},
    {"explicit_sigmoid", Activation::sigmoid(), Padding::explicit_(1, 2), {1, 1}},
    {"same_s3", Activation::linear(), Padding::same(), {3, 3}},
};

struct PoolCase {
    const char* name;
    Window kernel;
    Stride stride;
    PoolMode mode;
};

// The same cases as POOL_CASES in make_fixtures.py.
const PoolCase pool_cases[] = {
    {"max_2x2_s2", {2, 2}, {2, 2}, PoolMode::max},
    {"avg_3x3_s1", {3, 3}, {1, 1}, PoolMode::avg},
    {"max_3x3_s2_ties", {3, 3}, {2, 2}, PoolMode::max},
    {"avg_2x3_s12", {2, 3}, {1, 2}, PoolMode::avg},
};

}  // namespace

TEST(Golden, FixturesAreFound) {
    EXPECT_TRUE(fs::exists(fixtures_dir() / "make_fixtures.py")) << "looked in " << fixtures_dir();
}

TEST(Golden, ConvForward) {
    for (const ConvCase& c : conv_cases) {
        const std::string p = std::string("conv_forward_") + c.name;
        Tensor Z = nn::conv_forward(load(p + "_in_A"), load(p + "_in_W"), load(p + "_in_b"), c.activation, c.padding,
                                    c.stride);
        expect_matches(Z, p + "_out_Z");
    }
}

TEST(Golden, ConvBackward) {
    for (const ConvCase& c : conv_cases) {
        const std::string p = std::string("conv_backward_") + c.name;
        nn::ConvGrads g = nn::conv_backward(load(p + "_in_dZ"), load(p + "_in_A"), load(p + "_in_W"),
                                            load(p + "_in_b"), c.padding, c.stride);
        expect_matches(g.dA_prev, p + "_out_dA_prev");
        expect_matches(g.dW, p + "_out_dW");
        expect_matches(g.db, p + "_out_db");
    }
}

TEST(Golden, PoolForward) {
    for (const PoolCase& c : pool_cases) {
        const std::string p = std::string("pool_forward_") + c.name;
        expect_matches(nn::pool_forward(load(p + "_in_A"), c.kernel, c.stride, c.mode), p + "_out_Z");
    }
}

TEST(Golden, PoolBackward) {
    for (const PoolCase& c : pool_cases) {
        const std::string p = std::string("pool_backward_") + c.name;
        expect_matches(nn::pool_backward(load(p + "_in_dA"), load(p + "_in_A"), c.kernel, c.stride, c.mode),
                       p + "_out_dA_prev");
    }
}

TEST(Golden, EveryFixtureIsUsed) {
    // 5 conv cases × (forward: A, W, b, Z; backward: A, W, b, dZ, dA_prev, dW, db)
    // + 4 pool cases × (forward: A, Z; backward: A, dA, dA_prev) = 55 + 20.
    int n = 0;
    for (const auto& entry : fs::directory_iterator(fixtures_dir()))
        if (entry.path().extension() == ".npy") ++n;
    EXPECT_EQ(n, 75);
}
