// capped_threads: --threads above the machine's cores is capped, with one
// warning line; 0 (all cores) and counts up to the cores pass unchanged and silently.
#include "tools/threads.hpp"

#include <gtest/gtest.h>

#include <climits>
#include <sstream>
#include <string>

#include "nn/fast/parallel.hpp"

TEST(CappedThreads, UpToTheCoresUnchanged) {
    const int cores = nn::fast::default_threads();
    for (int t : {0, 1, cores}) {
        std::ostringstream warn;
        EXPECT_EQ(tools::capped_threads(t, "train", warn), t);
        EXPECT_EQ(warn.str(), "");
    }
}

TEST(CappedThreads, MoreThanTheCoresCappedWithAWarning) {
    const int cores = nn::fast::default_threads();
    for (int t : {cores + 1, 100000, INT_MAX}) {
        std::ostringstream warn;
        EXPECT_EQ(tools::capped_threads(t, "train", warn), cores);
        const std::string line = warn.str();
        EXPECT_EQ(line.find("plaincnn train: warning: --threads " + std::to_string(t)), 0u) << line;
        EXPECT_NE(line.find("using " + std::to_string(cores) + "\n"), std::string::npos) << line;
        EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line: " << line;
    }
}
