// BusyProcesses: fork, spin, kill, reap (see busy.hpp).
#include "tools/bench/busy.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace tools::bench {

namespace {

// The child: spins until killed. It runs nothing of the parent's (no
// destructors, no atexit handlers, no stdio) and touches no lock that a
// parent thread might have held at the fork.
[[noreturn]] void spin(pid_t parent) {
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // die with the bench, however it ends
#endif
    if (getppid() != parent) _exit(0);  // the bench died before the line above
    volatile unsigned long count = 0;   // volatile: the loop has an effect and is not removed
    for (;;) count = count + 1;
}

}  // namespace

BusyProcesses::BusyProcesses(int n) {
    const pid_t parent = getpid();
    for (int k = 0; k < n; ++k) {
        const pid_t pid = fork();
        if (pid == 0) spin(parent);
        if (pid < 0) {
            const int error = errno;
            stop();
            throw std::runtime_error("cannot start " + std::to_string(n) + " busy processes: " + std::strerror(error));
        }
        pids_.push_back(pid);
    }
}

BusyProcesses::~BusyProcesses() { stop(); }

void BusyProcesses::stop() {
    for (pid_t pid : pids_) kill(pid, SIGKILL);
    for (pid_t pid : pids_)
        while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
        }
    pids_.clear();
}

}  // namespace tools::bench
