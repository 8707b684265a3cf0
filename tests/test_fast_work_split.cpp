// threads_for: how many threads a fast pass starts.
#include <gtest/gtest.h>

#include "nn/fast/parallel.hpp"
#include "nn/fast/work_split.hpp"

// work / min_work limits the count: 10 / 4 = 2.5 → 2; too little work → 1.
TEST(WorkSplit, WorkLimitsThreads) {
    EXPECT_EQ(nn::fast::threads_for(8, 10.0, 100.0, 4.0), 2);
    EXPECT_EQ(nn::fast::threads_for(8, 1.0, 100.0, 4.0), 1);
    EXPECT_EQ(nn::fast::threads_for(8, 0.0, 100.0, 4.0), 1);
}

TEST(WorkSplit, CallerAndPartsLimitThreads) {
    EXPECT_EQ(nn::fast::threads_for(3, 1e9, 100.0, 1.0), 3);  // the caller's limit
    EXPECT_EQ(nn::fast::threads_for(8, 1e9, 5.0, 1.0), 5);    // only 5 pieces of work
    EXPECT_EQ(nn::fast::threads_for(8, 1e9, 0.0, 1.0), 1);    // nothing to split: still one thread
}

TEST(WorkSplit, ZeroMeansAllCores) {
    EXPECT_EQ(nn::fast::threads_for(0, 1e12, 1e6, 1.0), nn::fast::default_threads());
    EXPECT_EQ(nn::fast::threads_for(-1, 1e12, 1e6, 1.0), nn::fast::default_threads());
}
