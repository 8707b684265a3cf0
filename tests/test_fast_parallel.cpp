// Tests for nn/fast/parallel.hpp: the ranges cover [0, n) exactly once, and an
// exception thrown by a worker reaches the caller instead of ending the
// program (std::terminate, before the fix).
#include "nn/fast/parallel.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "tests/test_util.hpp"

namespace {

TEST(Parallel, SplitRangeCoversEveryIndexOnce) {
    // 10 over 3 parts: sizes 4, 3, 3 -> [0,4), [4,7), [7,10).
    EXPECT_EQ(nn::fast::split_range(10, 3, 0), std::make_pair(0, 4));
    EXPECT_EQ(nn::fast::split_range(10, 3, 1), std::make_pair(4, 7));
    EXPECT_EQ(nn::fast::split_range(10, 3, 2), std::make_pair(7, 10));
}

TEST(Parallel, EachSampleVisitedOnce) {
    for (int n : {0, 1, 5, 37}) {
        for (int threads : {1, 2, 3, 8}) {
            std::vector<int> visits(static_cast<std::size_t>(n), 0);
            nn::fast::parallel_for(n, threads, [&](int, int begin, int end) {
                for (int i = begin; i < end; ++i) ++visits[static_cast<std::size_t>(i)];
            });
            EXPECT_EQ(visits, std::vector<int>(static_cast<std::size_t>(n), 1)) << n << " over " << threads;
        }
    }
}

TEST(Parallel, WorkerExceptionReachesTheCaller) {
    // Ranges 1 and 2 run on worker threads and throw; the lower one wins.
    EXPECT_EQ(testutil::error_message([] {
                  nn::fast::parallel_for(9, 3, [](int part, int, int) {
                      if (part > 0) throw std::invalid_argument("part " + std::to_string(part));
                  });
              }),
              "part 1");
    // The calling thread's own range throwing still joins the workers first.
    EXPECT_THROW(nn::fast::parallel_for(9, 3,
                                  [](int part, int, int) {
                                      if (part == 0) throw std::runtime_error("part 0");
                                  }),
                 std::runtime_error);
}

}  // namespace
