// `plaincnn figures`: the experiments and figures behind the AlexNet post.
//
//   plaincnn figures all|architecture|relu-tanh|kernels|ablation|examples
//                    [--out DIR] [--cache DIR] [--data DIR] [--source FILE] [--quick] [--quiet]
//   plaincnn figures check FILE...      checks that each .svg is well-formed XML
//                                       with an svg root and each .png is
//                                       structurally valid (chunks, CRCs)
//
// paper-summary/render.sh calls one figure at a time, then pandoc.
#include <fstream>
#include <iostream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "tools/args.hpp"
#include "tools/commands.hpp"
#include "tools/figures/figures.hpp"
#include "tools/io/png.hpp"
#include "tools/io/svg.hpp"

namespace tools {

namespace {

const char* const kUsage =
    "usage: plaincnn figures all|architecture|relu-tanh|kernels|ablation|examples [options]\n"
    "       plaincnn figures check FILE...\n"
    "Runs the seeded, cached experiments behind the AlexNet post and writes\n"
    "OUT/figures/*.svg, OUT/numbers/*.yaml and OUT/examples/*.md.\n"
    "check validates .svg and .png files and prints one line per file.";

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(path + ": cannot open");
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

int check_files(const Args& files) {
    if (files.empty()) throw std::invalid_argument("check: give one or more .svg or .png files");
    for (const std::string& path : files) {
        std::string bytes = read_all(path);
        auto ends = [&path](const char* ext) {
            std::string e = ext;
            return path.size() >= e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0;
        };
        if (ends(".png")) {
            io::PngInfo info = io::check_png(bytes, path);
            std::cout << "ok " << path << " (PNG " << info.width << "x" << info.height << ", " << info.chunks
                      << " chunks)\n";
        } else if (ends(".svg")) {
            int elements = io::check_svg(bytes, path);
            std::cout << "ok " << path << " (SVG, " << elements << " elements)\n";
        } else {
            throw std::invalid_argument(path + ": expected a .svg or .png file");
        }
    }
    return 0;
}

}  // namespace

int cmd_figures(const Args& args) {
    const figures::FigureOptions defaults;
    const std::vector<Flag> known = {
        {"out", "DIR", "where figures/, numbers/ and examples/ are written (default " + defaults.out + ")", false},
        {"cache", "DIR", "cached experiment results, kept per build of plaincnn (default " + defaults.cache + ")", false},
        {"data", "DIR", "folder with the four MNIST IDX files (default " + defaults.data + ")", false},
        {"source", "FILE", "the example snippets' source (default " + defaults.source + ")", false},
        {"quick", "", "tiny runs on synthetic data, for the tests", false},
        {"quiet", "", "no progress lines on stderr", false},
    };
    if (args.empty() || args[0] == "--help" || args[0] == "-h") {
        std::cout << format_help(kUsage, known);
        return args.empty() ? 2 : 0;
    }
    const std::string which = args[0];
    Args rest(args.begin() + 1, args.end());
    if (which == "check") return check_files(rest);

    Flags flags(rest, known);
    if (flags.help()) {
        std::cout << format_help(kUsage, known);
        return 0;
    }
    figures::FigureOptions options;
    options.out = flags.text("out", defaults.out);
    options.cache = flags.text("cache", defaults.cache);
    options.data = flags.text("data", defaults.data);
    options.source = flags.text("source", defaults.source);
    options.quick = flags.has("quick");
    options.verbose = !flags.has("quiet");
    options.code_version = figures::this_build();  // results of another build are not reused

    bool all = which == "all";
    bool known_name = all;
    auto run = [&](const char* name, void (*figure)(const figures::FigureOptions&)) {
        if (!all && which != name) return;
        known_name = true;
        figure(options);
        std::cout << "figures: " << name << " written to " << options.out << "\n";
    };
    run("architecture", figures::figure_architecture);
    run("examples", figures::figure_examples);
    run("relu-tanh", figures::figure_relu_tanh);
    run("kernels", figures::figure_kernels);
    run("ablation", figures::figure_ablation);
    if (!known_name) {
        throw std::invalid_argument("unknown figure '" + which +
                                    "' (expected all, architecture, relu-tanh, kernels, ablation, examples or check)");
    }
    return 0;
}

}  // namespace tools
