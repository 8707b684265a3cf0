// ThreadPool: worker threads started once and reused by every parallel loop
// of the fast passes.
//
// parallel_for (nn/fast/parallel.hpp) starts and joins its threads on every
// call, which costs about 15-30 us (`plaincnn bench` measures it). A LeNet-5
// training step at batch 32 runs a dozen parallel loops of 50-300 us each, so
// that cost alone would eat 10-20% of a two-thread step. A ThreadPool's
// workers stay alive and wait for the next loop; its owner (nn::Context, the
// bench) passes it to every fast pass.
//
// A loop is cut into chunks that any thread may take, the caller included.
// On a busy machine the system puts threads aside for milliseconds at a time;
// with one fixed share per thread, every loop would wait for the share of a
// thread that is not running. With chunks, the threads that do run take the
// rest, and a thread put aside delays the loop by at most the chunk it holds;
// after such a delay the caller runs the loops alone for a while
// (ThreadPool::kAlone), as the same thread would be put aside again.
// The chunks' boundaries depend only on the loop's length and the machine's
// core count, never on which thread runs a chunk, and the fast passes compute
// each value from its own unit of work (a sample, a group, a block) and add
// partial sums in unit order: the numbers do not depend on the timing.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "nn/fast/work_split.hpp"

namespace nn::fast {

/// The body of a parallel loop: body(chunk, begin, end) handles [begin, end).
using LoopBody = std::function<void(int chunk, int begin, int end)>;

/// Hooks for tests: each is called, when set, at the moment named.
struct PoolHooks {
    /// Called on the constructing thread just before worker @p k (1, 2, ...)
    /// is started; a test throws std::system_error from it to play a system
    /// that refuses threads.
    std::function<void(int k)> before_start;
    /// Called on the thread that is about to run chunk @p chunk; @p thread is
    /// 0 for the caller of run() and k for worker k. A test sleeps in it to
    /// play a thread that the system has put aside.
    std::function<void(int thread, int chunk)> before_chunk;
};

/// A fixed set of threads that run parallel loops; the calling thread takes part in each.
class ThreadPool {
public:
    /// Starts threads - 1 workers (the caller is the last thread).
    /// @param threads threads per loop, including the caller; 0 or less = default_threads()
    /// @param hooks   test hooks; none by default
    /// @throws std::runtime_error "cannot start N threads: ..." when the system
    ///         refuses a thread; the workers already started are stopped first
    explicit ThreadPool(int threads, PoolHooks hooks = {});
    /// Stops and joins the workers.
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;             ///< not copyable
    ThreadPool& operator=(const ThreadPool&) = delete;  ///< not copyable

    /// Threads per loop.
    /// @return the workers plus the caller
    int size() const { return static_cast<int>(workers_.size()) + 1; }

    /// How many chunks a loop of @p n indices is cut into: about four per
    /// core of the machine (not per thread of the pool), at most @p n. Chunk
    /// c is split_range(n, chunks(n), c).
    /// @param n the loop's length
    /// @return the number of chunks, at least 1
    int chunks(int n) const;

    /// Runs body(chunk, begin, end) once for every chunk of [0, n) (see
    /// chunks()), on at most @p threads threads, the caller included: each
    /// thread takes the next chunk not yet taken until none is left. Returns
    /// when every chunk is done. One loop at a time: run() must not be called
    /// from a body or from two threads at once.
    /// @param n       the loop's length
    /// @param threads how many threads may take part at most (threads_for());
    ///                with 1, the caller runs every chunk and nobody is woken
    /// @param body    the loop body
    /// @throws whatever the lowest-numbered throwing chunk threw, after every
    ///         chunk has finished (on one thread: the first throw, at once)
    void run(int n, int threads, const LoopBody& body);

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

    /// Wall time spent in run() since the pool was made, by kind of loop.
    struct LoopTime {
        std::chrono::steady_clock::duration shared{};  ///< loops handed out to other threads as well
        std::chrono::steady_clock::duration alone{};   ///< loops the caller ran alone (too small to share, or kAlone)
    };
    /// For the bench: with the whole run's time, this tells how much of it
    /// no other thread could help with, the part that bounds the speed-up.
    /// @return the time run() has spent so far, by kind of loop
    LoopTime loop_time() const { return loop_time_; }

    /// How many times cheaper a loop on a kept pool is than one on fresh threads, roughly.
    static constexpr double kPoolDiscount = 32.0;
    /// How long run() keeps every loop on the calling thread after a loop
    /// whose caller waited more than kStall, and more than its own share
    /// took, for another thread's chunk: the system had put that thread
    /// aside (a busy machine), and the next loops would wait for it again.
    /// The first loop after this time tries the other threads again.
    static constexpr std::chrono::milliseconds kAlone{100};
    /// The wait for other threads' chunks that counts as a stall (see kAlone).
    static constexpr std::chrono::milliseconds kStall{2};

private:
    void work(int k);
    bool take(std::uint32_t loop, bool from_front, int& chunk);
    void run_chunk(int thread, int chunk);
    void stop_workers();

    PoolHooks hooks_;
    int max_chunks_ = 1;  // about four per core, looked up once (it is a file read on Linux)
    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable wake_, done_;
    bool stop_ = false;  // guarded by mutex_
    // The loop's number (high 32 bits), its chunk count (next 16) and the next
    // chunk to hand out (low 16), in one word, so that a thread that read the
    // number of a loop which has since ended cannot take a chunk of the next.
    std::atomic<std::uint64_t> state_{0};
    std::atomic<int> helpers_{0};    // workers 1 .. helpers_ may take chunks of the current loop
    std::atomic<int> finished_{0};   // chunks of the current loop done
    const LoopBody* body_ = nullptr; // the current loop, set before state_ announces it
    int n_ = 0, chunks_ = 0;
    std::chrono::steady_clock::time_point alone_until_{};  // see kAlone; read and written by run() only
    std::vector<std::exception_ptr> errors_;  // one per chunk
    LoopTime loop_time_;  // read and written by run() only
};

}  // namespace nn::fast
