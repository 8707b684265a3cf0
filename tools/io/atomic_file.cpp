// Atomic file writes: write a temporary file next to the target, then
// std::rename it onto the target (atomic within one file system on POSIX).
// Temporaries are named "<path>.tmp-<16 random hex digits>" and opened with
// fopen's exclusive mode "x", so two writers never share one.
#include "tools/io/atomic_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <set>
#include <stdexcept>

namespace tools::io {

namespace {

std::runtime_error write_error(const std::string& path, const std::string& reason) {
    return std::runtime_error("cannot write '" + path + "': " + reason);
}

std::string errno_text(int err) { return err ? std::strerror(err) : "unknown error"; }

// 64 random bits as 16 hex digits.
std::string random_suffix() {
    std::random_device rd;
    unsigned long long bits = (static_cast<unsigned long long>(rd()) << 32) ^ rd();
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", bits);
    return text;
}

// An empty path or a folder would only fail at the rename; refuse them first.
void check_target(const std::string& path) {
    if (path.empty()) throw write_error(path, "the path is empty");
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw write_error(path, "it is a folder");
}

// Creates a fresh temporary next to @p path holding @p bytes and returns its
// name; on failure removes it and throws naming @p path.
std::string write_temporary(const std::string& path, const std::string& bytes) {
    std::string tmp;
    std::FILE* f = nullptr;
    int err = 0;
    for (int attempt = 0; attempt < 8 && !f; ++attempt) {  // retry only on a name clash
        tmp = path + ".tmp-" + random_suffix();
        errno = 0;
        f = std::fopen(tmp.c_str(), "wbx");
        err = errno;
        if (!f && err != EEXIST) break;
    }
    if (!f) throw write_error(path, "cannot create a temporary file in its folder (" + errno_text(err) + ")");

    errno = 0;
    bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
    ok = std::fflush(f) == 0 && ok;  // buffered bytes can fail only here (e.g. disk full)
    err = errno;
    ok = std::fclose(f) == 0 && ok;
    if (!err) err = errno;
    if (!ok) {
        std::remove(tmp.c_str());
        throw write_error(path, "writing the temporary file failed (" + errno_text(err) + ")");
    }
    return tmp;
}

// Renames @p tmp onto @p path; on failure removes @p tmp and throws.
void commit(const std::string& tmp, const std::string& path) {
    errno = 0;
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        int err = errno;
        std::remove(tmp.c_str());
        throw write_error(path, "cannot rename the temporary file onto it (" + errno_text(err) + ")");
    }
}

}  // namespace

void write_file_atomic(const std::string& path, const std::string& bytes) {
    check_target(path);
    commit(write_temporary(path, bytes), path);
}

void write_files_atomic(const std::vector<std::pair<std::string, std::string>>& files) {
    std::set<std::filesystem::path> seen;  // compared after normalising, so "a" and "./a" clash
    for (const auto& file : files) {
        check_target(file.first);
        if (!seen.insert(std::filesystem::absolute(file.first).lexically_normal()).second)
            throw std::invalid_argument("write_files_atomic: '" + file.first + "' is given twice");
    }
    std::vector<std::string> temps;
    temps.reserve(files.size());
    try {
        for (const auto& file : files) temps.push_back(write_temporary(file.first, file.second));
    } catch (...) {
        for (const std::string& tmp : temps) std::remove(tmp.c_str());
        throw;
    }
    for (std::size_t k = 0; k < files.size(); ++k) {
        try {
            commit(temps[k], files[k].first);
        } catch (...) {
            for (std::size_t j = k + 1; j < temps.size(); ++j) std::remove(temps[j].c_str());
            throw;
        }
    }
}

}  // namespace tools::io
