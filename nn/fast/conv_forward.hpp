// Convolution forward by packed planes and register tiles: the fast variant
// of nn/conv_forward, and what training runs on.
//
//   Z[i,y,x,c] = act(b[c] + sum_{p,q,k} A_pad[i, y sh + p, x sw + q, k] W[p,q,k,c])
//   A_prev (m, h_prev, w_prev, c_prev), W (kh, kw, c_prev, c_new), Z (m, h_new, w_new, c_new)
//
// Same arguments, same results (up to float rounding), same errors as the
// reference pass, plus the ThreadPool whose threads share out the samples.
// How (nn/fast/conv_forward.cpp explains each step): each sample is copied
// into zero-padded per-channel planes (nn/fast/conv_planes.hpp), then every
// output channel is a sum over kh·kw·c_prev shifted rows of those planes,
// computed 16 pixels at a time in registers. With several input channels,
// when there are enough blocks of 16 samples for the threads, the 16 lanes
// of a register hold one pixel of 16 samples instead; the taps are summed in
// the same order, so the results are the same bits for every thread count.
#pragma once

#include "nn/activations.hpp"
#include "nn/fast/thread_pool.hpp"
#include "nn/geometry.hpp"
#include "nn/tensor.hpp"

namespace nn::fast {

/// nn::conv_forward computed by packed planes and register tiles, with the
/// batch split across the threads of @p pool.
/// @param A_prev     input, (m, h_prev, w_prev, c_prev)
/// @param W          kernels, (kh, kw, c_prev, c_new)
/// @param b          biases, (1, 1, 1, c_new)
/// @param activation applied to every output value
/// @param padding    same (TensorFlow's), valid, or explicit (ph, pw)
/// @param stride     (sh, sw), both positive
/// @param pool       the threads to use
/// @return Z, (m, h_new, w_new, c_new), equal to nn::conv_forward's within
///         float rounding and identical for every thread count
/// @throws std::invalid_argument exactly where nn::conv_forward throws, with
///         the same message under the name fast::conv_forward
Tensor conv_forward(const Tensor& A_prev, const Tensor& W, const Tensor& b, Activation activation, Padding padding,
                    Stride stride, ThreadPool& pool);

}  // namespace nn::fast
