// keep_freed_memory (nn/fast/heap.hpp): once a Context is made, the tensors
// of a training step reuse memory instead of fresh pages from the system.
//
// This file holds one test and runs in a process of its own: the point is
// what happens in a process that has not yet freed a large block (glibc's
// malloc then maps and unmaps every block over 128 kB).
#include <gtest/gtest.h>

#include <sys/resource.h>

#include "nn/context.hpp"
#include "nn/tensor.hpp"

namespace {

[[maybe_unused]] long minor_faults() {  // unused where the test is skipped
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_minflt;
}

}  // namespace

// LeNet-5's C1 output at batch 32, made and dropped 20 times, as 20 steps do.
// Before the fix each one cost its 147 pages in faults (2940 in all).
TEST(FastHeap, AStepsTensorsReuseFreedMemoryOnceAContextIsMade) {
#if !defined(__GLIBC__) || defined(__SANITIZE_ADDRESS__)
    GTEST_SKIP() << "the page faults counted here are glibc malloc's";
#else
    nn::Context ctx(1);
    { nn::Tensor first({32, 28, 28, 6}); }  // the heap grows once
    const long before = minor_faults();
    for (int step = 0; step < 20; ++step) {
        nn::Tensor A1({32, 28, 28, 6});
        A1.data[static_cast<std::size_t>(step)] = 1.0f;
    }
    EXPECT_LT(minor_faults() - before, 100) << "20 tensors of 600 kB: fresh pages for each";
#endif
}
