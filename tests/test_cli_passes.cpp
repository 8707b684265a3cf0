// `plaincnn pass` with every flag on inputs where windows overlap, step and
// reach the padding: each pass's output file against tests/reference.hpp's
// double-precision passes called with the settings the flags name. Rows and
// columns get different values everywhere (strides 2,1 and 1,3, kernels 3,2
// and 2,3, padding 2,1), so a flag read into the wrong field, a swapped
// pair, a default or a mode ignored changes the output. The program is
// build/bin/plaincnn next to this test's build/tests/.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "nn/activations.hpp"
#include "nn/geometry.hpp"
#include "tests/gradcheck.hpp"
#include "tests/reference.hpp"
#include "tests/test_util.hpp"
#include "tools/io/npy.hpp"

namespace fs = std::filesystem;

namespace {

class CliPasses : public ::testing::Test {
protected:
    void SetUp() override {
        program_ = fs::canonical("/proc/self/exe").parent_path().parent_path() / "bin" / "plaincnn";
        ASSERT_TRUE(fs::is_regular_file(program_)) << program_ << " is missing (make builds it)";
        dir_ = testutil::make_temp_folder("cli_passes");
        ASSERT_FALSE(dir_.empty());
    }
    void TearDown() override {
        if (!dir_.empty()) fs::remove_all(dir_);
    }

    std::string file(const std::string& name) const { return (dir_ / name).string(); }

    // Writes t to dir/name and returns the path.
    std::string put(const std::string& name, const nn::Tensor& t) const {
        tools::io::write_npy(file(name), t);
        return file(name);
    }

    // Runs `plaincnn pass <args>` and fails the test unless it exits 0.
    void run(const std::string& args) const {
        const std::string cmd = program_.string() + " pass " + args + " >/dev/null 2>" + file("stderr.txt");
        const int status = std::system(cmd.c_str());
        ASSERT_EQ(status, 0) << cmd << "\n" << testutil::read_file(file("stderr.txt"));
    }

    nn::Tensor get(const std::string& name) const { return tools::io::read_npy(file(name)); }

    fs::path program_, dir_;
};

struct PadFlag {
    const char* flag;  // "" = the default
    nn::Padding pad;
};
struct StrideFlag {
    const char* flag;
    nn::Stride stride;
};

const PadFlag kPads[] = {{"", nn::Padding::same()},
                         {"--padding same", nn::Padding::same()},
                         {"--padding valid", nn::Padding::valid()},
                         {"--padding 2,1", nn::Padding::explicit_(2, 1)}};
const StrideFlag kConvStrides[] = {{"", {1, 1}}, {"--stride 2,1", {2, 1}}, {"--stride=1,3", {1, 3}}};

// act(Z) in double, as the reference of --activation.
nn::Tensor activate(nn::Tensor Z, const std::string& act) {
    for (float& z : Z.data) {
        const double v = z;
        if (act == "relu") z = static_cast<float>(v > 0 ? v : 0.0);
        if (act == "tanh") z = static_cast<float>(std::tanh(v));
        if (act == "sigmoid") z = static_cast<float>(1.0 / (1.0 + std::exp(-v)));
    }
    return Z;
}

}  // namespace

TEST_F(CliPasses, ConvForwardEveryPaddingStrideAndActivation) {
    const nn::Tensor A = testutil::seeded_uniform({2, 7, 6, 3}, 1);
    const nn::Tensor W = testutil::seeded_uniform({3, 2, 3, 4}, 2);
    const nn::Tensor b = testutil::seeded_uniform({1, 1, 1, 4}, 3);
    const std::string inputs = "--A " + put("A.npy", A) + " --W " + put("W.npy", W) + " --b " + put("b.npy", b);
    for (const PadFlag& p : kPads)
        for (const StrideFlag& s : kConvStrides)
            for (const char* act : {"", "linear", "relu", "tanh", "sigmoid"}) {
                const std::string flags = std::string(p.flag) + " " + s.flag +
                                          (*act ? std::string(" --activation ") + act : std::string());
                SCOPED_TRACE(flags);
                run("conv_forward " + inputs + " " + flags + " --out " + file("Z.npy"));
                const nn::Tensor want = activate(ref::conv(A, W, b, p.pad, s.stride), act);
                EXPECT_TRUE(testutil::all_close(get("Z.npy"), want, 1e-5));
            }
}

TEST_F(CliPasses, ConvBackwardEveryPaddingAndStride) {
    const nn::Tensor A = testutil::seeded_uniform({2, 7, 6, 3}, 4);
    const nn::Tensor W = testutil::seeded_uniform({3, 2, 3, 4}, 5);
    const nn::Tensor b = testutil::seeded_uniform({1, 1, 1, 4}, 6);
    const std::string inputs = "--A " + put("A.npy", A) + " --W " + put("W.npy", W) + " --b " + put("b.npy", b);
    const std::string outputs = " --out-dA " + file("dA.npy") + " --out-dW " + file("dW.npy") + " --out-db " +
                                file("db.npy");
    for (const PadFlag& p : kPads)
        for (const StrideFlag& s : kConvStrides) {
            SCOPED_TRACE(std::string(p.flag) + " " + s.flag);
            const nn::Tensor Z = ref::conv(A, W, b, p.pad, s.stride);
            const nn::Tensor dZ = testutil::seeded_uniform(Z.shape, 7);
            run("conv_backward --dZ " + put("dZ.npy", dZ) + " " + inputs + " " + p.flag + " " + s.flag + outputs);
            const ref::ConvGrads want = ref::conv_backward(dZ, A, W, p.pad, s.stride);
            EXPECT_TRUE(testutil::all_close(get("dA.npy"), want.dA_prev, 1e-5));
            EXPECT_TRUE(testutil::all_close(get("dW.npy"), want.dW, 1e-5));
            EXPECT_TRUE(testutil::all_close(get("db.npy"), want.db, 1e-5));
        }
}

namespace {

struct WindowFlag {
    const char* flag;
    nn::Window kernel;
};
const WindowFlag kKernels[] = {{"--kernel 2,2", {2, 2}}, {"--kernel 3,2", {3, 2}}, {"--kernel=2,3", {2, 3}}};
const StrideFlag kPoolStrides[] = {{"", {1, 1}}, {"--stride 2,1", {2, 1}}, {"--stride 1,2", {1, 2}}};
struct ModeFlag {
    const char* flag;
    bool max;
};
const ModeFlag kModes[] = {{"", true}, {"--mode max", true}, {"--mode avg", false}};

}  // namespace

TEST_F(CliPasses, PoolForwardEveryKernelStrideAndMode) {
    // Distinct values: no ties, so the maximum of every window is unambiguous.
    nn::Rng rng(8);
    const nn::Tensor A = gradcheck::distinct_tensor({2, 7, 6, 2}, rng, 0.01);
    const std::string input = "--A " + put("A.npy", A);
    for (const WindowFlag& k : kKernels)
        for (const StrideFlag& s : kPoolStrides)
            for (const ModeFlag& m : kModes) {
                const std::string flags = std::string(k.flag) + " " + s.flag + " " + m.flag;
                SCOPED_TRACE(flags);
                run("pool_forward " + input + " " + flags + " --out " + file("Z.npy"));
                EXPECT_TRUE(testutil::all_close(get("Z.npy"), ref::pool(A, k.kernel, s.stride, m.max), 1e-6));
            }
}

TEST_F(CliPasses, PoolBackwardEveryKernelStrideAndMode) {
    nn::Rng rng(9);
    const nn::Tensor A = gradcheck::distinct_tensor({2, 7, 6, 2}, rng, 0.01);
    const std::string input = "--A " + put("A.npy", A);
    for (const WindowFlag& k : kKernels)
        for (const StrideFlag& s : kPoolStrides)
            for (const ModeFlag& m : kModes) {
                const std::string flags = std::string(k.flag) + " " + s.flag + " " + m.flag;
                SCOPED_TRACE(flags);
                const nn::Tensor dA = testutil::seeded_uniform(ref::pool(A, k.kernel, s.stride, m.max).shape, 10);
                run("pool_backward --dA " + put("dA.npy", dA) + " " + input + " " + flags + " --out " +
                    file("dAp.npy"));
                EXPECT_TRUE(testutil::all_close(get("dAp.npy"), ref::pool_backward(dA, A, k.kernel, s.stride, m.max),
                                                1e-6));
            }
}
