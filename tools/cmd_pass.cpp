// `plaincnn pass <name>`: runs one of the four course passes on .npy files,
// so each can be checked against a student's NumPy code and the other way
// round.
//
//   conv_forward   A_prev, W, b          -> Z        (m, h_new, w_new, c_new)
//   pool_forward   A_prev                -> Z        (m, h_new, w_new, c_prev)
//   conv_backward  dZ, A_prev, W, b      -> dA_prev, dW, db
//   pool_backward  dA, A_prev            -> dA_prev  (m, h_prev, w_prev, c_prev)
//
// Every input is read and every result computed before anything is written,
// and each output is written atomically, so a failed run leaves no output.
#include <algorithm>
#include <cstdint>
#include <iostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "nn/activations.hpp"
#include "nn/conv_backward.hpp"
#include "nn/conv_forward.hpp"
#include "nn/errors.hpp"
#include "nn/geometry.hpp"
#include "nn/pool_backward.hpp"
#include "nn/pool_forward.hpp"
#include "tools/args.hpp"
#include "tools/io/atomic_file.hpp"
#include "tools/commands.hpp"
#include "tools/io/npy.hpp"

namespace tools {

namespace {

// A required flag naming a file to read or write.
Flag file_flag(const char* name, const char* file, const char* what) { return {name, file, what, true}; }

Flag padding_flag() {
    return {"padding", "same|valid|PH,PW",
            "zeros around the input: TensorFlow's same, none, or PH rows and PW columns on each side (default same)",
            false};
}
Flag stride_flag() { return {"stride", "SH,SW", "step between windows, rows then columns (default 1,1)", false}; }
Flag kernel_flag() { return {"kernel", "KH,KW", "window size, rows then columns", true}; }
Flag mode_flag() { return {"mode", "max|avg", "max or average pooling (default max)", false}; }

std::vector<Flag> conv_forward_flags() {
    return {file_flag("A", "A.npy", "A_prev, (m, h_prev, w_prev, c_prev)"),
            file_flag("W", "W.npy", "kernels, (kh, kw, c_prev, c_new)"),
            file_flag("b", "b.npy", "biases, (1, 1, 1, c_new)"),
            {"activation", "relu|tanh|sigmoid|linear", "applied to every output (default linear)", false},
            padding_flag(),
            stride_flag(),
            file_flag("out", "Z.npy", "where to write Z, (m, h_new, w_new, c_new)")};
}

std::vector<Flag> pool_forward_flags() {
    return {file_flag("A", "A.npy", "A_prev, (m, h_prev, w_prev, c_prev)"),
            kernel_flag(),
            stride_flag(),
            mode_flag(),
            file_flag("out", "Z.npy", "where to write Z, (m, h_new, w_new, c_prev)")};
}

std::vector<Flag> conv_backward_flags() {
    return {file_flag("dZ", "dZ.npy", "gradient of the pre-activation output, (m, h_new, w_new, c_new)"),
            file_flag("A", "A.npy", "A_prev, (m, h_prev, w_prev, c_prev)"),
            file_flag("W", "W.npy", "kernels, (kh, kw, c_prev, c_new)"),
            file_flag("b", "b.npy", "biases, (1, 1, 1, c_new)"),
            padding_flag(),
            stride_flag(),
            file_flag("out-dA", "dA.npy", "where to write dA_prev, shaped like A_prev"),
            file_flag("out-dW", "dW.npy", "where to write dW, shaped like W"),
            file_flag("out-db", "db.npy", "where to write db, shaped like b")};
}

std::vector<Flag> pool_backward_flags() {
    return {file_flag("dA", "dA.npy", "gradient of pool_forward's output, (m, h_new, w_new, c_prev)"),
            file_flag("A", "A.npy", "A_prev, (m, h_prev, w_prev, c_prev)"),
            kernel_flag(),
            stride_flag(),
            mode_flag(),
            file_flag("out", "dA_prev.npy", "where to write dA_prev, shaped like A_prev")};
}

nn::Stride stride_of(const Flags& flags) {
    auto s = flags.positive_pair("stride", {1, 1});
    return {s.first, s.second};
}

nn::Window kernel_of(const Flags& flags) {
    auto k = flags.positive_pair("kernel");
    return {k.first, k.second};
}

// What one `plaincnn pass` may produce and do. Every size below is worked out
// from the input shapes and the flags before anything is allocated, so a tiny
// file or a large --padding cannot ask for gigabytes or hours:
//  - an output holds at most 2^28 float32 values (1 GiB): more than five
//    times all of MNIST's training images (47 M values), and what a laptop
//    still holds next to the inputs;
//  - a pass does at most 2^38 (about 2.7e11) multiply-adds or window visits,
//    minutes of the reference loops.
// An output with no values at all is made directly, without running loops
// over extents that may be huge, e.g. A_prev (1, 20000, 20000, 0).
const std::uint64_t kMaxOutputValues = std::uint64_t{1} << 28;
const std::uint64_t kMaxWork = std::uint64_t{1} << 38;

// a * b, or UINT64_MAX if that overflows (the limits above are far below).
std::uint64_t times(std::uint64_t a, std::uint64_t b) {
    return a != 0 && b > UINT64_MAX / a ? UINT64_MAX : a * b;
}

std::uint64_t values_of(const nn::Shape& shape) {
    std::uint64_t n = 1;
    for (int d : shape) n = times(n, static_cast<std::uint64_t>(d));
    return n;
}

// Refuses output @p name of @p shape if it exceeds kMaxOutputValues, naming
// the output's flag and, in @p from, the inputs and flags that set its size.
void check_output(const char* flag, const char* name, const nn::Shape& shape, const std::string& from) {
    const std::uint64_t n = values_of(shape);
    if (n <= kMaxOutputValues) return;
    const std::string count = n == UINT64_MAX ? "more than 2^64" : std::to_string(n);
    throw std::invalid_argument("--" + std::string(flag) + ": " + name + " would be " + nn::shape_str(shape) + ", " +
                                count + " values, more than the " + std::to_string(kMaxOutputValues) +
                                " (1 GiB) plaincnn pass writes; it comes from " + from);
}

// Refuses a pass that would visit more than kMaxWork (output value, window
// element) pairs: @p outputs values each over a kh x kw x @p depth window.
void check_work(const char* pass, std::uint64_t outputs, const nn::Geometry& g, int depth, const std::string& from) {
    const std::uint64_t work =
        times(times(outputs, static_cast<std::uint64_t>(g.kh) * static_cast<std::uint64_t>(g.kw)),
              static_cast<std::uint64_t>(std::max(depth, 1)));
    if (work <= kMaxWork) return;
    throw std::invalid_argument(std::string(pass) + " would take about " +
                                (work == UINT64_MAX ? std::string("more than 2^64") : std::to_string(work)) +
                                " steps (" + std::to_string(outputs) + " outputs, each over a window of " +
                                std::to_string(g.kh) + "x" + std::to_string(g.kw) + "x" + std::to_string(depth) +
                                "), more than the " + std::to_string(kMaxWork) + " plaincnn pass allows; from " + from);
}

// "--A 'A.npy' (1,5,5,1)": a file flag, its value and the shape read from it, for messages.
std::string input(const Flags& flags, const char* flag, const nn::Tensor& t) {
    return "--" + std::string(flag) + " '" + nn::excerpt(flags.text(flag), 80) + "' " + t.shape_str();
}

std::string geometry_flags(const Flags& flags, bool with_padding) {
    std::string s = with_padding ? ", --padding " + nn::excerpt(flags.text("padding", "same")) : "";
    return s + ", --stride " + nn::excerpt(flags.text("stride", "1,1"));
}

void report(const std::string& what, const nn::Tensor& t, const std::string& path) {
    std::cout << "wrote " << what << " " << t.shape_str() << " to " << path << "\n";
}

int conv_forward(const Flags& flags) {
    nn::Activation act = nn::Activation::parse(flags.text("activation", "linear"), "--activation");
    nn::Padding pad = nn::Padding::parse(flags.text("padding", "same"), "--padding");
    nn::Stride stride = stride_of(flags);
    nn::Tensor A_prev = io::read_npy(flags.text("A")), W = io::read_npy(flags.text("W"));
    nn::Tensor b = io::read_npy(flags.text("b"));
    // The pass's own checks, then its output's size, before it allocates.
    const nn::Geometry g = nn::make_conv_geometry("conv_forward", A_prev, W, b, pad, stride);
    const nn::Shape z_shape{g.m, g.h, g.w, W.dim(3)};
    const std::string from = input(flags, "A", A_prev) + ", " + input(flags, "W", W) + geometry_flags(flags, true);
    check_output("out", "Z", z_shape, from);
    check_work("conv_forward", values_of(z_shape), g, g.c_prev, from);
    nn::Tensor Z = values_of(z_shape) == 0 ? nn::Tensor(z_shape) : nn::conv_forward(A_prev, W, b, act, pad, stride);
    io::write_npy(flags.text("out"), Z);
    report("Z", Z, flags.text("out"));
    return 0;
}

int pool_forward(const Flags& flags) {
    nn::Window kernel = kernel_of(flags);
    nn::Stride stride = stride_of(flags);
    nn::PoolMode mode = nn::parse_pool_mode(flags.text("mode", "max"), "--mode");
    nn::Tensor A_prev = io::read_npy(flags.text("A"));
    const nn::Geometry g =
        nn::make_geometry("pool_forward", A_prev.shape, kernel.kh, kernel.kw, nn::Padding::valid(), stride);
    const nn::Shape z_shape{g.m, g.h, g.w, g.c_prev};
    const std::string from = input(flags, "A", A_prev) + ", --kernel " + nn::excerpt(flags.text("kernel")) +
                             geometry_flags(flags, false);
    check_output("out", "Z", z_shape, from);
    check_work("pool_forward", values_of(z_shape), g, 1, from);
    nn::Tensor Z = values_of(z_shape) == 0 ? nn::Tensor(z_shape) : nn::pool_forward(A_prev, kernel, stride, mode);
    io::write_npy(flags.text("out"), Z);
    report("Z", Z, flags.text("out"));
    return 0;
}

int conv_backward(const Flags& flags) {
    nn::Padding pad = nn::Padding::parse(flags.text("padding", "same"), "--padding");
    nn::Stride stride = stride_of(flags);
    nn::Tensor dZ = io::read_npy(flags.text("dZ")), A_prev = io::read_npy(flags.text("A"));
    nn::Tensor W = io::read_npy(flags.text("W")), b = io::read_npy(flags.text("b"));
    // With no values in dZ every gradient is zero: made directly, without
    // loops over extents that may be huge. The pass itself refuses a dZ whose
    // shape is not the forward output's.
    const nn::Geometry geo = nn::make_conv_geometry("conv_backward", A_prev, W, b, pad, stride);
    const bool no_dZ = dZ.shape == nn::Shape{geo.m, geo.h, geo.w, W.dim(3)} && dZ.size() == 0;
    check_work("conv_backward", dZ.size(), geo, geo.c_prev,
               input(flags, "dZ", dZ) + ", " + input(flags, "A", A_prev) + ", " + input(flags, "W", W) +
                   geometry_flags(flags, true));
    nn::ConvGrads g = no_dZ ? nn::ConvGrads{nn::Tensor(A_prev.shape), nn::Tensor(W.shape), nn::Tensor(b.shape)}
                            : nn::conv_backward(dZ, A_prev, W, b, pad, stride);
    // All three are staged before any is renamed into place.
    io::write_files_atomic({{flags.text("out-dA"), io::encode_npy(g.dA_prev)},
                            {flags.text("out-dW"), io::encode_npy(g.dW)},
                            {flags.text("out-db"), io::encode_npy(g.db)}});
    report("dA_prev", g.dA_prev, flags.text("out-dA"));
    report("dW", g.dW, flags.text("out-dW"));
    report("db", g.db, flags.text("out-db"));
    return 0;
}

int pool_backward(const Flags& flags) {
    nn::Window kernel = kernel_of(flags);
    nn::Stride stride = stride_of(flags);
    nn::PoolMode mode = nn::parse_pool_mode(flags.text("mode", "max"), "--mode");
    nn::Tensor dA = io::read_npy(flags.text("dA")), A_prev = io::read_npy(flags.text("A"));
    const nn::Geometry g =
        nn::make_geometry("pool_backward", A_prev.shape, kernel.kh, kernel.kw, nn::Padding::valid(), stride);
    const bool no_dA = dA.shape == nn::Shape{g.m, g.h, g.w, g.c_prev} && dA.size() == 0;
    check_work("pool_backward", dA.size(), g, 1,
               input(flags, "dA", dA) + ", " + input(flags, "A", A_prev) + ", --kernel " +
                   nn::excerpt(flags.text("kernel")) + geometry_flags(flags, false));
    nn::Tensor dA_prev = no_dA ? nn::Tensor(A_prev.shape) : nn::pool_backward(dA, A_prev, kernel, stride, mode);
    io::write_npy(flags.text("out"), dA_prev);
    report("dA_prev", dA_prev, flags.text("out"));
    return 0;
}

// One pass: its name, a one-line summary, its flags and what runs it.
struct Pass {
    std::string name;
    std::string summary;
    std::vector<Flag> flags;
    int (*run)(const Flags&);
};

std::vector<Pass> passes() {
    return {{"conv_forward", "Z = act(A_prev * W + b), course exercise 0", conv_forward_flags(), conv_forward},
            {"pool_forward", "max or average pooling, course exercise 1", pool_forward_flags(), pool_forward},
            {"conv_backward", "dA_prev, dW, db from dZ, course exercise 2", conv_backward_flags(), conv_backward},
            {"pool_backward", "dA_prev from dA, course exercise 3", pool_backward_flags(), pool_backward}};
}

std::string pass_help(const Pass& p) {
    return format_help("usage: plaincnn pass " + p.name + " [flags]\n" + p.summary +
                           ". Inputs are .npy files of '<f4' or '<f8'; outputs are '<f4'.",
                       p.flags);
}

}  // namespace

int cmd_pass(const Args& args) {
    const std::vector<Pass> all = passes();
    if (args.empty() || args[0] == "--help" || args[0] == "-h") {
        if (args.empty())
            throw std::invalid_argument(
                "missing the pass name: conv_forward, pool_forward, conv_backward or pool_backward (see plaincnn pass --help)");
        std::cout << "usage: plaincnn pass conv_forward|pool_forward|conv_backward|pool_backward [flags]\n";
        for (const Pass& p : all) std::cout << "\n" << pass_help(p);
        return 0;
    }
    for (const Pass& p : all) {
        if (p.name != args[0]) continue;
        Flags flags(Args(args.begin() + 1, args.end()), p.flags);
        if (flags.help()) {
            std::cout << pass_help(p);
            return 0;
        }
        return p.run(flags);
    }
    throw std::invalid_argument("unknown pass '" + args[0] +
                                "' (expected conv_forward, pool_forward, conv_backward or pool_backward)");
}

}  // namespace tools
