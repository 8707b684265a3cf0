// BusyProcesses: a few processes that do nothing but spin, started by the
// bench to time an epoch on a machine that is busy with other work (a
// student's laptop, a shared CI runner).
//
// They are stopped on every way out: the destructor kills and reaps them
// (a normal return or an exception), and on Linux each asks the kernel to
// kill it when the bench dies (a signal, even SIGKILL).
#pragma once

#include <sys/types.h>

#include <vector>

namespace tools::bench {

/// N child processes spinning from construction to destruction.
class BusyProcesses {
public:
    /// Forks @p n processes that spin until they are killed.
    /// @param n how many, 0 or more
    /// @throws std::runtime_error when the system refuses a process (those
    ///         already started are stopped first)
    explicit BusyProcesses(int n);
    /// Kills and reaps every process.
    ~BusyProcesses();
    BusyProcesses(const BusyProcesses&) = delete;             ///< owns its processes
    BusyProcesses& operator=(const BusyProcesses&) = delete;  ///< owns its processes

    /// @return the process ids, for tests
    const std::vector<pid_t>& pids() const { return pids_; }

private:
    void stop();
    std::vector<pid_t> pids_;
};

}  // namespace tools::bench
