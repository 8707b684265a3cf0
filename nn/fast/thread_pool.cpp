// ThreadPool: workers wait for a loop, run their range, report back.
//
// A new loop is announced by bumping generation_. A worker that has just
// finished a range spins for up to kSpin reading generation_, then sleeps on
// wake_. Waking a sleeping thread costs about as much as starting one (tens
// of microseconds in a virtual machine), while a training step starts a new
// loop every 50-300 us, so the spin usually finds the next loop first. The
// caller spins likewise on pending_ before sleeping on done_. Spinning
// yields the processor between checks, so that on a busy machine it does not
// keep the awaited thread from running. Both sleeps check their condition
// under mutex_, and both wakers take mutex_ before notifying, so no wake-up
// is lost.
#include "nn/fast/thread_pool.hpp"

#include <algorithm>
#include <chrono>

#include "nn/fast/parallel.hpp"

namespace nn::fast {

namespace {

// How long to spin before sleeping: longer than the gaps between the
// parallel loops of a training step, short enough to leave an idle pool alone.
constexpr std::chrono::microseconds kSpin{500};

// Spins until done() holds or kSpin has passed; returns done(). Between
// checks it yields the processor: when the machine has more runnable threads
// than cores, the thread it waits for may be waiting for this very core.
template <typename Done>
bool spin_until(Done done) {
    const auto until = std::chrono::steady_clock::now() + kSpin;
    for (;;) {
        for (int k = 0; k < 64; ++k)
            if (done()) return true;
        std::this_thread::yield();
        if (std::chrono::steady_clock::now() > until) return done();
    }
}

}  // namespace

ThreadPool::ThreadPool(int threads) {
    if (threads <= 0) threads = default_threads();
    workers_.reserve(static_cast<std::size_t>(threads - 1));
    for (int k = 1; k < threads; ++k) workers_.emplace_back([this, k] { work(k); });
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
}

void ThreadPool::work(int k) {
    long seen = 0;
    for (;;) {
        if (!spin_until([&] { return generation_.load(std::memory_order_acquire) != seen; })) {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [&] { return stop_ || generation_.load(std::memory_order_acquire) != seen; });
            if (stop_) return;
        }
        seen = generation_.load(std::memory_order_acquire);
        if (k < parts_) {
            const auto r = split_range(n_, parts_, k);
            try {
                (*body_)(k, r.first, r.second);
            } catch (...) {
                errors_[static_cast<std::size_t>(k)] = std::current_exception();
            }
        }
        if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            std::lock_guard<std::mutex> lock(mutex_);
            done_.notify_one();
        }
    }
}

void ThreadPool::run(int n, int parts, const LoopBody& body) {
    parts = std::max(1, std::min({parts, size(), n}));
    if (parts == 1) {  // nothing to share: no need to wake anyone
        body(0, 0, n);
        return;
    }
    body_ = &body;
    n_ = n;
    parts_ = parts;
    errors_.assign(static_cast<std::size_t>(size()), nullptr);
    pending_.store(size() - 1, std::memory_order_relaxed);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        generation_.fetch_add(1, std::memory_order_acq_rel);
    }
    wake_.notify_all();
    const auto r = split_range(n, parts, 0);
    try {
        body(0, r.first, r.second);
    } catch (...) {
        errors_[0] = std::current_exception();
    }
    if (!spin_until([&] { return pending_.load(std::memory_order_acquire) == 0; })) {
        std::unique_lock<std::mutex> lock(mutex_);
        done_.wait(lock, [&] { return pending_.load(std::memory_order_acquire) == 0; });
    }
    for (const auto& e : errors_)
        if (e) std::rethrow_exception(e);
}

}  // namespace nn::fast
