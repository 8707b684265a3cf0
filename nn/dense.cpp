// Dense (fully connected) layer, forward then backward (see dense.hpp).
//
//   Z[i,j]       = b[j] + sum_k A_prev[i,k] W[k,j]
//   dA_prev[i,k] = sum_j dZ[i,j] W[k,j]          (dZ · Wᵀ)
//   dW[k,j]      = sum_i A_prev[i,k] dZ[i,j]     (A_prevᵀ · dZ)
//   db[j]        = sum_i dZ[i,j]
// A_prev (m, n_in), W (n_in, n_out), b (1, n_out), Z and dZ (m, n_out).
// The innermost loop always runs along a contiguous row (j over W's and Z's
// columns, or k over W's row in the dot product), so it vectorises.
#include "nn/dense.hpp"

#include <string>

#include "nn/errors.hpp"

namespace nn {

void check_dense_shapes(const char* fn, const Tensor& A_prev, const Tensor& W, const Tensor& b) {
    // The messages are built only on failure: this runs on every training step.
    auto shapes = [&] {
        return " (A_prev " + A_prev.shape_str() + ", W " + W.shape_str() + ", b " + b.shape_str() + ")";
    };
    require(A_prev.rank() == 2, fn, [&] { return "A_prev must be rank 2 (m, n_in)" + shapes(); });
    require(W.rank() == 2, fn, [&] { return "W must be rank 2 (n_in, n_out)" + shapes(); });
    require(W.dim(0) == A_prev.dim(1), fn, [&] {
        return "W has n_in=" + std::to_string(W.dim(0)) + " but A_prev has " + std::to_string(A_prev.dim(1)) +
               " columns" + shapes();
    });
    require(b.rank() == 2 && b.dim(0) == 1 && b.dim(1) == W.dim(1), fn,
            [&] { return "b must be (1, n_out) with n_out=" + std::to_string(W.dim(1)) + shapes(); });
}

Tensor dense_forward(const Tensor& A_prev, const Tensor& W, const Tensor& b) {
    check_dense_shapes("dense_forward", A_prev, W, b);
    const int m = A_prev.dim(0), n_in = A_prev.dim(1), n_out = W.dim(1);
    Tensor Z({m, n_out});
    for (int i = 0; i < m; ++i) {
        const float* a_i = A_prev.data.data() + static_cast<std::size_t>(i) * n_in;
        float* z_i = Z.data.data() + static_cast<std::size_t>(i) * n_out;
        for (int j = 0; j < n_out; ++j) z_i[j] = b.data[j];
        for (int k = 0; k < n_in; ++k) {
            const float a_ik = a_i[k];
            const float* w_k = W.data.data() + static_cast<std::size_t>(k) * n_out;
            for (int j = 0; j < n_out; ++j) z_i[j] += a_ik * w_k[j];
        }
    }
    return Z;
}

DenseGrads dense_backward(const Tensor& dZ, const Tensor& A_prev, const Tensor& W, const Tensor& b) {
    check_dense_shapes("dense_backward", A_prev, W, b);
    const int m = A_prev.dim(0), n_in = A_prev.dim(1), n_out = W.dim(1);
    require(dZ.rank() == 2 && dZ.dim(0) == m && dZ.dim(1) == n_out, "dense_backward",
            "dZ must be (m, n_out) = (" + std::to_string(m) + "," + std::to_string(n_out) + "), got dZ " +
                dZ.shape_str() + " (A_prev " + A_prev.shape_str() + ", W " + W.shape_str() + ")");
    DenseGrads g{Tensor(A_prev.shape), Tensor(W.shape), Tensor(b.shape)};
    for (int i = 0; i < m; ++i) {
        const float* a_i = A_prev.data.data() + static_cast<std::size_t>(i) * n_in;
        const float* dz_i = dZ.data.data() + static_cast<std::size_t>(i) * n_out;
        float* da_i = g.dA_prev.data.data() + static_cast<std::size_t>(i) * n_in;
        for (int k = 0; k < n_in; ++k) {
            const float* w_k = W.data.data() + static_cast<std::size_t>(k) * n_out;
            float* dw_k = g.dW.data.data() + static_cast<std::size_t>(k) * n_out;
            const float a_ik = a_i[k];
            float da_ik = 0.0f;
            for (int j = 0; j < n_out; ++j) {
                da_ik += dz_i[j] * w_k[j];   // Z[i,j] has the term A_prev[i,k] W[k,j]
                dw_k[j] += a_ik * dz_i[j];   // the same term, differentiated by W[k,j]
            }
            da_i[k] = da_ik;
        }
        for (int j = 0; j < n_out; ++j) g.db.data[j] += dz_i[j];  // Z[i,j] has the term b[j]
    }
    return g;
}

}  // namespace nn
