// Convolution backward by packed planes and register tiles: the fast variant
// of nn/conv_backward, and what training runs on.
//
//   dA_pad[i, y sh + p, x sw + q, k] += W[p,q,k,c] dZ[i,y,x,c]
//   dW[p,q,k,c]                      += A_pad[i, y sh + p, x sw + q, k] dZ[i,y,x,c]
//   db[c]                            += dZ[i,y,x,c]
//
// Same arguments, same results (up to float rounding), same errors as the
// reference pass, plus the ThreadPool and a switch to skip dA_prev. How
// (nn/fast/conv_backward.cpp and, for the batch in the lanes,
// nn/fast/conv_backward_lanes.cpp explain each step):
//   dA_prev  the forward's correlation kernel run on dZ, padded by kh-1, kw-1,
//            with W flipped and its channel axes swapped (a "full" correlation).
//   dW, db   dot products between shifted planes of A_prev and planes of dZ.
// With several input channels, stride 1 and a batch of at least a vector's
// lanes (LeNet's C3), both run with one pixel of kLanes samples (16 with
// AVX-512) in a vector instead, so that no lane is wasted on wide rows.
// dW and db, which sum over the samples, are summed per fixed group of 16
// samples (kLanes in the lanes) and the groups' shares added in group order,
// so every value is summed in the same order whatever the thread count and
// the results are identical for 1, 2 or 64 threads.
#pragma once

#include "nn/conv_backward.hpp"
#include "nn/fast/thread_pool.hpp"
#include "nn/geometry.hpp"
#include "nn/tensor.hpp"

namespace nn::fast {

/// nn::conv_backward computed by packed planes and register tiles, with the
/// work split across the threads of @p pool.
/// @param dZ           (m, h_new, w_new, c_new), gradient of the pre-activation output
/// @param A_prev       (m, h_prev, w_prev, c_prev)
/// @param W            (kh, kw, c_prev, c_new)
/// @param b            (1, 1, 1, c_new)
/// @param padding      as in conv_forward
/// @param stride       as in conv_forward
/// @param pool         the threads to use
/// @param need_dA_prev false when nothing reads dA_prev (a first layer's, the
///                     gradient with respect to the images): it is then left
///                     empty and not computed, which saves about half of
///                     LeNet-5's C1 backward (TensorFlow likewise never runs
///                     the input-gradient kernel of a conv whose input needs
///                     no gradient)
/// @return dA_prev (or empty), dW, db, equal to nn::conv_backward's within
///         float rounding and identical for every thread count
/// @throws std::invalid_argument exactly where nn::conv_backward throws, with
///         the same message under the name fast::conv_backward
ConvGrads conv_backward(const Tensor& dZ, const Tensor& A_prev, const Tensor& W, const Tensor& b, Padding padding,
                        Stride stride, ThreadPool& pool, bool need_dA_prev = true);

}  // namespace nn::fast
