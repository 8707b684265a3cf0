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
