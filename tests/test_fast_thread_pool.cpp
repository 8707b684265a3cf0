// ThreadPool: every index visited once in parallel_for's ranges, many loops
// in a row, exceptions, limits, and the fast passes giving the same bytes on
// pools of different sizes.
#include <gtest/gtest.h>

#include <atomic>
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

// 3 threads over [0, 10): ranges (0,4) (4,7) (7,10), as split_range gives.
TEST(ThreadPool, RangesAreParallelFors) {
    nn::fast::ThreadPool pool(3);
    EXPECT_EQ(pool.size(), 3);
    std::vector<int> owner(10, -1);
    std::vector<std::pair<int, int>> ranges(3);
    pool.run(10, 3, [&](int part, int begin, int end) {
        ranges[static_cast<std::size_t>(part)] = {begin, end};
        for (int i = begin; i < end; ++i) owner[static_cast<std::size_t>(i)] = part;
    });
    EXPECT_EQ(ranges, (std::vector<std::pair<int, int>>{{0, 4}, {4, 7}, {7, 10}}));
    EXPECT_EQ(owner, (std::vector<int>{0, 0, 0, 0, 1, 1, 1, 2, 2, 2}));
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

// parts is capped by the pool's size and by n; n = 0 still calls the body once, with an empty range.
TEST(ThreadPool, PartsAreCapped) {
    nn::fast::ThreadPool pool(2);
    std::atomic<int> calls{0};
    pool.run(50, 8, [&](int, int, int) { ++calls; });
    EXPECT_EQ(calls.load(), 2);
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

// The lowest-numbered range's exception reaches the caller, and the pool keeps working.
TEST(ThreadPool, ExceptionsReachTheCaller) {
    nn::fast::ThreadPool pool(3);
    try {
        pool.run(9, 3, [](int part, int, int) {
            if (part >= 1) throw std::runtime_error("part " + std::to_string(part));
        });
        FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "part 1");
    }
    std::atomic<int> seen{0};
    pool.run(9, 3, [&](int, int begin, int end) { seen += end - begin; });
    EXPECT_EQ(seen.load(), 9);
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
