// parallel_for: split the samples of a batch across std::threads.
//
// Each thread gets one contiguous range [begin, end) of sample indices and
// runs the same loop body on it; the calling thread takes the first range.
// Work that writes per-sample outputs needs nothing else. Work that sums over
// samples (dW, db) gives each range its own partial sum and adds them in range
// order afterwards, so results do not depend on timing.
#pragma once

#include <algorithm>
#include <thread>
#include <vector>

namespace nn {

/// The number of threads to use when the caller asks for 0: all cores.
inline int default_threads() {
    unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : static_cast<int>(n);
}

/// Range k of @p parts contiguous ranges over [0, n): {begin, end}.
inline std::pair<int, int> split_range(int n, int parts, int k) {
    int base = n / parts, extra = n % parts;
    int begin = k * base + std::min(k, extra);
    return {begin, begin + base + (k < extra ? 1 : 0)};
}

/// Runs body(part, begin, end) for min(threads, n) contiguous ranges of
/// [0, n), one per thread; threads <= 0 means default_threads().
template <typename Body>
void parallel_for(int n, int threads, Body body) {
    if (threads <= 0) threads = default_threads();
    int parts = std::max(1, std::min(threads, n));
    std::vector<std::thread> pool;
    pool.reserve(static_cast<std::size_t>(parts - 1));
    for (int k = 1; k < parts; ++k) {
        auto r = split_range(n, parts, k);
        pool.emplace_back([&body, k, r] { body(k, r.first, r.second); });
    }
    auto r0 = split_range(n, parts, 0);
    body(0, r0.first, r0.second);
    for (auto& t : pool) t.join();
}

}  // namespace nn
