// tools/bench/table: the figures the bench prints beside its rows.
#include <gtest/gtest.h>

#include "tools/bench/table.hpp"

// A front-end's epoch over the core's, as the epoch rows print it. With one
// significant digit instead of one decimal, 10.3% came out as "+1e+01%".
TEST(BenchTable, PercentOverHasOneDecimalAndASign) {
    EXPECT_EQ(tools::bench::percent_over(1.103), "+10.3%");
    EXPECT_EQ(tools::bench::percent_over(1.072), "+7.2%");
    EXPECT_EQ(tools::bench::percent_over(0.95), "-5.0%");
    EXPECT_EQ(tools::bench::percent_over(1.0), "+0.0%");
}

// Amdahl's law from loop times, by hand: a 1-thread epoch of 1.0 s spends
// 0.9 s in loops (0.1 s outside); on 2 threads the caller runs 0.05 s of
// loops alone and the shared ones take 0.4 s. Serial: 0.1 + 0.05 = 0.15 s;
// bound 1 / (0.15 + 0.85 / 2) = 1.739; the shared loops ran 0.85 / 0.4 faster.
TEST(BenchTable, SerialPartIsAmdahlsLawFromLoopTimes) {
    const tools::bench::SerialPart p = tools::bench::serial_part(1.0, 0.9, 0.4, 0.05, 2);
    EXPECT_NEAR(p.share, 0.15, 1e-12);
    EXPECT_NEAR(p.outside_share, 0.1, 1e-12);
    EXPECT_NEAR(p.bound, 1.0 / 0.575, 1e-12);
    EXPECT_NEAR(p.loops_speedup, 2.125, 1e-12);
    // Nothing serial: the bound is the thread count.
    EXPECT_NEAR(tools::bench::serial_part(1.0, 1.0, 0.5, 0.0, 4).bound, 4.0, 1e-12);
    // No shared loop ran (an epoch on 1 thread twice): no figures rather than a division by zero.
    EXPECT_EQ(tools::bench::serial_part(1.0, 0.9, 0.0, 0.9, 2).bound, 0.0);
}
