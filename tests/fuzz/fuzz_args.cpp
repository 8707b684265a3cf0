// libFuzzer target: the command line's flag parser (tools::Flags) and the
// value parsers behind the pass flags (--padding, --activation, --mode). The
// input is split at NUL bytes into arguments. Every refusal must be
// std::invalid_argument (one line, what main prints); anything else is a
// finding. What parses must hold what the getters promise.
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "nn/activations.hpp"
#include "nn/geometry.hpp"
#include "nn/pool_forward.hpp"
#include "tools/args.hpp"

namespace {

// Flags of every kind the subcommands declare: files, pairs, integers, a
// seed, choices, a switch.
std::vector<tools::Flag> known() {
    return {{"A", "A.npy", "input", true},
            {"padding", "same|valid|PH,PW", "padding", false},
            {"stride", "SH,SW", "stride", false},
            {"kernel", "KH,KW", "kernel", false},
            {"activation", "relu|tanh|sigmoid|linear", "activation", false},
            {"mode", "max|avg", "mode", false},
            {"epochs", "N", "epochs", false},
            {"seed", "S", "seed", false},
            {"api", "tf1|keras", "front-end", false},
            {"reference", "", "a switch", false}};
}

void abort_unless(bool ok) {
    if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    tools::Args args(1);
    for (std::size_t k = 0; k < size; ++k) {
        if (data[k] == 0)
            args.emplace_back();
        else
            args.back() += static_cast<char>(data[k]);
    }
    try {
        tools::Flags flags(args, known());
        if (flags.help()) return 0;
        abort_unless(!flags.text("A").empty());
        try {
            const auto s = flags.positive_pair("stride", {1, 1});
            abort_unless(s.first >= 1 && s.second >= 1);
        } catch (const std::invalid_argument&) {
        }
        try {
            const int e = flags.integer("epochs", 10, 0, 1000);
            abort_unless(e >= 0 && e <= 1000);
        } catch (const std::invalid_argument&) {
        }
        try {
            flags.unsigned_integer("seed", 0);
        } catch (const std::invalid_argument&) {
        }
        try {
            const std::string api = flags.choice("api", {"tf1", "keras"}, "tf1");
            abort_unless(api == "tf1" || api == "keras");
        } catch (const std::invalid_argument&) {
        }
        try {
            const nn::Padding p = nn::Padding::parse(flags.text("padding", "same"), "--padding");
            abort_unless(p.ph >= 0 && p.pw >= 0);
        } catch (const std::invalid_argument&) {
        }
        try {
            nn::Activation::parse(flags.text("activation", "linear"), "--activation");
        } catch (const std::invalid_argument&) {
        }
        try {
            nn::parse_pool_mode(flags.text("mode", "max"), "--mode");
        } catch (const std::invalid_argument&) {
        }
        flags.has("reference");
        tools::format_help("usage: fuzz", known());
    } catch (const std::invalid_argument&) {
    }
    return 0;
}
