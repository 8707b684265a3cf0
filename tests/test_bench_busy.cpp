// BusyProcesses: the bench's busy processes run while the object lives and
// are gone after it, whether it ends normally, by an exception, or with the
// bench killed by a signal.
#include "tools/bench/busy.hpp"

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

// A process's state letter from /proc (R running, S sleeping, Z zombie), or
// '-' when it no longer exists.
char state_of(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return '-';
    const std::size_t close = line.rfind(')');
    return close == std::string::npos || close + 2 >= line.size() ? '?' : line[close + 2];
}

// Gone: no longer exists, or dead and waiting to be reaped by someone else.
bool gone(pid_t pid) {
    const char s = state_of(pid);
    return s == '-' || s == 'Z' || s == 'X';
}

bool all_gone_within(const std::vector<pid_t>& pids, std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    for (;;) {
        bool all = true;
        for (pid_t pid : pids) all = all && gone(pid);
        if (all) return true;
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

}  // namespace

TEST(BusyProcesses, RunWhileAliveAndAreReapedAfter) {
    std::vector<pid_t> pids;
    {
        tools::bench::BusyProcesses busy(2);
        pids = busy.pids();
        ASSERT_EQ(pids.size(), 2u);
        for (pid_t pid : pids) EXPECT_FALSE(gone(pid)) << pid;
    }
    for (pid_t pid : pids) {
        EXPECT_EQ(state_of(pid), '-') << pid;  // killed and reaped: no zombie left behind
        EXPECT_EQ(kill(pid, 0), -1);
    }
}

TEST(BusyProcesses, StoppedWhenAnExceptionLeavesTheScope) {
    std::vector<pid_t> pids;
    try {
        tools::bench::BusyProcesses busy(2);
        pids = busy.pids();
        throw std::runtime_error("an epoch failed");
    } catch (const std::runtime_error&) {
    }
    ASSERT_EQ(pids.size(), 2u);
    for (pid_t pid : pids) EXPECT_EQ(state_of(pid), '-') << pid;
}

TEST(BusyProcesses, NoneIsNothing) {
    tools::bench::BusyProcesses busy(0);
    EXPECT_TRUE(busy.pids().empty());
}

#ifdef __linux__
// The bench killed outright (SIGKILL: no destructor runs): its busy
// processes die with it.
TEST(BusyProcesses, DieWithAKilledBench) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t bench = fork();
    ASSERT_GE(bench, 0);
    if (bench == 0) {  // the "bench": starts two busy processes, reports their ids, waits to be killed
        close(fds[0]);
        tools::bench::BusyProcesses busy(2);
        const pid_t ids[2] = {busy.pids()[0], busy.pids()[1]};
        if (write(fds[1], ids, sizeof ids) != static_cast<ssize_t>(sizeof ids)) _exit(1);
        for (;;) pause();
    }
    close(fds[1]);
    pid_t ids[2] = {0, 0};
    const ssize_t got = read(fds[0], ids, sizeof ids);
    close(fds[0]);
    kill(bench, SIGKILL);
    waitpid(bench, nullptr, 0);
    ASSERT_EQ(got, static_cast<ssize_t>(sizeof ids));
    EXPECT_TRUE(all_gone_within({ids[0], ids[1]}, std::chrono::milliseconds(5000)));
    for (pid_t pid : ids)
        if (!gone(pid)) kill(pid, SIGKILL);  // never leave a spinning process behind, even when failing
}
#endif
