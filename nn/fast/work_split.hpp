// How many threads a fast pass should start for a given amount of work.
//
// Starting and joining a std::thread costs 15-40 us on the machines plaincnn
// is measured on, a loop on a kept ThreadPool about 1 us (`plaincnn
// bench` reports both). A thread that gets less work than that slows the
// pass down, so the fast passes ask for
//   min(threads, parts, work / min_work)
// threads, at least 1. The choice changes only the speed: every fast pass
// computes each value in the same order whatever the thread count.
#pragma once

#include <algorithm>

#include "nn/fast/parallel.hpp"

namespace nn::fast {

/// Threads worth starting.
/// @param threads  the caller's limit; 0 or less means default_threads()
/// @param work     the pass's work, in the unit of @p min_work
/// @param parts    how many independent pieces the work splits into
/// @param min_work the least work that pays for one more thread
/// @return a thread count in [1, max(1, threads)]
inline int threads_for(int threads, double work, double parts, double min_work) {
    if (threads <= 0) threads = default_threads();
    const double useful = std::min({static_cast<double>(threads), parts, work / min_work});
    return std::max(1, static_cast<int>(useful));
}

}  // namespace nn::fast
