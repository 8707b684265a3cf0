// `plaincnn bench`: how fast the fast passes are, as a table.
//
// Every case is timed over several runs; the table shows the median run, its
// GFLOP/s (FLOP = 2 x multiply-adds; for pooling, one per window cell), that
// rate as a fraction of this machine's FMA peak with the same thread count
// (measured first, with a short FMA loop), and the speed-up over the plain
// loop-nest reference passes and over PyTorch where the issue gives its
// figure. A run of a short case repeats the call until it lasts about 20 ms
// and reports the time per call. The groups (--only):
//   machine   FMA peak, thread start cost, plain-loop vs nn::fast::simd::Vec tile
//   course    the course's example passes on 50,000 images, forward and backward
//   lenet     every LeNet-5 layer forward and backward at batch 32
//   epoch     one LeNet-5 training epoch (50,000 images, from a cold start) on
//             the nn/ core alone and on each front-end, and what they add
//   scaling   conv_forward at 28, 56 and 112 pixels; epochs at batch 32 and 128
//   contend   the Keras epoch beside as many busy processes as there are
//             cores, started by the bench, at 1 thread and at the chosen count
// Every epoch row also shows how far it is from the arithmetic floor (its
// FLOP at the FMA peak measured with the same thread count).
// A pass case times the reference pass, then the fast pass on a ThreadPool at
// 1 thread and at the chosen count. Each call returns a fresh output tensor,
// as every pass in training does, allocated and zeroed by the calling thread
// (270 MB for the course's conv). The program keeps freed memory in its heap
// (tools/main.cpp), so only a case's first, untimed call maps those pages;
// the timed runs reuse them.
// Inputs are seeded random numbers (images in [0, 1], one-hot labels): the
// cost of these passes does not depend on the values.
//
// This file reads the flags and runs the chosen groups: the table and its
// JSON are tools/bench/table.cpp, the pass cases tools/bench/cases.cpp, the
// epochs tools/bench/epochs.cpp.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "nn/fast/parallel.hpp"
#include "tools/args.hpp"
#include "tools/bench/cases.hpp"
#include "tools/bench/kernels.hpp"
#include "tools/bench/table.hpp"
#include "tools/commands.hpp"
#include "tools/io/atomic_file.hpp"

namespace tools {

namespace {

// Thread count from --threads, else PLAINCNN_THREADS, else all cores.
int chosen_threads(const Flags& flags) {
    if (flags.has("threads")) {
        const int t = flags.integer("threads", 0, 0, 256);
        return t == 0 ? nn::fast::default_threads() : t;
    }
    if (const char* env = std::getenv("PLAINCNN_THREADS")) {
        const std::string text = env;
        char* end = nullptr;
        const long t = std::strtol(text.c_str(), &end, 10);
        if (text.empty() || *end != '\0' || t < 0 || t > 256)
            throw std::invalid_argument("PLAINCNN_THREADS: expected an integer from 0 to 256, got '" + text + "'");
        return t == 0 ? nn::fast::default_threads() : static_cast<int>(t);
    }
    return nn::fast::default_threads();
}

}  // namespace

int cmd_bench(const Args& args) {
    const std::vector<Flag> known = {
        {"threads", "N", "threads for the multi-threaded rows, 0 for all cores (default: PLAINCNN_THREADS, else all cores)", false},
        {"runs", "N", "runs per pass case, the median is shown (default 5)", false},
        {"epoch-runs", "N", "rounds of epoch runs, every epoch case once per round, interleaved (default 7)", false},
        {"only", "GROUPS", "comma-separated groups to run: machine,course,lenet,epoch,scaling,contend (default all)", false},
        {"json", "FILE", "also write the figures to FILE as JSON", false},
    };
    Flags flags(args, known);
    if (flags.help()) {
        std::cout << format_help("usage: plaincnn bench [--threads N] [--runs N] [--epoch-runs N] [--only GROUPS] [--json FILE]\n"
                                 "Times the fast passes, LeNet-5 layers and training epochs against the reference passes.",
                                 known);
        return 0;
    }
    bench::Bench b;
    const int threads = chosen_threads(flags);
    b.thread_counts = threads > 1 ? std::vector<int>{1, threads} : std::vector<int>{1};
    b.runs = flags.integer("runs", 5, 1, 1000);
    b.epoch_runs = flags.integer("epoch-runs", 7, 1, 1000);
    const std::vector<std::string> all = {"machine", "course", "lenet", "epoch", "scaling", "contend"};
    if (flags.has("only")) {
        std::stringstream list(flags.text("only"));
        for (std::string g; std::getline(list, g, ',');) {
            if (std::find(all.begin(), all.end(), g) == all.end())
                throw std::invalid_argument("--only: unknown group '" + g + "' (expected machine, course, lenet, epoch, scaling or contend)");
            b.groups.push_back(g);
        }
    }
    bench::print_header(std::cout);
    // The peak is always measured: the other rows' percentages need it.
    if (b.wants("machine")) {
        bench::machine_cases(b);
    } else {
        for (int t : b.thread_counts) b.peak[t] = bench::fma_peak_gflops(t, 0.3);
    }
    if (b.wants("course")) bench::course_cases(b);
    if (b.wants("lenet")) bench::lenet_cases(b);
    if (b.wants("epoch") || b.wants("scaling") || b.wants("contend")) {
        const bench::TrainingData data = bench::training_data();
        if (b.wants("epoch")) bench::epoch_cases(b, data);
        if (b.wants("scaling")) bench::scaling_cases(b, data);
        if (b.wants("contend")) bench::contended_cases(b, data);
    }
    if (flags.has("json")) {
        io::write_file_atomic(flags.text("json"), bench::to_json(b));
        std::cout << "figures written to " << flags.text("json") << "\n";
    }
    return 0;
}

}  // namespace tools
