// Crash-safe file writes: a reader of the target path sees either the old
// file or the complete new one, never a half-written or empty file, even if
// the program is killed or the power fails in the middle.
//
// Every file plaincnn writes (.npy outputs, weights, figures, bench --json)
// goes through here. The steps, each checked:
//   1. a temporary "<name>.tmp-<pid>-<16 random hex digits>" is created in the
//      target's own folder (a rename is atomic only within one file system)
//      with an exclusive create, so two writers never share one;
//   2. the bytes are written and fsync'ed, so they are on the disk before
//      the name points at them;
//   3. the temporary is renamed onto the target, atomically replacing it;
//   4. the folder is fsync'ed, so the rename itself survives a power cut.
// On any failure the temporary is removed and the target is left as it was.
// A temporary left by a process that died between steps 1 and 3 is removed by
// the next successful write of the same target (its pid is no longer alive).
//
// What the target may be: a new name, or an existing regular file (replaced,
// keeping its permission bits). A symbolic link is followed, as numpy.save
// does: its final target is replaced and the link stays a link. Anything else
// that exists under the name (a folder, a device such as /dev/full, a pipe, a
// socket) is refused: it is never replaced by a regular file, and writing into
// it is not what a "write this file" command should do.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace tools::io {

/// Writes @p bytes to @p path crash-safely, in the four steps above.
/// @param path   the file to create or replace (a symbolic link is followed)
/// @param bytes  the complete new contents
/// @throws std::runtime_error naming @p path and the reason (for example the
///         folder does not exist, the disk is full, or @p path is a folder or
///         a device); the temporary is removed and @p path is unchanged.
void write_file_atomic(const std::string& path, const std::string& bytes);

/// The points between the steps of write_file_atomic, for tests that stop a
/// write there (see write_file_atomic_observed).
enum class WriteStep {
    created,       ///< the empty temporary exists
    half_written,  ///< the first half of the bytes is written
    written,       ///< every byte is written, not yet synced
    synced,        ///< the temporary is fsync'ed and closed
    renamed,       ///< the temporary has replaced the target
    folder_synced  ///< the folder is fsync'ed; the write is complete
};

/// write_file_atomic that calls @p after_step at each point between its
/// steps, so a test can kill the process there (for example with abort() in
/// a forked child) and check what a crash at that point leaves behind.
/// @param path        as write_file_atomic
/// @param bytes       as write_file_atomic
/// @param after_step  called with each WriteStep in order, on the success path
/// @throws std::runtime_error as write_file_atomic
void write_file_atomic_observed(const std::string& path, const std::string& bytes,
                                const std::function<void(WriteStep)>& after_step);

/// Writes several files so that either all of them appear or, if any
/// temporary cannot be written, none does: every file is first written and
/// synced to its own temporary (as in write_file_atomic), and only when all
/// are complete are they renamed onto their paths, in order.
/// @param files  (path, bytes) pairs; the paths must be distinct
/// @throws std::invalid_argument if two paths are equal.
/// @throws std::runtime_error naming the failing path. If a temporary fails,
///         all temporaries are removed and no target changes. A rename can
///         still fail after earlier renames succeeded; the files renamed
///         before it stay.
void write_files_atomic(const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace tools::io
