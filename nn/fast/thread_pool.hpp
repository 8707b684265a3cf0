// ThreadPool: worker threads started once and reused by every parallel loop
// of the fast passes.
//
// parallel_for (nn/fast/parallel.hpp) starts and joins its threads on every
// call, which costs about 15-30 us (`plaincnn bench` measures it). A LeNet-5
// training step at batch 32 runs a dozen parallel loops of 50-300 us each, so
// that cost alone would eat 10-20% of a two-thread step. A ThreadPool's
// workers stay alive and wait for the next loop; its owner (nn::Context, the
// bench) passes it to every fast pass. The ranges and their order are those
// of parallel_for.
#pragma once

#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "nn/fast/work_split.hpp"

namespace nn::fast {

/// The body of a parallel loop: body(part, begin, end) handles [begin, end).
using LoopBody = std::function<void(int part, int begin, int end)>;

/// A fixed set of threads that run parallel loops; the calling thread takes part in each.
class ThreadPool {
public:
    /// Starts threads - 1 workers (the caller is the last thread).
    /// @param threads threads per loop, including the caller; 0 or less = default_threads()
    explicit ThreadPool(int threads);
    /// Stops and joins the workers.
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;             ///< not copyable
    ThreadPool& operator=(const ThreadPool&) = delete;  ///< not copyable

    /// Threads per loop.
    /// @return the workers plus the caller
    int size() const { return static_cast<int>(workers_.size()) + 1; }

    /// Runs body(part, begin, end) for min(parts, size(), n) contiguous ranges
    /// of [0, n), the ranges parallel_for would use; the caller runs range 0.
    /// Returns when every range is done. One loop at a time: run() must not be
    /// called from a body or from two threads at once.
    /// @param n     the loop's length
    /// @param parts how many ranges to make at most
    /// @param body  the loop body
    /// @throws whatever the lowest-numbered throwing range threw, after every range has finished
    void run(int n, int parts, const LoopBody& body);

    /// Threads worth using for a loop (work_split.hpp's threads_for). The
    /// fast passes state @p min_work for freshly started threads (15-40 us
    /// each); a loop on kept threads costs about 1 us (`plaincnn bench`), so
    /// the pool asks for kPoolDiscount times less work per thread.
    /// @param work     the loop's work, in the unit of @p min_work
    /// @param parts    how many independent pieces the work splits into
    /// @param min_work the least work that pays for one more fresh thread
    /// @return a thread count in [1, size()]
    int threads_for(double work, double parts, double min_work) const {
        return fast::threads_for(size(), work, parts, min_work / kPoolDiscount);
    }

    /// How many times cheaper a loop on a kept pool is than one on fresh threads, roughly.
    static constexpr double kPoolDiscount = 32.0;

private:
    void work(int k);

    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable wake_, done_;
    std::atomic<long> generation_{0};  // counts loops; a change means "new loop"
    std::atomic<int> pending_{0};      // workers still busy with the current loop
    bool stop_ = false;                // guarded by mutex_
    const LoopBody* body_ = nullptr;   // the current loop, set before generation_ changes
    int n_ = 0, parts_ = 0;
    std::vector<std::exception_ptr> errors_;
};

}  // namespace nn::fast
