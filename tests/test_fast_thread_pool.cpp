// ThreadPool: every index visited once, in chunks that do not depend on the
// pool's size; many loops in a row; a stalled or late worker holding up
// nothing but its own chunk; exceptions; limits; a refused thread; and the
// fast passes giving the same bytes on pools of different sizes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <system_error>
#include <thread>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "nn/fast/conv_backward.hpp"
#include "nn/fast/conv_forward.hpp"
#include "nn/fast/dense.hpp"
#include "nn/fast/parallel.hpp"
#include "nn/fast/pool.hpp"
#include "nn/rng.hpp"
#include "nn/fast/thread_pool.hpp"
#include "tests/gradcheck.hpp"

namespace {

bool identical(const nn::Tensor& a, const nn::Tensor& b) {
    return a.shape == b.shape && std::memcmp(a.data.data(), b.data.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

// A loop is cut into chunks(n) chunks, split_range's ranges, whatever the
// pool's size: every index is visited once, by the chunk that split_range
// assigns it, on a pool of 1, 2 or 3.
TEST(ThreadPool, ChunksAreTheSameOnEveryPool) {
    const int n = 37, count = std::min(n, 4 * nn::fast::default_threads());
    for (int threads : {1, 2, 3}) {
        nn::fast::ThreadPool pool(threads);
        EXPECT_EQ(pool.chunks(n), count);
        std::vector<int> owner(static_cast<std::size_t>(n), -1);
        std::vector<std::pair<int, int>> ranges(static_cast<std::size_t>(count), {-1, -1});
        pool.run(n, threads, [&](int chunk, int begin, int end) {
            ranges[static_cast<std::size_t>(chunk)] = {begin, end};
            for (int i = begin; i < end; ++i) owner[static_cast<std::size_t>(i)] = chunk;
        });
        for (int c = 0; c < count; ++c) {
            EXPECT_EQ(ranges[static_cast<std::size_t>(c)], nn::fast::split_range(n, count, c)) << threads << " threads";
            for (int i = ranges[static_cast<std::size_t>(c)].first; i < ranges[static_cast<std::size_t>(c)].second; ++i)
                EXPECT_EQ(owner[static_cast<std::size_t>(i)], c);
        }
    }
}

// chunks(n): n when n is small, about four per core otherwise, never 0.
TEST(ThreadPool, ChunkCount) {
    const int most = 4 * nn::fast::default_threads();
    nn::fast::ThreadPool pool(2);
    EXPECT_EQ(pool.chunks(0), 1);
    EXPECT_EQ(pool.chunks(1), 1);
    EXPECT_EQ(pool.chunks(most), most);
    EXPECT_EQ(pool.chunks(most + 1), most);
    EXPECT_EQ(pool.chunks(1000000), most);
}

// 2,000 loops back to back: each adds its index range once; the total is
// 2,000 * (0 + 1 + ... + 99) = 2,000 * 4,950.
TEST(ThreadPool, ManyLoopsInARow) {
    nn::fast::ThreadPool pool(2);
    std::atomic<long> total{0};
    for (int loop = 0; loop < 2000; ++loop)
        pool.run(100, 2, [&](int, int begin, int end) {
            long s = 0;
            for (int i = begin; i < end; ++i) s += i;
            total += s;
        });
    EXPECT_EQ(total.load(), 2000L * 4950);
}

// loop_time: a loop run on the caller alone adds to `alone`, one handed out
// to the worker as well to `shared`, each at least as long as its body slept.
TEST(ThreadPool, LoopTimeCountsSharedAndAloneLoops) {
    using std::chrono::milliseconds;
    nn::fast::ThreadPool pool(2);
    EXPECT_EQ(pool.loop_time().shared.count(), 0);
    EXPECT_EQ(pool.loop_time().alone.count(), 0);
    auto sleep_once = [](int chunk, int, int) {
        if (chunk == 0) std::this_thread::sleep_for(milliseconds(3));
    };
    pool.run(8, 1, sleep_once);  // one thread: the caller alone
    const auto after_alone = pool.loop_time();
    EXPECT_GE(after_alone.alone, milliseconds(3));
    EXPECT_EQ(after_alone.shared.count(), 0);
    pool.run(8, 2, sleep_once);  // handed out: shared, whoever slept
    EXPECT_GE(pool.loop_time().shared, milliseconds(3));
    EXPECT_EQ(pool.loop_time().alone, after_alone.alone);
}

// The thread limit: with 1 the caller runs every chunk itself; the limit is
// capped by the pool's size; n = 0 still calls the body once, with an empty range.
TEST(ThreadPool, ThreadsAreCapped) {
    nn::fast::ThreadPool pool(3);
    const std::thread::id caller = std::this_thread::get_id();
    std::atomic<int> calls{0}, elsewhere{0};
    pool.run(50, 1, [&](int, int, int) {
        ++calls;
        if (std::this_thread::get_id() != caller) ++elsewhere;
    });
    EXPECT_EQ(calls.load(), pool.chunks(50));
    EXPECT_EQ(elsewhere.load(), 0);
    calls = 0;
    pool.run(50, 8, [&](int, int, int) { ++calls; });
    EXPECT_EQ(calls.load(), pool.chunks(50));
    calls = 0;
    pool.run(1, 2, [&](int, int begin, int end) {
        ++calls;
        EXPECT_EQ(end - begin, 1);
    });
    EXPECT_EQ(calls.load(), 1);
    calls = 0;
    pool.run(0, 2, [&](int, int begin, int end) {
        ++calls;
        EXPECT_EQ(begin, end);
    });
    EXPECT_EQ(calls.load(), 1);
}

// A worker that the system puts aside (here: worker 1 sleeps 200 ms in its
// first chunk, while a chunk takes the caller 2 ms) delays the loop by that
// chunk only: the caller takes all the others. With one fixed share per
// thread, the caller would have run half of them and waited for the rest.
TEST(ThreadPool, AStalledWorkerHoldsOnlyItsChunk) {
    std::atomic<bool> stalled{false};
    nn::fast::PoolHooks hooks;
    hooks.before_chunk = [&](int thread, int) {
        if (thread == 1 && !stalled.exchange(true)) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    };
    nn::fast::ThreadPool pool(2, hooks);
    const int n = pool.chunks(1000);
    ASSERT_GE(n, 2);
    std::vector<int> by_caller(1, 0);
    std::atomic<int> by_worker{0};
    const std::thread::id caller = std::this_thread::get_id();
    std::vector<char> seen(static_cast<std::size_t>(n), 0);
    pool.run(1000, 2, [&](int chunk, int, int) {
        seen[static_cast<std::size_t>(chunk)] = 1;
        if (std::this_thread::get_id() == caller) {
            ++by_caller[0];
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        } else {
            ++by_worker;
        }
    });
    EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), n);
    EXPECT_GE(by_caller[0], n - 1);
    EXPECT_LE(by_worker.load(), 1);
}

// After a loop in which the caller waited for a worker put aside (here:
// worker 1 sleeps 200 ms before its first chunk, while the caller's chunks
// take 2 ms each), the caller runs the next loops alone, so that they do not
// wait for that worker again; after ThreadPool::kAlone the worker takes
// chunks again. Same chunks either way.
TEST(ThreadPool, AfterAStallTheCallerRunsAloneForAWhile) {
    std::atomic<bool> stalled{false};
    nn::fast::PoolHooks hooks;
    hooks.before_chunk = [&](int thread, int) {
        if (thread == 1 && !stalled.exchange(true)) std::this_thread::sleep_for(std::chrono::milliseconds(200));
        if (thread == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    };
    nn::fast::ThreadPool pool(2, hooks);
    const int n = pool.chunks(1000);
    ASSERT_GE(n, 2);
    std::atomic<int> by_worker{0}, chunks{0};
    const std::thread::id caller = std::this_thread::get_id();
    auto body = [&](int, int, int) {
        ++chunks;
        if (std::this_thread::get_id() != caller) ++by_worker;
    };
    // The stall: worker 1 holds its first chunk for 200 ms (on a loaded
    // machine it may wake too late to take one in the first loop).
    for (int attempt = 0; attempt < 10 && !stalled.load(); ++attempt) pool.run(1000, 2, body);
    ASSERT_TRUE(stalled.load());
    by_worker = 0;
    chunks = 0;
    pool.run(1000, 2, body);
    EXPECT_EQ(chunks.load(), n);
    EXPECT_EQ(by_worker.load(), 0) << "the loop right after the stall should run on the caller alone";
    // Once kAlone has passed, the worker joins in again (tried a few times,
    // in case the test machine itself puts the worker aside).
    bool joined = false;
    for (int attempt = 0; attempt < 10 && !joined; ++attempt) {
        std::this_thread::sleep_for(nn::fast::ThreadPool::kAlone + std::chrono::milliseconds(10));
        by_worker = 0;
        pool.run(1000, 2, body);
        joined = by_worker.load() > 0;
    }
    EXPECT_TRUE(joined);
}

// On two threads the caller takes chunks from the front and the worker from
// the back, so each keeps the same end of the data from one loop to the next
// (a layer's output stays in the cache of the core that wrote it). Chunks
// take the caller 300 us and the worker 100, so both take several; the
// caller's are still the first ones and the worker's the last. (Taking from
// one end, the caller would take chunk 0, then one after the worker's 1-3.)
TEST(ThreadPool, CallerTakesTheFrontWorkerTheBack) {
    nn::fast::PoolHooks hooks;
    hooks.before_chunk = [](int thread, int) {
        std::this_thread::sleep_for(std::chrono::microseconds(thread == 0 ? 300 : 100));
    };
    nn::fast::ThreadPool pool(2, hooks);
    const int n = pool.chunks(1000);
    ASSERT_GE(n, 2);
    const std::thread::id caller = std::this_thread::get_id();
    for (int loop = 0; loop < 20; ++loop) {
        std::vector<int> by(static_cast<std::size_t>(n), -1);  // 0: the caller ran it, 1: the worker
        pool.run(1000, 2, [&](int chunk, int, int) {
            by[static_cast<std::size_t>(chunk)] = std::this_thread::get_id() == caller ? 0 : 1;
        });
        EXPECT_EQ(std::count(by.begin(), by.end(), -1), 0);
        EXPECT_TRUE(std::is_sorted(by.begin(), by.end())) << "loop " << loop << ": chunks by thread "
                                                          << ::testing::PrintToString(by);
    }
}

// The lowest-numbered chunk's exception reaches the caller, and the pool keeps working.
TEST(ThreadPool, ExceptionsReachTheCaller) {
    nn::fast::ThreadPool pool(3);
    try {
        pool.run(9, 3, [](int chunk, int, int) {
            if (chunk >= 1) throw std::runtime_error("chunk " + std::to_string(chunk));
        });
        FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "chunk 1");
    }
    std::atomic<int> seen{0};
    pool.run(9, 3, [&](int, int begin, int end) { seen += end - begin; });
    EXPECT_EQ(seen.load(), 9);
}

// A system that refuses the third thread: the constructor says so in one
// line, after stopping the two workers it did start (before, it unwound into
// the condition variables' destructors while those workers still waited on
// them, and never returned).
TEST(ThreadPool, RefusedThreadFailsCleanly) {
    nn::fast::PoolHooks hooks;
    hooks.before_start = [](int k) {
        if (k >= 3) throw std::system_error(std::make_error_code(std::errc::resource_unavailable_try_again));
    };
    try {
        nn::fast::ThreadPool pool(200, hooks);
        FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_THAT(e.what(), testing::StartsWith("cannot start 200 threads: "));
        EXPECT_THAT(e.what(), testing::HasSubstr("refused thread 4"));
    }
    hooks.before_start = [](int) { throw std::system_error(std::make_error_code(std::errc::resource_unavailable_try_again)); };
    EXPECT_THROW(nn::fast::ThreadPool(2, hooks), std::runtime_error);
    nn::fast::ThreadPool one(1, hooks);  // no worker to start: nothing to refuse
    EXPECT_EQ(one.size(), 1);
}

TEST(ThreadPool, ZeroMeansAllCores) {
    nn::fast::ThreadPool pool(0);
    EXPECT_EQ(pool.size(), nn::fast::default_threads());
}

// The fast passes give the same bytes on a pool of 3 as on a pool of 1.
TEST(ThreadPool, FastPassesSameOnEveryPool) {
    nn::Rng rng(61);
    nn::fast::ThreadPool pool(3), one(1);
    const nn::Tensor A = gradcheck::random_tensor({9, 28, 28, 3}, rng);
    const nn::Tensor W = gradcheck::random_tensor({5, 5, 3, 8}, rng);
    const nn::Tensor b = gradcheck::random_tensor({1, 1, 1, 8}, rng);
    const nn::Activation relu = nn::Activation::relu();
    const nn::Tensor Z = nn::fast::conv_forward(A, W, b, relu, nn::Padding::same(), {1, 1}, one);
    EXPECT_TRUE(identical(nn::fast::conv_forward(A, W, b, relu, nn::Padding::same(), {1, 1}, pool), Z));
    const nn::ConvGrads g = nn::fast::conv_backward(Z, A, W, b, nn::Padding::same(), {1, 1}, one);
    const nn::ConvGrads gp = nn::fast::conv_backward(Z, A, W, b, nn::Padding::same(), {1, 1}, pool);
    EXPECT_TRUE(identical(gp.dA_prev, g.dA_prev));
    EXPECT_TRUE(identical(gp.dW, g.dW));
    EXPECT_TRUE(identical(gp.db, g.db));
    const nn::Tensor P = nn::fast::pool_forward(Z, {2, 2}, {2, 2}, nn::PoolMode::max, one);
    EXPECT_TRUE(identical(nn::fast::pool_forward(Z, {2, 2}, {2, 2}, nn::PoolMode::max, pool), P));
    EXPECT_TRUE(identical(nn::fast::pool_backward(P, Z, {2, 2}, {2, 2}, nn::PoolMode::max, pool),
                          nn::fast::pool_backward(P, Z, {2, 2}, {2, 2}, nn::PoolMode::max, one)));
    const nn::Tensor X = gradcheck::random_tensor({64, 400}, rng), V = gradcheck::random_tensor({400, 120}, rng),
                     c = gradcheck::random_tensor({1, 120}, rng);
    const nn::Tensor D = nn::fast::dense_forward(X, V, c, one);
    EXPECT_TRUE(identical(nn::fast::dense_forward(X, V, c, pool), D));
    const nn::DenseGrads h = nn::fast::dense_backward(D, X, V, c, one), hp = nn::fast::dense_backward(D, X, V, c, pool);
    EXPECT_TRUE(identical(hp.dA_prev, h.dA_prev));
    EXPECT_TRUE(identical(hp.dW, h.dW));
    EXPECT_TRUE(identical(hp.db, h.db));
}
