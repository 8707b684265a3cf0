// gemm: C (+)= A B by register tiles (see gemm.hpp).
//
//   C[i, j] (+)= sum_k A[i, k] B[k, j]      A (M, K), B (K, N), C (M, N)
//
// B is copied into panels of kPanel = kVectors kLanes columns, each stored k by k
// (a panel's row k is kPanel contiguous floats, zero past column N), so the
// kernel reads B in order whatever B's strides. Threads share out the panels
// (each chunk copies only its own), or, when B has fewer panels than threads,
// bands of C's rows (B's panels copied once, before the loop). A tile of kRows rows x kPanel columns of C stays in
// 24 vector registers (12 where the target has 16) while k runs from 0 to K:
// per k it loads one panel row (kVectors vectors) and multiplies it by kRows
// broadcast values of A.
#include "nn/fast/gemm.hpp"

#include <algorithm>
#include <vector>

#include "nn/fast/interleave.hpp"
#include "nn/fast/simd.hpp"
#include "nn/fast/thread_pool.hpp"

namespace nn::fast {

namespace {

using simd::kLanes;
using simd::Vec;
using Index = std::ptrdiff_t;

constexpr int kRows = 6;                                // rows of a tile
constexpr int kVectors = simd::kRegisters >= 32 ? 4 : 2;  // vectors across a tile (6 x 2 sums in 16 registers)
constexpr int kPanel = kVectors * kLanes;  // columns of a tile and of a B panel
// Multiply-adds that pay for one more freshly started thread (a kept
// ThreadPool needs ThreadPool::kPoolDiscount times less: 512K, about 5 us).
// With 1 << 22, F6's backward (two products of 322K) went to two threads and
// took 20 us there against 14 on one (`plaincnn bench`, batch 32): handing a
// few microseconds of work to the other core costs more than it saves.
constexpr double kMinWorkPerThread = 1 << 24;

// panel[k kPanel + j] = B[k, p kPanel + j], zero where p kPanel + j >= N:
// panel p of B, stored k by k.
void pack_panel(int N, int K, MatrixView B, int p, std::vector<float>& panel) {
    panel.assign(static_cast<std::size_t>(K) * kPanel, 0.0f);
    const int width = std::min(kPanel, N - p * kPanel);
    int j_done = 0;  // columns copied by the transposes below
    if (B.rs == 1 && K >= kLanes) {
        // B's columns are contiguous (B = Wᵀ in dense_backward): kLanes columns
        // x kLanes rows at a time, turned by a register transpose
        // (interleave.hpp), each block's last rows ending at K. Element by
        // element, reading W with a stride of n_out floats, this copy cost
        // F5's backward pass about 5 of its 54 us (batch 32, one thread).
        for (; j_done + kLanes <= width; j_done += kLanes) {
            const float* column = B.data + (Index{p} * kPanel + j_done) * B.cs;  // column j_done of the panel
            for (int k0 = 0; k0 < K; k0 += kLanes) {
                const int k = std::min(k0, K - kLanes);
                Vec v[kLanes];
                for (int i = 0; i < kLanes; ++i) v[i] = simd::load(column + i * B.cs + k);
                simd::transpose(v);
                for (int i = 0; i < kLanes; ++i) simd::store(panel.data() + Index{k + i} * kPanel + j_done, v[i]);
            }
        }
    }
    for (int k = 0; k < K; ++k) {
        float* dst = panel.data() + Index{k} * kPanel;
        const float* b_k = B.data + k * B.rs + Index{p} * kPanel * B.cs;
        for (int j = j_done; j < width; ++j) dst[j] = b_k[j * B.cs];
    }
}

// C rows i0 .. i0 + rows (rows <= kRows), columns j0 .. j0 + cols (cols <=
// kPanel), from one B panel. Rows past the band repeat its last row and are
// not stored.
void tile(int i0, int rows, int j0, int cols, int K, MatrixView A, const float* panel, float* C, Index ldc,
          bool accumulate) {
    const float* a[kRows];
    for (int r = 0; r < kRows; ++r) a[r] = A.data + Index{i0 + std::min(r, rows - 1)} * A.rs;
    Vec acc[kRows][kVectors];
    for (int r = 0; r < kRows; ++r)
        for (int v = 0; v < kVectors; ++v) acc[r][v] = simd::zero();
    for (int k = 0; k < K; ++k) {
        const float* b_k = panel + Index{k} * kPanel;
        Vec b[kVectors];
        for (int v = 0; v < kVectors; ++v) b[v] = simd::load(b_k + v * kLanes);
        for (int r = 0; r < kRows; ++r) {
            const float a_rk = a[r][k * A.cs];
            for (int v = 0; v < kVectors; ++v) acc[r][v] += b[v] * a_rk;
        }
    }
    for (int r = 0; r < rows; ++r) {
        float sums[kPanel];
        for (int v = 0; v < kVectors; ++v) simd::store(sums + v * kLanes, acc[r][v]);
        float* c_r = C + Index{i0 + r} * ldc + j0;
        if (accumulate)
            for (int j = 0; j < cols; ++j) c_r[j] += sums[j];
        else
            for (int j = 0; j < cols; ++j) c_r[j] = sums[j];
    }
}

// Column panels [begin, end) of C, every row: each panel of B is copied, then
// multiplied by all of A's row blocks.
void panels_of_C(int begin, int end, int M, int N, int K, MatrixView A, MatrixView B, float* C, Index ldc,
                 bool accumulate) {
    std::vector<float> panel;
    for (int p = begin; p < end; ++p) {
        pack_panel(N, K, B, p, panel);
        for (int i0 = 0; i0 < M; i0 += kRows)
            tile(i0, std::min(kRows, M - i0), p * kPanel, std::min(kPanel, N - p * kPanel), K, A, panel.data(), C,
                 ldc, accumulate);
    }
}

// The cases with nothing to multiply; true when C is done.
bool empty_product(int M, int N, int K, float* C, Index ldc, bool accumulate) {
    if (M <= 0 || N <= 0) return true;
    if (K > 0) return false;
    if (!accumulate)  // an empty sum
        for (int i = 0; i < M; ++i) std::fill(C + Index{i} * ldc, C + Index{i} * ldc + N, 0.0f);
    return true;
}

}  // namespace

void gemm(int M, int N, int K, MatrixView A, MatrixView B, float* C, std::ptrdiff_t ldc, bool accumulate) {
    if (empty_product(M, N, K, C, ldc, accumulate)) return;
    panels_of_C(0, (N + kPanel - 1) / kPanel, M, N, K, A, B, C, ldc, accumulate);
}

void gemm(int M, int N, int K, MatrixView A, MatrixView B, float* C, std::ptrdiff_t ldc, bool accumulate,
          ThreadPool& pool) {
    if (empty_product(M, N, K, C, ldc, accumulate)) return;
    const int blocks = (M + kRows - 1) / kRows;
    const int n_panels = (N + kPanel - 1) / kPanel;
    const double work = static_cast<double>(M) * N * K;
    const int threads = pool.threads_for(work, std::max(blocks, n_panels), kMinWorkPerThread);
    // Column panels split C's rows at multiples of kPanel floats. When a row
    // of C is not a whole number of cache lines (ldc not a multiple of 16),
    // the two threads then write halves of the same lines, which bounce
    // between the cores: F5's dW (400, 120) took 32 us on two threads that
    // way and 20 us by bands of rows (that gemm timed alone, batch 32). So
    // bands of rows are used when C is tall enough to give each thread several.
    constexpr Index kLineFloats = 64 / sizeof(float);
    const bool rows_share_lines = ldc % kLineFloats != 0;
    if (threads == 1 || (n_panels >= threads && !(rows_share_lines && blocks >= 4 * threads))) {
        // By column panels: each chunk copies only its own panels of B (one
        // thread shares no lines, and copies each panel just before its use).
        pool.run(n_panels, threads,
                 [&](int, int begin, int end) { panels_of_C(begin, end, M, N, K, A, B, C, ldc, accumulate); });
    } else {
        // By bands of rows (B is narrow, or C's rows share cache lines): B's
        // panels are copied once, here, and every chunk of rows reads them all.
        std::vector<std::vector<float>> panels(static_cast<std::size_t>(n_panels));
        for (int p = 0; p < n_panels; ++p) pack_panel(N, K, B, p, panels[static_cast<std::size_t>(p)]);
        pool.run(blocks, threads, [&](int, int begin, int end) {
            for (int p = 0; p < n_panels; ++p)
                for (int block = begin; block < end; ++block) {
                    const int i0 = block * kRows;
                    tile(i0, std::min(kRows, M - i0), p * kPanel, std::min(kPanel, N - p * kPanel), K, A,
                         panels[static_cast<std::size_t>(p)].data(), C, ldc, accumulate);
                }
        });
    }
}

}  // namespace nn::fast
