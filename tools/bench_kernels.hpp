// Machine measurements for `plaincnn bench`: the FMA peak the table's
// percentages refer to, the cost of starting a thread, and the register-tile
// experiment behind nn/simd.hpp.
#pragma once

#include <vector>

namespace tools {

/// FLOP/s of fused multiply-adds on @p threads threads: each thread runs
/// independent chains of vector multiply-adds (12 vectors wide, enough to
/// hide the FMA latency) for about @p seconds.
/// @return GFLOP/s summed over the threads (one FMA = 2 FLOP)
double fma_peak_gflops(int threads, double seconds);

/// Microseconds to start and join one nn::parallel_for with @p threads threads
/// and an empty body (the median of many calls).
double thread_start_us(int threads);

/// Microseconds for one empty loop on an nn::ThreadPool of @p threads threads
/// (the median of many loops): the cost that replaces thread_start_us when the
/// threads are kept.
double pool_loop_us(int threads);

/// One register tile (CB channels x P pixels summed over 150 taps, a shape of
/// conv_fast's kernel) written two ways.
struct TileSpeeds {
    int channels;         ///< CB
    int pixels;           ///< P
    double plain_gflops;  ///< float arrays and nested loops, left to the auto-vectoriser
    double vec_gflops;    ///< nn::simd::Vec values, one per vector register
};

/// Runs both versions of the tiles conv_fast uses for LeNet-5 (1 x 128:
/// dA_prev of C1; 6 x 64: C1 forward, dA_prev of C3; 8 x 48: C3 forward),
/// about @p seconds each, on one thread.
std::vector<TileSpeeds> tile_speeds(double seconds);

}  // namespace tools
