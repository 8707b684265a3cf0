// The bench's pass cases: the machine measurements, the course's example
// passes and every LeNet-5 layer. A pass case times the reference pass, then
// the fast pass (nn/fast/) at each thread count on a ThreadPool kept for all
// its runs, as a training loop keeps one.
#include "tools/bench/cases.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "nn/activations.hpp"
#include "nn/conv_backward.hpp"
#include "nn/conv_forward.hpp"
#include "nn/dense.hpp"
#include "nn/fast/conv_backward.hpp"
#include "nn/fast/conv_forward.hpp"
#include "nn/fast/dense.hpp"
#include "nn/fast/pool.hpp"
#include "nn/fast/thread_pool.hpp"
#include "nn/pool_backward.hpp"
#include "nn/pool_forward.hpp"
#include "tools/bench/kernels.hpp"

namespace tools::bench {

using nn::Tensor;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double median_time(const std::function<void()>& f, int runs, double min_run) {
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

namespace {

// PyTorch 1.13 on the same machine class, from the issue (seconds).
constexpr double kTorchCourseConvForward = 0.38;
constexpr double kTorchCoursePoolForward = 0.38;
constexpr double kTorchC3Forward = 0.14e-3;
constexpr double kTorchC3Backward = 0.59e-3;

// Median seconds per call of the fast pass @p f, run on a ThreadPool of t
// threads kept for all the runs (as a training loop keeps one).
double pooled_time(int t, int runs, const std::function<void(nn::fast::ThreadPool&)>& f) {
    nn::fast::ThreadPool pool(t);
    return median_time([&] { f(pool); }, runs);
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

}  // namespace

// A conv layer's forward and backward: the reference, then the fast pass at
// each thread count, returning a fresh output (allocated and zeroed by the
// calling thread; the CLI keeps freed memory in the heap, see tools/main.cpp,
// so only the first call in a process page-faults it in). For a first layer,
// also the backward without dA_prev, as training runs it.
void conv_case(Bench& b, const std::string& group, const std::string& name, const nn::Shape& a_shape,
               const nn::Shape& w_shape, nn::Padding pad, int runs, double torch_fwd, double torch_bwd,
               bool backward, bool first_layer) {
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
            b.add(measured("machine", "40 us loop on a kept ThreadPool: time over 40/threads us", t,
                           pool_handoff_us(t), "us per loop"));
        }
    for (const TileSpeeds& tile : tile_speeds(0.2)) {
        const std::string shape = "tile " + std::to_string(tile.channels) + "x" + std::to_string(tile.pixels);
        b.add(measured("machine", shape + ", plain loops (auto-vectorised)", 1, tile.plain_gflops, "GFLOP/s"));
        b.add(measured("machine", shape + ", nn::fast::simd::Vec", 1, tile.vec_gflops, "GFLOP/s"));
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

}  // namespace tools::bench
