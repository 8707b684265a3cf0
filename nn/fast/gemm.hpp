// gemm: C = A B (or C += A B) for float matrices, blocked into register tiles
// and split across threads by rows of C. The dense layers' fast path.
//
//   C[i, j] (+)= sum_k A[i, k] B[k, j]      A (M, K), B (K, N), C (M, N)
//
// A and B are strided views, so a transpose costs nothing: Aᵀ of a row-major
// (K, M) array is the view {data, 1, M}. C is row-major with row length ldc.
// Each C[i, j] is summed by one thread over k in order, so the result is the
// same whatever the thread count.
#pragma once

#include <cstddef>

#include "nn/fast/thread_pool.hpp"

namespace nn::fast {

/// A read-only strided matrix: element (r, c) is data[r * rs + c * cs].
struct MatrixView {
    const float* data;   ///< element (0, 0)
    std::ptrdiff_t rs;   ///< step from one row to the next
    std::ptrdiff_t cs;   ///< step from one column to the next
};

/// C = A B, or C += A B when @p accumulate is set, the rows of C shared out
/// between the threads of @p pool.
/// @param M          rows of A and C
/// @param N          columns of B and C
/// @param K          columns of A, rows of B
/// @param A          (M, K)
/// @param B          (K, N)
/// @param C          (M, N), row-major, row i at C + i * ldc; must not overlap A or B
/// @param ldc        floats from one row of C to the next, at least N
/// @param accumulate add A B to C's values instead of overwriting them
/// @param pool       the threads to use
void gemm(int M, int N, int K, MatrixView A, MatrixView B, float* C, std::ptrdiff_t ldc, bool accumulate,
          ThreadPool& pool);

/// C = A B, or C += A B, on the calling thread alone, with the bits of the
/// pooled gemm: for a loop body that runs one product per thread.
/// @param M          rows of A and C
/// @param N          columns of B and C
/// @param K          columns of A, rows of B
/// @param A          (M, K)
/// @param B          (K, N)
/// @param C          (M, N), row-major, row i at C + i * ldc; must not overlap A or B
/// @param ldc        floats from one row of C to the next, at least N
/// @param accumulate add A B to C's values instead of overwriting them
void gemm(int M, int N, int K, MatrixView A, MatrixView B, float* C, std::ptrdiff_t ldc, bool accumulate);

}  // namespace nn::fast
