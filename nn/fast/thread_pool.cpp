// ThreadPool: workers wait for a loop, take chunks until none is left, wait again.
//
// A new loop is announced by storing a new state_ word (loop number, and the
// chunks not yet taken, [front, back)). Every thread takes chunks by moving
// one end with a compare-and-swap that also checks the loop number: the
// caller from the front, the workers from the back. So on two threads the
// caller works on the first samples of every loop and the worker on the
// last, as a fixed split would, and a layer's output is read by the core
// that wrote it. (Taking from one end, the halves changed hands from loop to
// loop, and a 2-thread epoch took 8 % longer.) The thread that finishes the
// loop's last chunk tells the caller. The caller waits only for chunks that
// were taken, never for a worker to turn up: a worker that wakes late finds
// nothing left.
//
// When the caller has run out of chunks and then waits more than kStall
// (and longer than its own share took) for a worker's chunk, the system has
// put that worker aside: on a busy machine it would happen again in the
// next loops, each then waiting milliseconds for the worker to be run. So
// the caller runs every loop alone for the next kAlone, and then tries the
// workers again. The chunks are the same either way, and so are the
// numbers. (Beside two busy processes on two cores, a Keras epoch on two
// threads took 1.7 times as long as on one before; now about 0.6 to 0.9
// times. On a quiet machine no wait reached 2 ms in several epochs; waits of
// just over 1 ms did happen, a few per epoch, which is why kStall is 2 ms.)
//
// A waiting thread spins for up to kSpin, then sleeps. Waking a sleeping
// thread costs about as much as starting one (tens of microseconds in a
// virtual machine), while a training step starts a new loop every 50-300 us,
// so the spin usually finds the next loop first. After its first kBusySpin,
// the spin yields the processor between checks, so that on a busy machine it
// does not keep the awaited thread from running. Both sleeps check their
// condition under mutex_, and both wakers take mutex_ before notifying, so no
// wake-up is lost.
#include "nn/fast/thread_pool.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>
#include <system_error>

#include "nn/fast/heap.hpp"
#include "nn/fast/parallel.hpp"

namespace nn::fast {

namespace {

// How long to spin before sleeping: longer than the gaps between the
// parallel loops of a training step, short enough to leave an idle pool alone.
constexpr std::chrono::microseconds kSpin{300};

// How long to spin without yielding first. A yield is a system call (1.2 us
// in the virtual machine this was tuned on), so a thread that yields between
// checks sees a new loop or a finished chunk up to that much later, a dozen
// times per training step. Spinning 20 us first made a 2-thread Keras epoch
// 4-8 % faster (paired runs against no busy spin; 50 and 100 us gained less),
// and beside two busy processes no slower (2-thread over 1-thread epoch 0.58
// and 0.67 against 0.76 and 0.77): a longer wait still yields, and a stall
// still sends the caller on alone.
constexpr std::chrono::microseconds kBusySpin{20};

// Chunks per core: enough that a thread put aside leaves the others work to
// take, few enough that a chunk's set-up (a scratch buffer, a packed panel)
// stays small beside its work.
constexpr int kChunksPerCore = 4;

// Spins until done() holds or kSpin has passed; returns done(). After the
// first kBusySpin it yields the processor between checks: when the machine
// has more runnable threads than cores, the thread it waits for may be
// waiting for this very core.
template <typename Done>
bool spin_until(Done done) {
    const auto start = std::chrono::steady_clock::now();
    const auto busy_until = start + kBusySpin, until = start + kSpin;
    while (std::chrono::steady_clock::now() < busy_until)
        for (int k = 0; k < 64; ++k)
            if (done()) return true;
    for (;;) {
        for (int k = 0; k < 64; ++k)
            if (done()) return true;
        std::this_thread::yield();
        if (std::chrono::steady_clock::now() > until) return done();
    }
}

// The fields of a state_ word: the loop number (it wraps, harmlessly: a
// worker that takes a chunk of a newer loop by the same number runs that
// loop's chunk), and the chunks [front, back) not yet taken.
std::uint32_t loop_of(std::uint64_t s) { return static_cast<std::uint32_t>(s >> 32); }
int front_of(std::uint64_t s) { return static_cast<int>((s >> 16) & 0xffffu); }
int back_of(std::uint64_t s) { return static_cast<int>(s & 0xffffu); }
std::uint64_t state_word(std::uint32_t loop, int front, int back) {
    return std::uint64_t{loop} << 32 | static_cast<std::uint64_t>(front) << 16 | static_cast<std::uint64_t>(back);
}

}  // namespace

ThreadPool::ThreadPool(int threads, PoolHooks hooks)
    : hooks_(std::move(hooks)), max_chunks_(std::min(kChunksPerCore * default_threads(), 0xffff)) {
    if (threads <= 0) threads = default_threads();
    keep_freed_memory();  // the loops' owner trains: the same tensor sizes every step
    try {
        workers_.reserve(static_cast<std::size_t>(threads - 1));
        for (int k = 1; k < threads; ++k) {
            if (hooks_.before_start) hooks_.before_start(k);
            workers_.emplace_back([this, k] { work(k); });
        }
    } catch (const std::system_error& e) {
        // The destructor will not run for a half-built pool: the workers
        // already started must be stopped here, or they would wait forever
        // on a condition variable that is being destroyed.
        const std::size_t started = workers_.size();
        stop_workers();
        throw std::runtime_error("cannot start " + std::to_string(threads) + " threads: " + e.code().message() +
                                 " (the system refused thread " + std::to_string(started + 2) + ")");
    } catch (...) {
        stop_workers();
        throw;
    }
}

ThreadPool::~ThreadPool() { stop_workers(); }

void ThreadPool::stop_workers() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
}

int ThreadPool::chunks(int n) const { return std::max(1, std::min(n, max_chunks_)); }

// Takes a chunk of loop @p loop from the front or the back of those left, if
// that loop is still current and has one left.
bool ThreadPool::take(std::uint32_t loop, bool from_front, int& chunk) {
    std::uint64_t s = state_.load(std::memory_order_acquire);
    for (;;) {
        const int front = front_of(s), back = back_of(s);
        if (loop_of(s) != loop || front >= back) return false;
        const std::uint64_t taken = from_front ? state_word(loop, front + 1, back) : state_word(loop, front, back - 1);
        if (state_.compare_exchange_weak(s, taken, std::memory_order_acq_rel, std::memory_order_acquire)) {
            chunk = from_front ? front : back - 1;
            return true;
        }
    }
}

// Runs one chunk that this thread has taken. The loop cannot end before this
// chunk is counted as finished, so body_, n_ and chunks_ are the loop's.
void ThreadPool::run_chunk(int thread, int chunk) {
    const int count = chunks_;  // read now: once the last chunk is counted, the caller may start the next loop
    try {
        if (hooks_.before_chunk) hooks_.before_chunk(thread, chunk);
        const auto r = split_range(n_, count, chunk);
        (*body_)(chunk, r.first, r.second);
    } catch (...) {
        errors_[static_cast<std::size_t>(chunk)] = std::current_exception();
    }
    if (finished_.fetch_add(1, std::memory_order_acq_rel) + 1 == count) {
        std::lock_guard<std::mutex> lock(mutex_);
        done_.notify_one();
    }
}

void ThreadPool::work(int k) {
    std::uint32_t seen = 0;
    auto new_loop = [&] { return loop_of(state_.load(std::memory_order_acquire)) != seen; };
    for (;;) {
        if (!spin_until(new_loop)) {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [&] { return stop_ || new_loop(); });
            if (stop_) return;
        }
        seen = loop_of(state_.load(std::memory_order_acquire));
        // A stale helpers_ (of the next loop) only makes this worker join a
        // loop it could have left alone, or skip one: take() decides which
        // loop a chunk belongs to.
        if (k > helpers_.load(std::memory_order_relaxed)) continue;
        int chunk = 0;
        while (take(seen, false, chunk)) run_chunk(k, chunk);
    }
}

void ThreadPool::run(int n, int threads, const LoopBody& body) {
    using Clock = std::chrono::steady_clock;
    const Clock::time_point start = Clock::now();
    n = std::max(n, 0);
    threads = start < alone_until_ ? 1 : std::max(1, std::min(threads, size()));
    const int count = chunks(n);
    if (threads == 1 || count == 1) {  // nothing to share: no need to wake anyone
        for (int c = 0; c < count; ++c) {
            if (hooks_.before_chunk) hooks_.before_chunk(0, c);
            const auto r = split_range(n, count, c);
            body(c, r.first, r.second);
        }
        loop_time_.alone += Clock::now() - start;  // a clock read, about 30 ns
        return;
    }
    body_ = &body;
    n_ = n;
    chunks_ = count;
    errors_.assign(static_cast<std::size_t>(count), nullptr);
    finished_.store(0, std::memory_order_relaxed);
    helpers_.store(threads - 1, std::memory_order_relaxed);
    const std::uint32_t loop = loop_of(state_.load(std::memory_order_relaxed)) + 1;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        state_.store(state_word(loop, 0, count), std::memory_order_release);
    }
    wake_.notify_all();
    int chunk = 0;
    while (take(loop, true, chunk)) run_chunk(0, chunk);
    auto all_done = [&] { return finished_.load(std::memory_order_acquire) == count; };
    const Clock::time_point own_done = Clock::now();
    if (!spin_until(all_done)) {
        std::unique_lock<std::mutex> lock(mutex_);
        done_.wait(lock, all_done);
    }
    // A worker that holds a chunk this long after the caller ran out of
    // chunks was put aside by the system, not slowed by its share.
    const Clock::time_point end = Clock::now();
    if (end - own_done > std::max<Clock::duration>(kStall, own_done - start)) alone_until_ = end + kAlone;
    loop_time_.shared += end - start;
    for (const auto& e : errors_)
        if (e) std::rethrow_exception(e);
}

}  // namespace nn::fast
