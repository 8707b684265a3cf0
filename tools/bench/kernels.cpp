// Machine measurements for the bench: FMA peak, thread start cost, and the
// plain-loop versus nn::fast::simd::Vec register tile.
//
//   FMA peak: acc[r] = acc[r] * x + y on 12 independent vectors per thread,
//             2 FLOP per lane per step.
//   tile:     acc[c][j] += a_t[j] w[t, c] for c < CB, j < P, t < 150 taps,
//             2 FLOP per product, the inner loop of nn/fast/conv_planes.cpp, for
//             the three tile shapes LeNet-5 uses.
#include "tools/bench/kernels.hpp"

#include <algorithm>
#include <chrono>
#include <vector>

#include "nn/fast/parallel.hpp"
#include "nn/fast/simd.hpp"
#include "nn/fast/thread_pool.hpp"

namespace tools::bench {

namespace {

using Clock = std::chrono::steady_clock;
using nn::fast::simd::kLanes;
using nn::fast::simd::Vec;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

constexpr int kChains = 12;

// Runs @p steps steps of kChains vector FMAs; returns a value that depends on
// all of them so the compiler cannot drop the loop.
float fma_chains(long steps, float x, float y) {
    Vec acc[kChains];
    for (int r = 0; r < kChains; ++r) acc[r] = nn::fast::simd::zero() + static_cast<float>(r);
    for (long s = 0; s < steps; ++s)
        for (int r = 0; r < kChains; ++r) acc[r] = acc[r] * x + y;
    float lanes[kLanes], sum = 0.0f;
    for (int r = 0; r < kChains; ++r) {
        nn::fast::simd::store(lanes, acc[r]);
        for (int l = 0; l < kLanes; ++l) sum += lanes[l];
    }
    return sum;
}

constexpr int kTileTaps = 150;

// The tile as plain loops over float arrays: CB channels x P pixels.
template <int CB, int P>
__attribute__((noinline)) void tile_plain(const float* src, const int* off, const float* w, float* out) {
    float acc[CB][P] = {};
    for (int t = 0; t < kTileTaps; ++t) {
        const float* a_t = src + off[t];
        for (int c = 0; c < CB; ++c) {
            const float w_tc = w[t * CB + c];
            for (int j = 0; j < P; ++j) acc[c][j] += a_t[j] * w_tc;
        }
    }
    for (int c = 0; c < CB; ++c)
        for (int j = 0; j < P; ++j) out[c * P + j] = acc[c][j];
}

// The same tile with one Vec per register, as nn/fast/conv_planes.cpp writes it.
template <int CB, int P>
__attribute__((noinline)) void tile_vec(const float* src, const int* off, const float* w, float* out) {
    constexpr int NV = P / kLanes;
    Vec acc[CB][NV];
    for (int c = 0; c < CB; ++c)
        for (int v = 0; v < NV; ++v) acc[c][v] = nn::fast::simd::zero();
    for (int t = 0; t < kTileTaps; ++t) {
        const float* a_t = src + off[t];
        Vec a[NV];
        for (int v = 0; v < NV; ++v) a[v] = nn::fast::simd::load(a_t + v * kLanes);
        for (int c = 0; c < CB; ++c) {
            const float w_tc = w[t * CB + c];
            for (int v = 0; v < NV; ++v) acc[c][v] += a[v] * w_tc;
        }
    }
    for (int c = 0; c < CB; ++c)
        for (int v = 0; v < NV; ++v) nn::fast::simd::store(out + c * P + v * kLanes, acc[c][v]);
}

template <int CB, int P, typename Tile>
double tile_gflops(Tile tile, double seconds) {
    // Planes as the fast conv reads them: 6 channels of 18 x 18.
    std::vector<float> src(6 * 18 * 18 + P + 64, 0.5f), w(kTileTaps * CB, 0.25f), out(CB * P);
    std::vector<int> off(kTileTaps);
    for (int t = 0; t < kTileTaps; ++t) off[static_cast<std::size_t>(t)] = (t % 6) * 18 * 18 + (t / 30) * 18 + (t / 6) % 5;
    long calls = 0;
    const Clock::time_point t0 = Clock::now();
    double elapsed = 0.0;
    do {
        for (int k = 0; k < 1000; ++k) tile(src.data(), off.data(), w.data(), out.data());
        calls += 1000;
        elapsed = seconds_since(t0);
    } while (elapsed < seconds);
    return 2.0 * CB * P * kTileTaps * static_cast<double>(calls) / elapsed / 1e9;
}

template <int CB, int P>
TileSpeeds tile_pair(double seconds) {
    return {CB, P, tile_gflops<CB, P>(tile_plain<CB, P>, seconds), tile_gflops<CB, P>(tile_vec<CB, P>, seconds)};
}

}  // namespace

double fma_peak_gflops(int threads, double seconds) {
    // Calibrate on one thread, then run every thread for the same number of steps.
    long steps = 1 << 16;
    for (;;) {
        const Clock::time_point t0 = Clock::now();
        volatile float sink = fma_chains(steps, 0.999999f, 1e-7f);
        (void)sink;
        if (seconds_since(t0) > seconds / 10 || steps > (1L << 40)) break;
        steps *= 2;
    }
    steps *= 10;
    std::vector<float> sinks(static_cast<std::size_t>(threads));
    const Clock::time_point t0 = Clock::now();
    nn::fast::parallel_for(threads, threads, [&](int part, int, int) {
        sinks[static_cast<std::size_t>(part)] = fma_chains(steps, 0.999999f, 1e-7f);
    });
    const double elapsed = seconds_since(t0);
    return 2.0 * kChains * kLanes * static_cast<double>(steps) * threads / elapsed / 1e9;
}

double thread_start_us(int threads) {
    std::vector<double> times;
    for (int run = 0; run < 9; ++run) {
        const int calls = 200;
        const Clock::time_point t0 = Clock::now();
        for (int k = 0; k < calls; ++k) nn::fast::parallel_for(threads, threads, [](int, int, int) {});
        times.push_back(seconds_since(t0) / calls * 1e6);
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

double pool_loop_us(int threads) {
    nn::fast::ThreadPool pool(threads);
    const nn::fast::LoopBody empty = [](int, int, int) {};
    std::vector<double> times;
    for (int run = 0; run < 9; ++run) {
        const int calls = 2000;
        const Clock::time_point t0 = Clock::now();
        for (int k = 0; k < calls; ++k) pool.run(threads, threads, empty);
        times.push_back(seconds_since(t0) / calls * 1e6);
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

double pool_handoff_us(int threads) {
    nn::fast::ThreadPool pool(threads);
    constexpr int kItems = 1000;
    constexpr double kLoopUs = 40.0;
    const nn::fast::LoopBody busy = [&](int, int begin, int end) {
        const Clock::time_point until =
            Clock::now() + std::chrono::nanoseconds(static_cast<long>((end - begin) * kLoopUs * 1000.0 / kItems));
        while (Clock::now() < until) {
        }
    };
    std::vector<double> times;
    for (int run = 0; run < 9; ++run) {
        const int calls = 500;
        const Clock::time_point t0 = Clock::now();
        for (int k = 0; k < calls; ++k) pool.run(kItems, threads, busy);
        times.push_back(seconds_since(t0) / calls * 1e6 - kLoopUs / threads);
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

std::vector<TileSpeeds> tile_speeds(double seconds) {
    return {tile_pair<1, 8 * kLanes>(seconds), tile_pair<6, 4 * kLanes>(seconds), tile_pair<8, 3 * kLanes>(seconds)};
}

}  // namespace tools::bench
