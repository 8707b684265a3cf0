// Heap: the memory of one training step's tensors, kept for the next step.
//
// A training step makes and drops tensors of a few hundred kB to a few MB
// (LeNet-5's C1 output at batch 32 is 600 kB, a fresh std::vector each
// step). glibc's malloc hands out blocks above its mmap threshold (128 kB
// when a process starts) as fresh pages from the system, and gives them back
// when they are freed: every such tensor then cost page faults and the
// system's zeroing of its pages, every step. A program that trained LeNet-5
// on 60,000 images took 10.8 s per epoch instead of 1.6 through the Keras
// front-end, 24 s instead of 1.7 through the TF1 one (`plaincnn train`
// escaped by luck: reading MNIST had freed a large block).
//
// glibc raises its threshold to the size of any block above it that is
// freed (up to 32 MB) and from then on keeps freed memory for reuse.
// keep_freed_memory() frees one such block on purpose. With another C
// library it does nothing.
#pragma once

#include <cstddef>

namespace nn::fast {

/// The block keep_freed_memory() frees: tensors up to this size are then
/// served from memory kept by the process (glibc keeps up to twice this).
constexpr std::size_t kKeptBlock = std::size_t{16} << 20;

/// Under glibc, allocates and frees one block of kKeptBlock bytes, once per
/// process (later calls do nothing). nn::Context's and ThreadPool's constructors call it, so
/// the reference passes, the fast ones and the bench train on reused memory.
void keep_freed_memory();

}  // namespace nn::fast
