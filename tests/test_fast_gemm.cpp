// gemm: a hand case, a grid of sizes around the tile's edges against a plain
// triple loop in double, transposed views, accumulation, empty sums, and
// identical results for every thread count.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstring>
#include <vector>

#include "nn/fast/gemm.hpp"
#include "nn/rng.hpp"
#include "nn/fast/thread_pool.hpp"

namespace {

std::vector<float> random_values(std::size_t n, nn::Rng& rng) {
    std::vector<float> v(n);
    for (float& x : v) x = static_cast<float>(2.0 * rng.uniform() - 1.0);
    return v;
}

// C = A B + (accumulate ? C0 : 0) by the textbook loop, in double.
std::vector<double> textbook(int M, int N, int K, nn::fast::MatrixView A, nn::fast::MatrixView B, const std::vector<float>& C0,
                             bool accumulate) {
    std::vector<double> C(static_cast<std::size_t>(M) * N);
    for (int i = 0; i < M; ++i)
        for (int j = 0; j < N; ++j) {
            double sum = accumulate ? C0[static_cast<std::size_t>(i) * N + j] : 0.0;
            for (int k = 0; k < K; ++k) sum += double{A.data[i * A.rs + k * A.cs]} * B.data[k * B.rs + j * B.cs];
            C[static_cast<std::size_t>(i) * N + j] = sum;
        }
    return C;
}

// gemm on a pool of @p threads threads started for the call.
void gemm_on(int threads, int M, int N, int K, nn::fast::MatrixView A, nn::fast::MatrixView B, float* C,
             std::ptrdiff_t ldc, bool accumulate) {
    nn::fast::ThreadPool pool(threads);
    nn::fast::gemm(M, N, K, A, B, C, ldc, accumulate, pool);
}

}  // namespace

// [1 2 3; 4 5 6] [1 0; 0 1; 1 1] = [1+3, 2+3; 4+6, 5+6] = [4 5; 10 11].
TEST(Gemm, HandCase) {
    const std::vector<float> A = {1, 2, 3, 4, 5, 6}, B = {1, 0, 0, 1, 1, 1};
    std::vector<float> C(4, -7.0f);
    gemm_on(1, 2, 2, 3, {A.data(), 3, 1}, {B.data(), 2, 1}, C.data(), 2, false);
    EXPECT_EQ(C, (std::vector<float>{4, 5, 10, 11}));
    gemm_on(1, 2, 2, 3, {A.data(), 3, 1}, {B.data(), 2, 1}, C.data(), 2, true);  // adds A B once more
    EXPECT_EQ(C, (std::vector<float>{8, 10, 20, 22}));
}

// Sizes on both sides of the 6-row tile and the 64-column panel, each with
// A and B stored plainly or transposed, overwriting or accumulating.
TEST(Gemm, MatchesTextbookLoop) {
    nn::Rng rng(31);
    for (int M : {1, 5, 6, 7, 13, 32})
        for (int N : {1, 10, 63, 64, 65, 130})
            for (int K : {1, 3, 17, 400})
                for (int layout = 0; layout < 4; ++layout) {
                    const bool ta = layout & 1, tb = layout & 2;
                    const std::vector<float> a = random_values(static_cast<std::size_t>(M) * K, rng);
                    const std::vector<float> b = random_values(static_cast<std::size_t>(K) * N, rng);
                    // A stored (M, K) or as its transpose (K, M); likewise B.
                    const nn::fast::MatrixView A = ta ? nn::fast::MatrixView{a.data(), 1, M} : nn::fast::MatrixView{a.data(), K, 1};
                    const nn::fast::MatrixView B = tb ? nn::fast::MatrixView{b.data(), 1, K} : nn::fast::MatrixView{b.data(), N, 1};
                    const bool accumulate = (M + N + K) % 2 == 0;
                    std::vector<float> C = random_values(static_cast<std::size_t>(M) * N, rng);
                    const std::vector<double> want = textbook(M, N, K, A, B, C, accumulate);
                    gemm_on(2, M, N, K, A, B, C.data(), N, accumulate);
                    for (std::size_t j = 0; j < C.size(); ++j)
                        ASSERT_NEAR(C[j], want[j], 1e-5 * std::max(1.0, std::sqrt(double(K)) * std::fabs(want[j])) + 1e-4)
                            << "M " << M << " N " << N << " K " << K << " layout " << layout << " element " << j;
                }
}

// ldc larger than N: the columns past N are left alone.
TEST(Gemm, RowStrideOfC) {
    const std::vector<float> A = {1, 2}, B = {3, 4};  // (2,1) times (1,2)
    std::vector<float> C = {9, 9, 9, 9, 9, 9};         // 2 rows of 3, only 2 used
    gemm_on(1, 2, 2, 1, {A.data(), 1, 1}, {B.data(), 2, 1}, C.data(), 3, false);
    EXPECT_EQ(C, (std::vector<float>{3, 4, 9, 6, 8, 9}));
}

// K = 0: the sum is empty, so C becomes 0 (or stays as it was when accumulating).
TEST(Gemm, EmptySum) {
    std::vector<float> C = {5, 6};
    gemm_on(1, 1, 2, 0, {nullptr, 0, 1}, {nullptr, 2, 1}, C.data(), 2, true);
    EXPECT_EQ(C, (std::vector<float>{5, 6}));
    gemm_on(1, 1, 2, 0, {nullptr, 0, 1}, {nullptr, 2, 1}, C.data(), 2, false);
    EXPECT_EQ(C, (std::vector<float>{0, 0}));
}

// Large enough to be split across every thread asked for.
TEST(Gemm, IdenticalForEveryThreadCount) {
    nn::Rng rng(32);
    const int M = 240, N = 130, K = 300;
    const std::vector<float> a = random_values(static_cast<std::size_t>(M) * K, rng);
    const std::vector<float> b = random_values(static_cast<std::size_t>(K) * N, rng);
    std::vector<float> one(static_cast<std::size_t>(M) * N);
    gemm_on(1, M, N, K, {a.data(), K, 1}, {b.data(), N, 1}, one.data(), N, false);
    for (int threads : {2, 3, 5, 0}) {
        nn::fast::ThreadPool pool(threads);
        std::vector<float> P(one.size());
        nn::fast::gemm(M, N, K, {a.data(), K, 1}, {b.data(), N, 1}, P.data(), N, false, pool);
        EXPECT_EQ(std::memcmp(P.data(), one.data(), P.size() * sizeof(float)), 0) << threads << " threads";
        // Rows of C that are whole cache lines (ldc = 128): split by panels,
        // where ldc = 130 above is split by bands of rows.
        std::vector<float> lined(static_cast<std::size_t>(M) * 128), lined1(lined.size());
        gemm_on(1, M, 128, K, {a.data(), K, 1}, {b.data(), N, 1}, lined1.data(), 128, false);
        nn::fast::gemm(M, 128, K, {a.data(), K, 1}, {b.data(), N, 1}, lined.data(), 128, false, pool);
        EXPECT_EQ(std::memcmp(lined.data(), lined1.data(), lined.size() * sizeof(float)), 0) << threads;
        // B of one panel: split by rows instead of panels.
        std::vector<float> narrow(static_cast<std::size_t>(M) * 10), narrow1(narrow.size());
        gemm_on(1, M, 10, K, {a.data(), K, 1}, {b.data(), N, 1}, narrow1.data(), 10, false);
        nn::fast::gemm(M, 10, K, {a.data(), K, 1}, {b.data(), N, 1}, narrow.data(), 10, false, pool);
        EXPECT_EQ(std::memcmp(narrow.data(), narrow1.data(), narrow.size() * sizeof(float)), 0) << threads;
    }
}

// The overload for one thread (dense_backward runs its two products side by
// side with it) gives the pooled gemm's bits, overwriting and accumulating,
// and an empty sum is zero or leaves C alone.
TEST(Gemm, OnTheCallingThreadGivesThePooledBits) {
    nn::Rng rng(33);
    const int M = 32, N = 120, K = 400;
    const std::vector<float> a = random_values(static_cast<std::size_t>(M) * K, rng);
    const std::vector<float> b = random_values(static_cast<std::size_t>(K) * N, rng);
    const std::vector<float> c0 = random_values(static_cast<std::size_t>(M) * N, rng);
    nn::fast::ThreadPool pool(2);
    for (bool accumulate : {false, true}) {
        std::vector<float> pooled = c0, alone = c0;
        nn::fast::gemm(M, N, K, {a.data(), K, 1}, {b.data(), N, 1}, pooled.data(), N, accumulate, pool);
        nn::fast::gemm(M, N, K, {a.data(), K, 1}, {b.data(), N, 1}, alone.data(), N, accumulate);
        EXPECT_EQ(std::memcmp(alone.data(), pooled.data(), alone.size() * sizeof(float)), 0) << accumulate;
        const std::vector<double> want = textbook(M, N, K, {a.data(), K, 1}, {b.data(), N, 1}, c0, accumulate);
        EXPECT_NEAR(alone[5 * N + 7], want[5 * N + 7], 1e-3) << accumulate;
    }
    std::vector<float> C = {5, 6};
    nn::fast::gemm(1, 2, 0, {nullptr, 0, 1}, {nullptr, 2, 1}, C.data(), 2, true);
    EXPECT_EQ(C, (std::vector<float>{5, 6}));
    nn::fast::gemm(1, 2, 0, {nullptr, 0, 1}, {nullptr, 2, 1}, C.data(), 2, false);
    EXPECT_EQ(C, (std::vector<float>{0, 0}));
}
