// The fast convolution backward pass with the batch in the lanes (LeNet's
// C3; nn/fast/conv_backward_lanes.cpp), and the few pieces it shares with the
// planes path in nn/fast/conv_backward.cpp. Nothing outside those two files
// uses it.
#pragma once

#include <vector>

#include "nn/conv_backward.hpp"
#include "nn/fast/conv_planes.hpp"
#include "nn/fast/simd.hpp"
#include "nn/fast/thread_pool.hpp"
#include "nn/geometry.hpp"
#include "nn/tensor.hpp"

namespace nn::fast {

/// @cond INTERNAL
namespace detail {

// The sum of v's lanes, added in lane order: the order every dW and db value
// of the fast backward pass ends with.
inline float lane_sum(simd::Vec v) {
    float lanes[simd::kLanes];
    simd::store(lanes, v);
    float sum = 0.0f;
    for (int l = 0; l < simd::kLanes; ++l) sum += lanes[l];
    return sum;
}

// out[j] = lane_sum of the kLanes floats at sums + j kLanes, for j < J.
void lane_sums(const float* sums, Index J, float* out);

// Taps per tile for CB channels: TB CB accumulators and TB + CB inputs must
// fit the vector registers, or the compiler reloads inputs for each product.
template <int CB>
constexpr int tile_taps() {
    if (simd::kRegisters >= 32) return CB <= 2 ? 8 : CB <= 3 ? 6 : CB <= 4 ? 5 : CB <= 5 ? 4 : 3;
    return CB <= 1 ? 7 : CB <= 2 ? 4 : CB <= 3 ? 3 : CB <= 4 ? 2 : 1;
}

// grads.dW and grads.db from the shares of `groups` groups of samples (K x C
// and C floats each), added in group order.
void add_parts(const std::vector<float>& dW_parts, const std::vector<float>& db_parts, int groups, int K, int C,
               ConvGrads& grads);

}  // namespace detail

// dA_prev (when need_dA_prev; grads.dA_prev must then have A_prev's shape),
// dW and db with kLanes samples in the lanes of a vector, for stride 1 and
// every dZ pixel inside Q (padding at most the kernel size less one). Wt is
// W turned around as conv_backward makes it for the full correlation; work
// sizes the thread count as for the planes path.
void backward_in_lanes(const Tensor& dZ, const Tensor& A_prev, const Geometry& g, int c_new,
                       const std::vector<float>& Wt, double work, ThreadPool& pool, bool need_dA_prev,
                       ConvGrads& grads);
/// @endcond

}  // namespace nn::fast
