// Machine measurements for `plaincnn bench`: the FMA peak the table's
// percentages refer to, the cost of starting a thread, and the register-tile
// experiment behind nn/fast/simd.hpp.
#pragma once

#include <vector>

namespace tools::bench {

/// FLOP/s of fused multiply-adds: each thread runs independent chains of
/// vector multiply-adds (12 vectors wide, enough to hide the FMA latency).
/// @param threads threads running chains at once
/// @param seconds about how long each thread runs
/// @return GFLOP/s summed over the threads (one FMA = 2 FLOP)
double fma_peak_gflops(int threads, double seconds);

/// The cost of starting and joining threads for one parallel loop.
/// @param threads threads per loop
/// @return microseconds per nn::fast::parallel_for with an empty body (median of many)
double thread_start_us(int threads);

/// The cost of one parallel loop when the threads are kept: what replaces
/// thread_start_us with an nn::fast::ThreadPool.
/// @param threads the pool's size
/// @return microseconds per empty loop (median of many)
double pool_loop_us(int threads);

/// What a kept pool loses per loop of real work: a loop of 40 us of busy
/// work (about one of LeNet-5's layers at batch 32), cut into the pool's
/// chunks, against 40 / threads us. It counts the hand-off (waking or
/// reaching the other threads) and the wait for the last chunk, which an
/// empty loop does not show (there the caller takes every chunk itself).
/// @param threads the pool's size
/// @return microseconds per loop beyond the ideal (median of many)
double pool_handoff_us(int threads);

/// One register tile (CB channels x P pixels summed over 150 taps, a shape of
/// the fast conv's kernel) written two ways.
struct TileSpeeds {
    int channels;         ///< CB
    int pixels;           ///< P
    double plain_gflops;  ///< float arrays and nested loops, left to the auto-vectoriser
    double vec_gflops;    ///< nn::fast::simd::Vec values, one per vector register
};

/// Runs both versions of the tiles the fast conv uses for LeNet-5 (1 x 128:
/// dA_prev of C1; 6 x 64: C1 forward, dA_prev of C3; 8 x 48: C3 forward) on one thread.
/// @param seconds about how long each version runs
/// @return one entry per tile shape
std::vector<TileSpeeds> tile_speeds(double seconds);

}  // namespace tools::bench
