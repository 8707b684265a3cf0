// Fast dense layer: the three matrix products of nn/dense, each one gemm call.
//
//   Z       = A_prev · W + b     gemm onto rows that start as b
//   dA_prev = dZ · Wᵀ             gemm with W viewed transposed
//   dW      = A_prevᵀ · dZ        gemm with A_prev viewed transposed
//   db[j]   = sum_i dZ[i, j]      a column sum, rows in order
// A_prev (m, n_in), W (n_in, n_out), b (1, n_out), Z and dZ (m, n_out).
#include "nn/fast/dense.hpp"

#include <algorithm>
#include <cstddef>
#include <string>

#include "nn/dense.hpp"
#include "nn/errors.hpp"
#include "nn/fast/gemm.hpp"

namespace nn::fast {

namespace {
using Index = std::ptrdiff_t;

// Multiply-adds per product that pay for running dense_backward's two
// products side by side on freshly started threads (a kept pool needs
// ThreadPool::kPoolDiscount times less: 1M, about 6 us of one product; with
// 64K, F6's backward at batch 32, 322K each, took 14.7 us on two threads and
// 13.6 on one), and above which each product is large enough to be shared
// out across every thread instead (F5's at a batch of 87; at 32 they are
// 1.5M each).
constexpr double kMinWorkSideBySide = 1 << 25;
constexpr double kMaxWorkSideBySide = 1 << 22;
}  // namespace

Tensor dense_forward(const Tensor& A_prev, const Tensor& W, const Tensor& b, ThreadPool& pool) {
    check_dense_shapes("fast::dense_forward", A_prev, W, b);
    const int m = A_prev.dim(0), n_in = A_prev.dim(1), n_out = W.dim(1);
    Tensor Z({m, n_out});
    for (int i = 0; i < m; ++i) std::copy(b.data.begin(), b.data.end(), Z.data.begin() + Index{i} * n_out);
    gemm(m, n_out, n_in, {A_prev.data.data(), n_in, 1}, {W.data.data(), n_out, 1}, Z.data.data(), n_out, true, pool);
    return Z;
}

DenseGrads dense_backward(const Tensor& dZ, const Tensor& A_prev, const Tensor& W, const Tensor& b,
                          ThreadPool& pool) {
    const char* fn = "fast::dense_backward";
    check_dense_shapes(fn, A_prev, W, b);
    const int m = A_prev.dim(0), n_in = A_prev.dim(1), n_out = W.dim(1);
    require(dZ.rank() == 2 && dZ.dim(0) == m && dZ.dim(1) == n_out, fn, [&] {
        return "dZ must be (m, n_out) = (" + std::to_string(m) + "," + std::to_string(n_out) + "), got dZ " +
               dZ.shape_str() + " (A_prev " + A_prev.shape_str() + ", W " + W.shape_str() + ")";
    });
    // dA_prev and dW are overwritten by gemm; db is a sum, so it starts at 0.
    DenseGrads g{Tensor(A_prev.shape), Tensor(W.shape), Tensor(b.shape)};
    // dA_prev[i, k] = sum_j dZ[i, j] W[k, j]: B = Wᵀ, element (j, k) at W + k n_out + j.
    const MatrixView dZ_view{dZ.data.data(), n_out, 1}, Wt{W.data.data(), 1, n_out};
    // dW[k, j] = sum_i A_prev[i, k] dZ[i, j]: A = A_prevᵀ, element (k, i) at A_prev + i n_in + k.
    const MatrixView A_prev_t{A_prev.data.data(), 1, n_in};
    const double work = static_cast<double>(m) * n_in * n_out;  // multiply-adds of each product
    if (work <= kMaxWorkSideBySide && pool.threads_for(2 * work, 2, kMinWorkSideBySide) == 2) {
        // Side by side, one product per thread: at batch 32 each product is
        // too small to share out well (F5's backward took 51 us on two
        // threads with each product shared out in turn, 33 us this way).
        // Each is summed as on one thread: same bits.
        pool.run(2, 2, [&](int chunk, int, int) {
            if (chunk == 0)
                gemm(m, n_in, n_out, dZ_view, Wt, g.dA_prev.data.data(), n_in, false);
            else
                gemm(n_in, n_out, m, A_prev_t, dZ_view, g.dW.data.data(), n_out, false);
        });
    } else {
        gemm(m, n_in, n_out, dZ_view, Wt, g.dA_prev.data.data(), n_in, false, pool);
        gemm(n_in, n_out, m, A_prev_t, dZ_view, g.dW.data.data(), n_out, false, pool);
    }
    for (int i = 0; i < m; ++i) {
        const float* dz_i = dZ.data.data() + Index{i} * n_out;
        for (int j = 0; j < n_out; ++j) g.db.data[static_cast<std::size_t>(j)] += dz_i[j];  // Z[i,j] has the term b[j]
    }
    return g;
}

}  // namespace nn::fast
