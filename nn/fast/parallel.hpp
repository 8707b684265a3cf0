// parallel_for: split the samples of a batch across std::threads.
//
// Each thread gets one contiguous range [begin, end) of sample indices and
// runs the same loop body on it; the calling thread takes the first range.
// Work that writes per-sample outputs needs nothing else. Work that sums over
// samples (dW, db) gives each range its own partial sum and adds them in range
// order afterwards, so results do not depend on timing.
#pragma once

#include <algorithm>
#include <exception>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace nn::fast {

/// The number of threads to use when the caller asks for 0: all cores.
/// @return std::thread::hardware_concurrency(), or 1 if it is unknown
inline int default_threads() {
    unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : static_cast<int>(n);
}

/// Range k of @p parts contiguous ranges over [0, n); the first n % parts
/// ranges hold one index more.
/// @param n     number of indices
/// @param parts number of ranges, positive
/// @param k     which range, in [0, parts)
/// @return {begin, end}
inline std::pair<int, int> split_range(int n, int parts, int k) {
    int base = n / parts, extra = n % parts;
    int begin = k * base + std::min(k, extra);
    return {begin, begin + base + (k < extra ? 1 : 0)};
}

/// Runs body(part, begin, end) for min(threads, n) contiguous ranges of
/// [0, n), one per thread; threads <= 0 means default_threads().
/// If a body throws, every thread is still joined, then the exception of the
/// lowest-numbered range that threw is rethrown on the calling thread (an
/// exception escaping a std::thread would end the program). If the system
/// cannot start a thread, that range runs on the calling thread instead.
/// @param n       number of samples
/// @param threads number of threads; <= 0 for all cores
/// @param body    callable as body(int part, int begin, int end)
template <typename Body>
void parallel_for(int n, int threads, Body body) {
    if (threads <= 0) threads = default_threads();
    int parts = std::max(1, std::min(threads, n));
    std::vector<std::exception_ptr> errors(static_cast<std::size_t>(parts));
    auto run = [&body, &errors, n, parts](int k) {
        auto r = split_range(n, parts, k);
        try {
            body(k, r.first, r.second);
        } catch (...) {
            errors[static_cast<std::size_t>(k)] = std::current_exception();
        }
    };
    std::vector<std::thread> pool;
    pool.reserve(static_cast<std::size_t>(parts - 1));
    for (int k = 1; k < parts; ++k) {
        try {
            pool.emplace_back(run, k);
        } catch (const std::system_error&) {
            run(k);
        }
    }
    run(0);
    for (auto& t : pool) t.join();
    for (const auto& e : errors)
        if (e) std::rethrow_exception(e);
}

}  // namespace nn::fast
