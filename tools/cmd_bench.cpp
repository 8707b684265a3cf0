// `plaincnn bench`: how fast the fast passes are, as a table.
//
// Every case is timed over several runs; the table shows the median run, its
// GFLOP/s (FLOP = 2 x multiply-adds; for pooling, one per window cell), that
// rate as a fraction of this machine's FMA peak with the same thread count
// (measured first, with a short FMA loop), and the speed-up over the plain
// loop-nest reference passes and over PyTorch where the issue gives its
// figure. A run of a short case repeats the call until it lasts about 20 ms
// and reports the time per call. Cases:
//   machine   FMA peak, thread start cost, plain-loop vs nn::fast::simd::Vec tile
//   course    the course's example passes on 50,000 images, forward and backward
//   lenet     every LeNet-5 layer forward and backward at batch 32
// Pass cases return a fresh output tensor, as training's passes do
// (allocated and zeroed by the calling thread; 270 MB for the course's conv,
// most of whose time is then the kernel mapping fresh pages).
//   epoch     one LeNet-5 training epoch (50,000 images, from a cold start) on
//             the nn/ core alone and on each front-end, and what they add
//   scaling   conv_forward at 28, 56 and 112 pixels; epochs at batch 32 and 128
// Inputs are seeded random numbers (images in [0, 1], one-hot labels): the
// cost of these passes does not depend on the values.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <iomanip>
#include <iostream>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "lenet/lenet5.hpp"
#include "lenet/tf1/session.hpp"
#include "nn/activations.hpp"
#include "nn/batch.hpp"
#include "nn/conv_backward.hpp"
#include "nn/fast/conv_backward.hpp"
#include "nn/fast/conv_forward.hpp"
#include "nn/conv_forward.hpp"
#include "nn/dense.hpp"
#include "nn/fast/dense.hpp"
#include "nn/fast/parallel.hpp"
#include "nn/pool_backward.hpp"
#include "nn/fast/pool.hpp"
#include "nn/pool_forward.hpp"
#include "nn/rng.hpp"
#include "nn/fast/thread_pool.hpp"
#include "tools/args.hpp"
#include "tools/atomic_file.hpp"
#include "tools/bench/kernels.hpp"
#include "tools/bench/lenet.hpp"
#include "tools/commands.hpp"

namespace tools {

namespace {

using Clock = std::chrono::steady_clock;
using nn::Tensor;
using bench::fma_peak_gflops;
using bench::lenet_step_flop;
using bench::LenetCore;
using bench::Passes;
using bench::pool_loop_us;
using bench::thread_start_us;
using bench::tile_speeds;
using bench::TileSpeeds;
using bench::train_epoch;

// PyTorch 1.13 on the same machine class, from the issue (seconds).
constexpr double kTorchCourseConvForward = 0.38;
constexpr double kTorchCoursePoolForward = 0.38;
constexpr double kTorchC3Forward = 0.14e-3;
constexpr double kTorchC3Backward = 0.59e-3;
constexpr double kTorchEpoch = 6.0;  // 2 threads, the best setting

constexpr int kTrainImages = 50000;

// One line of the table.
struct Row {
    std::string group;      // machine, course, lenet, epoch, scaling
    std::string name;       // what ran
    int threads = 1;
    double seconds = 0.0;   // median per call
    int runs = 0;
    double flop = 0.0;      // per call; 0 when not meaningful
    double reference = 0.0; // the reference passes' median per call; 0 when not run
    std::string reference_note;  // how the reference time was obtained, if not measured the same way
    double torch = 0.0;     // PyTorch's time from the issue; 0 when none
    double value = 0.0;     // for machine rows: the measured quantity
    std::string unit;       // for machine rows: its unit
    std::string note;       // anything else worth printing with the row
};

// A timed row.
Row timed(const std::string& group, const std::string& name, int threads, double seconds, int runs, double flop,
          double reference, const std::string& reference_note, double torch) {
    Row r;
    r.group = group;
    r.name = name;
    r.threads = threads;
    r.seconds = seconds;
    r.runs = runs;
    r.flop = flop;
    r.reference = reference;
    r.reference_note = reference_note;
    r.torch = torch;
    return r;
}

// A row that reports a measured quantity instead of a time.
Row measured(const std::string& group, const std::string& name, int threads, double value, const std::string& unit) {
    Row r;
    r.group = group;
    r.name = name;
    r.threads = threads;
    r.value = value;
    r.unit = unit;
    return r;
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Median seconds per call of @p f over @p runs runs. A run repeats f until it
// lasts at least @p min_run seconds (one call when f is slower than that).
double median_time(const std::function<void()>& f, int runs, double min_run = 0.02) {
    const Clock::time_point t0 = Clock::now();
    f();  // warm-up, and a first estimate of the cost
    const double first = seconds_since(t0);
    const long calls = first >= min_run ? 1 : std::max(1L, static_cast<long>(std::ceil(min_run / std::max(first, 1e-7))));
    std::vector<double> times;
    for (int r = 0; r < runs; ++r) {
        const Clock::time_point t = Clock::now();
        for (long k = 0; k < calls; ++k) f();
        times.push_back(seconds_since(t) / static_cast<double>(calls));
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

Tensor uniform(const nn::Shape& shape, nn::Rng& rng, float lo, float hi) {
    Tensor t(shape);
    for (float& v : t.data) v = lo + (hi - lo) * static_cast<float>(rng.uniform());
    return t;
}

Tensor one_hot_rows(int n, nn::Rng& rng) {
    Tensor Y({n, 10});
    for (int i = 0; i < n; ++i) Y.data[static_cast<std::size_t>(i) * 10 + rng.below(10)] = 1.0f;
    return Y;
}

// Everything the cases share.
struct Bench {
    std::vector<int> thread_counts;  // 1 and the chosen count
    int runs = 5;
    int epoch_runs = 7;  // on a shared VM a 2-thread epoch varies by 20-40% from run to run
    std::vector<std::string> groups;
    std::vector<Row> rows;
    double peak[257] = {};           // FMA GFLOP/s by thread count
    std::ostream* out = &std::cout;

    bool wants(const std::string& group) const {
        return groups.empty() || std::find(groups.begin(), groups.end(), group) != groups.end();
    }
    void add(Row row) {
        print(row);
        rows.push_back(std::move(row));
    }
    double peak_for(int threads) const { return threads > 0 && threads <= 256 ? peak[threads] : 0.0; }
    void print(const Row& r) const;
};

std::string format_time(double s) {
    std::ostringstream o;
    o << std::fixed;
    if (s >= 1.0)
        o << std::setprecision(2) << s << " s";
    else if (s >= 1e-3)
        o << std::setprecision(2) << s * 1e3 << " ms";
    else
        o << std::setprecision(1) << s * 1e6 << " us";
    return o.str();
}

std::string format_ratio(double r) {
    std::ostringstream o;
    o << std::fixed << std::setprecision(r >= 10 ? 0 : r >= 1 ? 1 : 2) << r << "x";
    return o.str();
}

void Bench::print(const Row& r) const {
    std::ostream& o = *out;
    o << std::left << std::setw(8) << r.group << std::setw(62) << r.name << std::right << std::setw(3) << r.threads;
    if (!r.unit.empty()) {
        std::ostringstream v;
        v << std::fixed << std::setprecision(r.unit == "x" ? 2 : 1) << r.value << " " << r.unit;  // 1.68x is not 1.7x
        o << "  " << v.str() << "\n";
        return;
    }
    o << std::setw(11) << format_time(r.seconds);
    std::ostringstream gf, pk;
    if (r.flop > 0) {
        const double gflops = r.flop / r.seconds / 1e9;
        gf << std::fixed << std::setprecision(1) << gflops;
        if (peak_for(r.threads) > 0) pk << std::fixed << std::setprecision(1) << 100.0 * gflops / peak_for(r.threads) << "%";
    }
    o << std::setw(9) << gf.str() << std::setw(8) << pk.str();
    o << std::setw(10) << (r.reference > 0 ? format_ratio(r.reference / r.seconds) : "");
    o << std::setw(10) << (r.torch > 0 ? format_ratio(r.torch / r.seconds) : "");
    if (r.reference > 0) o << "  ref " << format_time(r.reference) << (r.reference_note.empty() ? "" : " " + r.reference_note);
    if (r.torch > 0) o << "  PyTorch " << format_time(r.torch);
    if (!r.note.empty()) o << "  " << r.note;
    o << "\n" << std::flush;
}

std::string json_escape(const std::string& s) {
    std::string e;
    for (char c : s) {
        if (c == '"' || c == '\\') e += '\\';
        e += c;
    }
    return e;
}

std::string to_json(const Bench& b) {
    std::ostringstream o;
    o << std::setprecision(6);
    o << "{\n  \"fma_peak_gflops\": {";
    bool first = true;
    for (int t : b.thread_counts) {
        o << (first ? "" : ", ") << "\"" << t << "\": " << b.peak_for(t);
        first = false;
    }
    o << "},\n  \"cases\": [\n";
    for (std::size_t k = 0; k < b.rows.size(); ++k) {
        const Row& r = b.rows[k];
        o << "    {\"group\": \"" << json_escape(r.group) << "\", \"case\": \"" << json_escape(r.name)
          << "\", \"threads\": " << r.threads;
        if (!r.unit.empty()) {
            o << ", \"value\": " << r.value << ", \"unit\": \"" << json_escape(r.unit) << "\"";
        } else {
            o << ", \"median_s\": " << r.seconds << ", \"runs\": " << r.runs;
            if (r.flop > 0) {
                const double gflops = r.flop / r.seconds / 1e9;
                o << ", \"gflop\": " << r.flop / 1e9 << ", \"gflops\": " << gflops;
                if (b.peak_for(r.threads) > 0) o << ", \"peak_fraction\": " << gflops / b.peak_for(r.threads);
            }
            if (r.reference > 0)
                o << ", \"reference_s\": " << r.reference << ", \"speedup_vs_reference\": " << r.reference / r.seconds
                  << (r.reference_note.empty() ? "" : ", \"reference_note\": \"" + json_escape(r.reference_note) + "\"");
            if (r.torch > 0) o << ", \"pytorch_s\": " << r.torch << ", \"speedup_vs_pytorch\": " << r.torch / r.seconds;
        }
        if (!r.note.empty()) o << ", \"note\": \"" << json_escape(r.note) << "\"";
        o << "}" << (k + 1 < b.rows.size() ? "," : "") << "\n";
    }
    o << "  ]\n}\n";
    return o.str();
}

// ---------------------------------------------------------------------------
// The cases.

void machine_cases(Bench& b) {
    for (int t : b.thread_counts) {
        b.peak[t] = fma_peak_gflops(t, 0.3);
        b.add(measured("machine", "FMA peak (12 chains of vector FMAs per thread)", t, b.peak[t], "GFLOP/s"));
    }
    for (int t : b.thread_counts)
        if (t > 1) {
            b.add(measured("machine", "start + join threads (empty parallel_for)", t, thread_start_us(t),
                           "us per call"));
            b.add(measured("machine", "empty loop on a kept nn::fast::ThreadPool", t, pool_loop_us(t), "us per call"));
        }
    for (const TileSpeeds& tile : tile_speeds(0.2)) {
        const std::string shape = "tile " + std::to_string(tile.channels) + "x" + std::to_string(tile.pixels);
        b.add(measured("machine", shape + ", plain loops (auto-vectorised)", 1, tile.plain_gflops, "GFLOP/s"));
        b.add(measured("machine", shape + ", nn::fast::simd::Vec", 1, tile.vec_gflops, "GFLOP/s"));
    }
}

// Median seconds per call of the fast pass @p f, run on a ThreadPool of t
// threads kept for all the runs (as a training loop keeps one).
double pooled_time(int t, int runs, const std::function<void(nn::fast::ThreadPool&)>& f) {
    nn::fast::ThreadPool pool(t);
    return median_time([&] { f(pool); }, runs);
}

// A conv layer's forward and backward: the reference, then the fast pass at
// each thread count, returning a fresh output (allocated and zeroed by the
// calling thread; the CLI keeps freed memory in the heap, see tools/main.cpp,
// so only the first call in a process page-faults it in). For a first layer,
// also the backward without dA_prev, as training runs it.
void conv_case(Bench& b, const std::string& group, const std::string& name, const nn::Shape& a_shape,
               const nn::Shape& w_shape, nn::Padding pad, int runs, double torch_fwd, double torch_bwd,
               bool backward = true, bool first_layer = false) {
    nn::Rng rng(1);
    const Tensor A = uniform(a_shape, rng, 0.0f, 1.0f);
    const Tensor W = uniform(w_shape, rng, -0.5f, 0.5f);
    const Tensor bias = uniform({1, 1, 1, w_shape[3]}, rng, -0.1f, 0.1f);
    const nn::Activation relu = nn::Activation::relu();
    const nn::Stride one{1, 1};
    nn::fast::ThreadPool all_cores(0);
    const Tensor Z = nn::fast::conv_forward(A, W, bias, relu, pad, one, all_cores);
    const Tensor dZ = uniform(Z.shape, rng, -1.0f, 1.0f);
    const double flop = 2.0 * static_cast<double>(Z.size()) * w_shape[0] * w_shape[1] * w_shape[2];
    const double ref_f = median_time([&] { nn::conv_forward(A, W, bias, relu, pad, one); }, runs);
    for (int t : b.thread_counts) {
        const double s = pooled_time(t, runs, [&](nn::fast::ThreadPool& p) { nn::fast::conv_forward(A, W, bias, relu, pad, one, p); });
        b.add(timed(group, name + " forward", t, s, runs, flop, ref_f, "", torch_fwd));
    }
    if (!backward) return;
    const double ref_b = median_time([&] { nn::conv_backward(dZ, A, W, bias, pad, one); }, runs);
    for (int t : b.thread_counts) {
        const double s = pooled_time(t, runs, [&](nn::fast::ThreadPool& p) { nn::fast::conv_backward(dZ, A, W, bias, pad, one, p); });
        b.add(timed(group, name + " backward", t, s, runs, 2 * flop, ref_b, "", torch_bwd));
    }
    if (!first_layer) return;
    for (int t : b.thread_counts) {
        const double s = pooled_time(t, runs, [&](nn::fast::ThreadPool& p) {
            nn::fast::conv_backward(dZ, A, W, bias, pad, one, p, false);
        });
        b.add(timed(group, name + " backward, dW db only", t, s, runs, flop, ref_b, "", 0));
    }
}

// A 2x2/2 max pool's forward and backward.
void pool_case(Bench& b, const std::string& group, const std::string& name, const nn::Shape& a_shape, int runs,
               double torch_fwd) {
    nn::Rng rng(2);
    const Tensor A = uniform(a_shape, rng, 0.0f, 1.0f);
    const nn::Window k{2, 2};
    const nn::Stride st{2, 2};
    const nn::PoolMode max = nn::PoolMode::max;
    nn::fast::ThreadPool all_cores(0);
    const Tensor Z = nn::fast::pool_forward(A, k, st, max, all_cores);
    const Tensor dZ = uniform(Z.shape, rng, -1.0f, 1.0f);
    const double cells = 4.0 * static_cast<double>(Z.size());
    const double ref_f = median_time([&] { nn::pool_forward(A, k, st, max); }, runs);
    for (int t : b.thread_counts) {
        const double s = pooled_time(t, runs, [&](nn::fast::ThreadPool& p) { nn::fast::pool_forward(A, k, st, max, p); });
        b.add(timed(group, name + " forward", t, s, runs, cells, ref_f, "", torch_fwd));
    }
    const double ref_b = median_time([&] { nn::pool_backward(dZ, A, k, st, max); }, runs);
    for (int t : b.thread_counts) {
        const double s = pooled_time(t, runs, [&](nn::fast::ThreadPool& p) { nn::fast::pool_backward(dZ, A, k, st, max, p); });
        b.add(timed(group, name + " backward", t, s, runs, cells, ref_b, "", 0));
    }
}

// A dense layer's forward and backward.
void dense_case(Bench& b, const std::string& name, int m, int n_in, int n_out, int runs) {
    nn::Rng rng(3);
    const Tensor A = uniform({m, n_in}, rng, 0.0f, 1.0f);
    const Tensor W = uniform({n_in, n_out}, rng, -0.5f, 0.5f);
    const Tensor bias = uniform({1, n_out}, rng, -0.1f, 0.1f);
    const Tensor dZ = uniform({m, n_out}, rng, -1.0f, 1.0f);
    const double flop = 2.0 * m * n_in * n_out;
    const double ref_f = median_time([&] { nn::dense_forward(A, W, bias); }, runs);
    for (int t : b.thread_counts) {
        const double s = pooled_time(t, runs, [&](nn::fast::ThreadPool& p) { nn::fast::dense_forward(A, W, bias, p); });
        b.add(timed("lenet", name + " forward", t, s, runs, flop, ref_f, "", 0));
    }
    const double ref_b = median_time([&] { nn::dense_backward(dZ, A, W, bias); }, runs);
    for (int t : b.thread_counts) {
        const double s = pooled_time(t, runs, [&](nn::fast::ThreadPool& p) { nn::fast::dense_backward(dZ, A, W, bias, p); });
        b.add(timed("lenet", name + " backward", t, s, runs, 2 * flop, ref_b, "", 0));
    }
}

void course_cases(Bench& b) {
    const int runs = std::min(b.runs, 5);
    conv_case(b, "course", "conv (50000,28,28,1)*(3,3,1,2) valid relu", {kTrainImages, 28, 28, 1}, {3, 3, 1, 2},
              nn::Padding::valid(), runs, kTorchCourseConvForward, 0);
    pool_case(b, "course", "pool max 2x2/2 (50000,28,28,2)", {kTrainImages, 28, 28, 2}, runs, kTorchCoursePoolForward);
}

void lenet_cases(Bench& b) {
    conv_case(b, "lenet", "C1 conv (32,28,28,1)*(5,5,1,6) same relu", {32, 28, 28, 1}, {5, 5, 1, 6},
              nn::Padding::same(), b.runs, 0, 0, true, true);
    pool_case(b, "lenet", "S2 pool max 2x2/2 (32,28,28,6)", {32, 28, 28, 6}, b.runs, 0);
    conv_case(b, "lenet", "C3 conv (32,14,14,6)*(5,5,6,16) valid relu", {32, 14, 14, 6}, {5, 5, 6, 16},
              nn::Padding::valid(), b.runs, kTorchC3Forward, kTorchC3Backward);
    pool_case(b, "lenet", "S4 pool max 2x2/2 (32,10,10,16)", {32, 10, 10, 16}, b.runs, 0);
    dense_case(b, "F5 dense (32,400)*(400,120)", 32, 400, 120, b.runs);
    dense_case(b, "F6 dense (32,120)*(120,84)", 32, 120, 84, b.runs);
    dense_case(b, "F7 dense (32,84)*(84,10)", 32, 84, 10, b.runs);
}

struct TrainingData {
    Tensor X, Y;
};

TrainingData training_data() {
    nn::Rng rng(4);
    return {uniform({kTrainImages, 28, 28, 1}, rng, 0.0f, 1.0f), one_hot_rows(kTrainImages, rng)};
}

// Seconds of one epoch on the nn/ core, from a cold start (fresh weights and Adam state).
double core_epoch_seconds(const TrainingData& data, Passes passes, int threads, int batch_size, int runs) {
    return median_time(
        [&] {
            LenetCore net(1, passes, threads);
            train_epoch(net, data.X, data.Y, batch_size, 2);
        },
        runs, 0.0);
}

// The reference passes take tens of seconds per epoch: time @p steps steps
// and scale to the epoch's step count.
double reference_epoch_estimate(const TrainingData& data, int batch_size, int steps) {
    const int n = std::min(kTrainImages, steps * batch_size);
    TrainingData part{Tensor({n, 28, 28, 1}), Tensor({n, 10})};
    std::copy(data.X.data.begin(), data.X.data.begin() + static_cast<long>(part.X.size()), part.X.data.begin());
    std::copy(data.Y.data.begin(), data.Y.data.begin() + static_cast<long>(part.Y.size()), part.Y.data.begin());
    const double t = core_epoch_seconds(part, Passes::reference, 1, batch_size, 1);
    const double epoch_steps = std::ceil(static_cast<double>(kTrainImages) / batch_size);
    const double part_steps = std::ceil(static_cast<double>(n) / batch_size);
    return t * epoch_steps / part_steps;
}

// One epoch on the TF1-style front-end: graph, variables, then train_op on every mini-batch.
void tf1_epoch(const TrainingData& data, int threads) {
    tf1::Graph graph;
    graph.set_random_seed(1);
    const tf1::Tensor x = tf1::placeholder(graph, {-1, 28, 28, 1}, "x");
    const tf1::Tensor y = tf1::placeholder(graph, {-1, 10}, "y");
    const tf1::LeNet5 net = tf1::lenet5(x, y);
    const tf1::Operation init = tf1::global_variables_initializer(graph);
    tf1::SessionConfig config;
    config.intra_op_parallelism_threads = threads;
    tf1::Session sess(graph, config);
    sess.run(init);
    std::vector<std::size_t> order(static_cast<std::size_t>(kTrainImages));
    std::iota(order.begin(), order.end(), std::size_t{0});
    nn::Rng rng(2);
    rng.shuffle(order);
    for (std::size_t begin = 0; begin < order.size(); begin += 32) {
        const std::size_t end = std::min(order.size(), begin + 32);
        sess.run(net.train_op,
                 {{x, nn::gather_samples(data.X, order, begin, end)}, {y, nn::gather_samples(data.Y, order, begin, end)}});
    }
}

// One epoch on the Keras-style front-end: lenet5(X) (compiled), then fit.
void keras_epoch(const TrainingData& data, int threads) {
    keras::Input input({28, 28, 1});
    keras::Sequential model = keras::lenet5(input, 1);
    model.set_threads(threads);
    model.fit(data.X, data.Y, 32, 1, 0, true);
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// The epochs are timed in rounds: a round runs every case once (the core,
// then TF1, then Keras, each at every thread count), after one warm-up round.
// A virtual machine's speed drifts by 10-20% within a minute; interleaving
// puts the cases a ratio compares side by side in time, and each ratio
// (speed-up from 1 thread, a front-end over the core) is the median of its
// per-round ratios, so a slow minute moves both sides of it.
void epoch_cases(Bench& b, const TrainingData& data) {
    const double flop = lenet_step_flop(32) * (kTrainImages / 32.0);
    const int steps = 100;
    const double ref = reference_epoch_estimate(data, 32, steps);
    const std::string note = "(1 thread, from " + std::to_string(steps) + " steps)";
    struct Kind {
        std::string name, short_name;
        std::function<void(int)> epoch;
    };
    const std::vector<Kind> kinds = {
        {"LeNet-5, nn/ core alone, batch 32", "nn/ core",
         [&](int t) {
             LenetCore net(1, Passes::fast, t);
             train_epoch(net, data.X, data.Y, 32, 2);
         }},
        // The front-ends as `plaincnn train` runs them, from building the model to the end of the epoch.
        {"LeNet-5, TF1-style front-end, batch 32", "TF1", [&](int t) { tf1_epoch(data, t); }},
        {"LeNet-5, Keras-style front-end, batch 32", "Keras", [&](int t) { keras_epoch(data, t); }},
    };
    const std::size_t T = b.thread_counts.size();
    // times[kind][thread count][round]
    std::vector<std::vector<std::vector<double>>> times(kinds.size(), std::vector<std::vector<double>>(T));
    for (int round = -1; round < b.epoch_runs; ++round)
        for (std::size_t k = 0; k < kinds.size(); ++k)
            for (std::size_t j = 0; j < T; ++j) {
                const Clock::time_point t0 = Clock::now();
                kinds[k].epoch(b.thread_counts[j]);
                if (round >= 0) times[k][j].push_back(seconds_since(t0));
            }
    // The median over rounds of a per-round ratio.
    auto ratio = [&](std::size_t k1, std::size_t j1, std::size_t k2, std::size_t j2) {
        std::vector<double> r;
        for (int round = 0; round < b.epoch_runs; ++round)
            r.push_back(times[k1][j1][static_cast<std::size_t>(round)] / times[k2][j2][static_cast<std::size_t>(round)]);
        return median(r);
    };
    for (std::size_t k = 0; k < kinds.size(); ++k) {
        for (std::size_t j = 0; j < T; ++j) {
            Row r = timed("epoch", kinds[k].name, b.thread_counts[j], median(times[k][j]), b.epoch_runs, flop, ref,
                          note, kTorchEpoch);
            // The spread: on a shared machine a run now and then loses a core for a while.
            const auto [lo, hi] = std::minmax_element(times[k][j].begin(), times[k][j].end());
            std::ostringstream extra;
            extra << std::fixed << std::setprecision(2) << "runs " << *lo << "-" << *hi << " s";
            if (k > 0)
                extra << std::setprecision(1) << std::showpos << ", " << 100.0 * (ratio(k, j, 0, j) - 1.0)
                      << "% over the core";
            r.note = extra.str();
            b.add(r);
        }
        if (T > 1)
            b.add(measured("epoch", "speed-up of the " + kinds[k].short_name + " epoch from 1 thread",
                           b.thread_counts.back(), ratio(k, 0, k, T - 1), "x"));
    }
}

void scaling_cases(Bench& b, const TrainingData& data) {
    for (int size : {28, 56, 112})
        conv_case(b, "scaling", "C1 conv (32," + std::to_string(size) + "," + std::to_string(size) + ",1)*(5,5,1,6) same relu",
                  {32, size, size, 1}, {5, 5, 1, 6}, nn::Padding::same(), b.runs, 0, 0, false);
    for (int batch : {32, 128}) {
        const double flop = lenet_step_flop(batch) * (static_cast<double>(kTrainImages) / batch);
        for (int t : b.thread_counts)
            b.add(timed("scaling", "LeNet-5 epoch, nn/ core alone, batch " + std::to_string(batch), t,
                   core_epoch_seconds(data, Passes::fast, t, batch, b.epoch_runs), b.epoch_runs, flop, 0, "", 0));
    }
}

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
        {"only", "GROUPS", "comma-separated groups to run: machine,course,lenet,epoch,scaling (default all)", false},
        {"json", "FILE", "also write the figures to FILE as JSON", false},
    };
    Flags flags(args, known);
    if (flags.help()) {
        std::cout << format_help("usage: plaincnn bench [--threads N] [--runs N] [--epoch-runs N] [--only GROUPS] [--json FILE]\n"
                                 "Times the fast passes, LeNet-5 layers and training epochs against the reference passes.",
                                 known);
        return 0;
    }
    Bench b;
    const int threads = chosen_threads(flags);
    b.thread_counts = threads > 1 ? std::vector<int>{1, threads} : std::vector<int>{1};
    b.runs = flags.integer("runs", 5, 1, 1000);
    b.epoch_runs = flags.integer("epoch-runs", 7, 1, 1000);
    const std::vector<std::string> all = {"machine", "course", "lenet", "epoch", "scaling"};
    if (flags.has("only")) {
        std::stringstream list(flags.text("only"));
        for (std::string g; std::getline(list, g, ',');) {
            if (std::find(all.begin(), all.end(), g) == all.end())
                throw std::invalid_argument("--only: unknown group '" + g + "' (expected machine, course, lenet, epoch or scaling)");
            b.groups.push_back(g);
        }
    }
    std::cout << std::left << std::setw(8) << "group" << std::setw(62) << "case" << std::right << std::setw(3) << "thr"
              << std::setw(11) << "median" << std::setw(9) << "GFLOP/s" << std::setw(8) << "peak" << std::setw(10)
              << "vs ref" << std::setw(10) << "vs torch" << "\n";
    // The peak is always measured: the other rows' percentages need it.
    if (b.wants("machine")) {
        machine_cases(b);
    } else {
        for (int t : b.thread_counts) b.peak[t] = fma_peak_gflops(t, 0.3);
    }
    if (b.wants("course")) course_cases(b);
    if (b.wants("lenet")) lenet_cases(b);
    if (b.wants("epoch") || b.wants("scaling")) {
        const TrainingData data = training_data();
        if (b.wants("epoch")) epoch_cases(b, data);
        if (b.wants("scaling")) scaling_cases(b, data);
    }
    if (flags.has("json")) {
        write_file_atomic(flags.text("json"), to_json(b));
        std::cout << "figures written to " << flags.text("json") << "\n";
    }
    return 0;
}

}  // namespace tools
