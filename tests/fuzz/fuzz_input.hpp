// Shared by the fuzz harnesses whose readers take a path: the input bytes as
// a file, without touching the disk. memfd_create gives an anonymous regular
// file (so fstat reports its size, as for a real file on disk), named by
// /proc/self/fd/N.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <sys/mman.h>
#include <unistd.h>

namespace fuzz {

/// An in-memory regular file holding some bytes, closed when it goes out of scope.
class MemoryFile {
public:
    /// Creates the file and writes @p size bytes from @p data into it; aborts
    /// if the system refuses (a broken harness, not a finding).
    /// @param data the bytes
    /// @param size how many
    MemoryFile(const std::uint8_t* data, std::size_t size) : fd_(memfd_create("fuzz", MFD_CLOEXEC)) {
        if (fd_ < 0) std::abort();
        for (std::size_t done = 0; done < size;) {
            const ssize_t k = write(fd_, data + done, size - done);
            if (k <= 0) std::abort();
            done += static_cast<std::size_t>(k);
        }
    }
    ~MemoryFile() { close(fd_); }
    MemoryFile(const MemoryFile&) = delete;
    MemoryFile& operator=(const MemoryFile&) = delete;

    /// @return a path that opens the file from its start
    std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

private:
    int fd_;
};

}  // namespace fuzz
