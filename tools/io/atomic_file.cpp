// Crash-safe file writes with POSIX calls: open(O_EXCL) a temporary next to
// the target, write and fsync it, rename it onto the target, fsync the
// folder. The header lists the steps and what a target may be.
#include "tools/io/atomic_file.hpp"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <set>
#include <stdexcept>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tools::io {

namespace {

std::runtime_error write_error(const std::string& path, const std::string& reason) {
    return std::runtime_error("cannot write '" + path + "': " + reason);
}

std::string errno_text(int err) { return err ? std::strerror(err) : "unknown error"; }

// 64 random bits as 16 hex digits.
std::string random_hex() {
    std::random_device rd;
    unsigned long long bits = (static_cast<unsigned long long>(rd()) << 32) ^ rd();
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", bits);
    return text;
}

// The folder holding @p file, "." for a bare name.
std::string folder_of(const std::string& file) {
    const std::string folder = std::filesystem::path(file).parent_path().string();
    return folder.empty() ? "." : folder;
}

// The file a write of @p path replaces: @p path itself, or for a symbolic
// link the file it finally points at (a relative link counts from the link's
// folder), which need not exist yet. Refuses an empty path, a folder, and
// anything else that is not a regular file.
std::string resolve_target(const std::string& path) {
    if (path.empty()) throw write_error(path, "the path is empty");
    std::string target = path;
    for (int links = 0;; ++links) {
        struct stat st;
        if (lstat(target.c_str(), &st) != 0) {
            const int err = errno;
            if (err == ENOENT) return target;  // a new file; a missing folder shows when the temporary is made
            throw write_error(path, "cannot inspect it (" + errno_text(err) + ")");
        }
        if (S_ISREG(st.st_mode)) return target;
        if (S_ISDIR(st.st_mode)) throw write_error(path, "it is a folder");
        if (!S_ISLNK(st.st_mode))
            throw write_error(path, "it is not a regular file (a device, pipe or socket); plaincnn writes only regular files");
        if (links == 40) throw write_error(path, "too many levels of symbolic links");
        char buffer[PATH_MAX];
        const ssize_t n = readlink(target.c_str(), buffer, sizeof buffer);
        if (n < 0 || static_cast<std::size_t>(n) == sizeof buffer)
            throw write_error(path, "cannot read the symbolic link '" + target + "'");
        const std::string link(buffer, static_cast<std::size_t>(n));
        target = link[0] == '/' ? link : folder_of(target) + "/" + link;
    }
}

// Writes all @p n bytes, going on after a partial write or a signal.
bool write_all(int fd, const char* p, std::size_t n) {
    while (n > 0) {
        const ssize_t k = ::write(fd, p, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return false;
        p += k;
        n -= static_cast<std::size_t>(k);
    }
    return true;
}

// Steps 1 and 2: a fresh temporary next to @p target holding @p bytes,
// synced and closed; returns its name. On failure removes it and throws
// naming @p path.
std::string stage(const std::string& path, const std::string& target, const std::string& bytes,
                  const std::function<void(WriteStep)>& after_step) {
    std::string tmp;
    int fd = -1, err = 0;
    for (int attempt = 0; attempt < 8 && fd < 0; ++attempt) {  // retry only on a name clash
        tmp = target + ".tmp-" + std::to_string(getpid()) + "-" + random_hex();
        fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        err = errno;
        if (fd < 0 && err != EEXIST) break;
    }
    if (fd < 0) throw write_error(path, "cannot create a temporary file in its folder (" + errno_text(err) + ")");
    after_step(WriteStep::created);

    struct stat old;  // a replaced file keeps its permission bits, as with numpy.save
    bool ok = stat(target.c_str(), &old) != 0 || fchmod(fd, old.st_mode & 07777) == 0;
    const std::size_t half = bytes.size() / 2;
    ok = ok && write_all(fd, bytes.data(), half);
    if (ok) after_step(WriteStep::half_written);
    ok = ok && write_all(fd, bytes.data() + half, bytes.size() - half);
    if (ok) after_step(WriteStep::written);
    ok = ok && fsync(fd) == 0;  // the data is on the disk before any name points at it
    err = errno;
    ok = ::close(fd) == 0 && ok;
    if (!err) err = errno;
    if (!ok) {
        ::unlink(tmp.c_str());
        throw write_error(path, "writing the temporary file failed (" + errno_text(err) + ")");
    }
    after_step(WriteStep::synced);
    return tmp;
}

// Step 3: renames @p tmp onto @p target; on failure removes @p tmp and throws.
void commit(const std::string& path, const std::string& tmp, const std::string& target) {
    if (std::rename(tmp.c_str(), target.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        throw write_error(path, "cannot rename the temporary file onto it (" + errno_text(err) + ")");
    }
}

// Step 4: makes the rename in @p target's folder durable. A file system that
// cannot sync a folder (EINVAL) has nothing more to offer and is let be.
void sync_folder(const std::string& path, const std::string& target) {
    const int fd = ::open(folder_of(target).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int err = fd < 0 ? errno : (fsync(fd) == 0 ? 0 : errno);
    if (fd >= 0) ::close(fd);
    if (err && err != EINVAL)
        throw write_error(path, "the new file is in place but its folder could not be synced (" + errno_text(err) +
                                    ")");
}

// Removes the temporaries of @p target that a process killed mid-write left:
// "<name>.tmp-<pid>-<16 hex>" whose pid is no longer running. A live writer's
// temporary (another process, or this one) is left alone.
void remove_stale_temporaries(const std::string& target) {
    const std::string prefix = std::filesystem::path(target).filename().string() + ".tmp-";
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(folder_of(target), ec)) {
        const std::string name = entry.path().filename().string();
        if (name.compare(0, prefix.size(), prefix) != 0) continue;
        const std::string rest = name.substr(prefix.size());  // "<pid>-<16 hex>"
        const std::size_t dash = rest.find('-');
        if (dash == std::string::npos || dash == 0 || dash > 9 || rest.size() != dash + 17 ||
            rest.find_first_not_of("0123456789") != dash ||
            rest.find_first_not_of("0123456789abcdef", dash + 1) != std::string::npos)
            continue;
        const pid_t pid = static_cast<pid_t>(std::stol(rest.substr(0, dash)));
        if (pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH) ::unlink(entry.path().c_str());
    }
}

}  // namespace

void write_file_atomic_observed(const std::string& path, const std::string& bytes,
                                const std::function<void(WriteStep)>& after_step) {
    const std::string target = resolve_target(path);
    const std::string tmp = stage(path, target, bytes, after_step);
    commit(path, tmp, target);
    after_step(WriteStep::renamed);
    sync_folder(path, target);
    after_step(WriteStep::folder_synced);
    remove_stale_temporaries(target);
}

void write_file_atomic(const std::string& path, const std::string& bytes) {
    write_file_atomic_observed(path, bytes, [](WriteStep) {});
}

void write_files_atomic(const std::vector<std::pair<std::string, std::string>>& files) {
    std::vector<std::string> targets;
    std::set<std::filesystem::path> seen;  // compared after normalising, so "a" and "./a" clash
    for (const auto& file : files) {
        targets.push_back(resolve_target(file.first));
        if (!seen.insert(std::filesystem::absolute(targets.back()).lexically_normal()).second)
            throw std::invalid_argument("write_files_atomic: '" + file.first + "' is given twice");
    }
    std::vector<std::string> temps;
    temps.reserve(files.size());
    try {
        for (std::size_t k = 0; k < files.size(); ++k)
            temps.push_back(stage(files[k].first, targets[k], files[k].second, [](WriteStep) {}));
    } catch (...) {
        for (const std::string& tmp : temps) ::unlink(tmp.c_str());
        throw;
    }
    for (std::size_t k = 0; k < files.size(); ++k) {
        try {
            commit(files[k].first, temps[k], targets[k]);
        } catch (...) {
            for (std::size_t j = k + 1; j < temps.size(); ++j) ::unlink(temps[j].c_str());
            throw;
        }
    }
    for (std::size_t k = 0; k < files.size(); ++k) {
        sync_folder(files[k].first, targets[k]);
        remove_stale_temporaries(targets[k]);
    }
}

}  // namespace tools::io
