// Convolution, forward and backward, by packed planes and register tiles: the
// training path's fast variant of nn/conv_forward and nn/conv_backward.
//
// Same arguments, same results (up to float rounding), same errors as the
// reference passes, plus a thread count, or a ThreadPool whose threads are
// reused from call to call (nn/thread_pool.hpp). The samples of the batch are split
// across std::threads. dW and db, which sum over the samples, are summed per
// fixed group of 16 samples and the groups' shares added in group order, so
// every value is summed in the same order whatever the thread count and the
// results are identical for 1, 2 or 64 threads.
//
// How (nn/conv_fast.cpp explains each step):
//   forward  Z = act(A_prev * W + b): each sample is copied into zero-padded
//            per-channel planes, then every output channel is a sum over
//            kh·kw·c_prev shifted rows of those planes, computed 16 pixels at a
//            time in registers. With several input channels, when there are
//            enough blocks of 16 samples for the threads, the 16 lanes of a
//            register hold one pixel of 16 samples instead; the taps are summed
//            in the same order, so the results are the same bits.
//   dA_prev  the same kernel run on dZ, padded by kh-1, kw-1, with W flipped
//            and its channel axes swapped (a "full" correlation).
//   dW, db   dot products between shifted planes of A_prev and planes of dZ.
#pragma once

#include "nn/activations.hpp"
#include "nn/conv_backward.hpp"
#include "nn/geometry.hpp"
#include "nn/tensor.hpp"
#include "nn/fast/thread_pool.hpp"

namespace nn {

/// Whether a backward pass computes dA_prev. The first layer's dA_prev is the
/// gradient with respect to the images, which nothing reads; skipping it
/// saves about half of LeNet-5's C1 backward (TensorFlow likewise never runs
/// the input-gradient kernel of a conv whose input needs no gradient).
enum class InputGradient {
    compute,  ///< dA_prev, dW and db
    skip,     ///< dW and db only; dA_prev is left empty
};

/// conv_forward (nn/conv_forward.hpp) computed by packed planes and register
/// tiles, with the batch split across threads.
///
/// @param A_prev     input, (m, h_prev, w_prev, c_prev)
/// @param W          kernels, (kh, kw, c_prev, c_new)
/// @param b          biases, (1, 1, 1, c_new)
/// @param activation applied to every output value
/// @param padding    same (TensorFlow's), valid, or explicit (ph, pw)
/// @param stride     (sh, sw), both positive
/// @param threads    number of threads; 0 = all cores
/// @return Z, (m, h_new, w_new, c_new), equal to conv_forward's within float
///         rounding and identical for every thread count
/// @throws std::invalid_argument exactly where conv_forward throws, with the
///         same message under the name conv_forward_fast
Tensor conv_forward_fast(const Tensor& A_prev, const Tensor& W, const Tensor& b, Activation activation,
                         Padding padding, Stride stride, int threads);

/// conv_backward (nn/conv_backward.hpp) computed by packed planes and register
/// tiles, with the work split across threads.
///
/// @param dZ      (m, h_new, w_new, c_new), gradient of the pre-activation output
/// @param A_prev  (m, h_prev, w_prev, c_prev)
/// @param W       (kh, kw, c_prev, c_new)
/// @param b       (1, 1, 1, c_new)
/// @param padding as in conv_forward
/// @param stride  as in conv_forward
/// @param threads number of threads; 0 = all cores
/// @return dA_prev, dW, db, equal to conv_backward's within float rounding
///         and identical for every thread count
/// @throws std::invalid_argument exactly where conv_backward throws, with the
///         same message under the name conv_backward_fast
ConvGrads conv_backward_fast(const Tensor& dZ, const Tensor& A_prev, const Tensor& W, const Tensor& b,
                             Padding padding, Stride stride, int threads);

/// conv_forward_fast on the threads of @p pool instead of fresh ones; the
/// same results as with a thread count.
/// @param A_prev     (m, h_prev, w_prev, c_prev)
/// @param W          (kh, kw, c_prev, c_new)
/// @param b          (1, 1, 1, c_new)
/// @param activation applied to every output value
/// @param padding    same, valid, or explicit (ph, pw)
/// @param stride     (sh, sw)
/// @param pool       the threads to use
/// @return Z, (m, h_new, w_new, c_new)
/// @throws std::invalid_argument as conv_forward_fast
Tensor conv_forward_fast(const Tensor& A_prev, const Tensor& W, const Tensor& b, Activation activation,
                         Padding padding, Stride stride, ThreadPool& pool);

/// conv_forward_fast on @p pool into a kept output: @p Z is given the shape
/// (m, h_new, w_new, c_new) by nn::resize_output and every value is written
/// by the thread that computes it, so a training loop that passes the same Z
/// at every step allocates nothing. The values are those of the other forms.
/// @param A_prev     (m, h_prev, w_prev, c_prev)
/// @param W          (kh, kw, c_prev, c_new)
/// @param b          (1, 1, 1, c_new)
/// @param activation applied to every output value
/// @param padding    same, valid, or explicit (ph, pw)
/// @param stride     (sh, sw)
/// @param pool       the threads to use
/// @param Z          the output, reused; it must not be one of the inputs
/// @throws std::invalid_argument as conv_forward_fast, or if Z is an input
void conv_forward_fast(const Tensor& A_prev, const Tensor& W, const Tensor& b, Activation activation,
                       Padding padding, Stride stride, ThreadPool& pool, Tensor& Z);

/// conv_backward_fast on the threads of @p pool instead of fresh ones; the
/// same results as with a thread count.
/// @param dZ      (m, h_new, w_new, c_new)
/// @param A_prev  (m, h_prev, w_prev, c_prev)
/// @param W       (kh, kw, c_prev, c_new)
/// @param b       (1, 1, 1, c_new)
/// @param padding as in conv_forward
/// @param stride  as in conv_forward
/// @param pool    the threads to use
/// @return dA_prev, dW, db
/// @throws std::invalid_argument as conv_backward_fast
ConvGrads conv_backward_fast(const Tensor& dZ, const Tensor& A_prev, const Tensor& W, const Tensor& b,
                             Padding padding, Stride stride, ThreadPool& pool);

/// conv_backward_fast on @p pool into kept outputs: each of grads.dA_prev,
/// grads.dW and grads.db is given its shape by nn::resize_output and every
/// value is written, so a training loop that passes the same grads at every
/// step allocates nothing. The values are those of the other forms.
/// @param dZ             (m, h_new, w_new, c_new)
/// @param A_prev         (m, h_prev, w_prev, c_prev)
/// @param W              (kh, kw, c_prev, c_new)
/// @param b              (1, 1, 1, c_new)
/// @param padding        as in conv_forward
/// @param stride         as in conv_forward
/// @param pool           the threads to use
/// @param grads          the outputs, reused; none may be one of the inputs
/// @param input_gradient InputGradient::skip leaves grads.dA_prev empty (rank 0) and does not compute it
/// @throws std::invalid_argument as conv_backward_fast, or if an output is an input
void conv_backward_fast(const Tensor& dZ, const Tensor& A_prev, const Tensor& W, const Tensor& b, Padding padding,
                        Stride stride, ThreadPool& pool, ConvGrads& grads,
                        InputGradient input_gradient = InputGradient::compute);

}  // namespace nn
