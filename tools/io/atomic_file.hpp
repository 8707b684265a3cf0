// Atomic file writes: a reader of the target path sees either the old file
// or the complete new one, never a half-written file.
//
// Every file plaincnn writes (.npy outputs, weights, figures, bench --json)
// goes through here. The bytes go to a temporary file in the target's own
// folder (a rename is atomic only within one file system), which is then
// renamed onto the target. On any failure the temporary is removed and the
// target is left as it was.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace tools::io {

/// Writes @p bytes to @p path atomically: a uniquely named temporary file
/// "<path>.tmp-<random hex>" in the same folder is created (never reusing an
/// existing name), written, flushed and closed with every step checked, then
/// renamed onto @p path, replacing any existing file.
/// @param path   the file to create or replace
/// @param bytes  the complete new contents
/// @throws std::runtime_error naming @p path and the reason (for example the
///         folder does not exist, the disk is full, or @p path is a folder);
///         the temporary is removed and @p path is unchanged.
void write_file_atomic(const std::string& path, const std::string& bytes);

/// Writes several files so that either all of them appear or, if any
/// temporary cannot be written, none does: every file is first written to
/// its own temporary (as in write_file_atomic), and only when all are
/// complete are they renamed onto their paths, in order.
/// @param files  (path, bytes) pairs; the paths must be distinct
/// @throws std::invalid_argument if two paths are equal.
/// @throws std::runtime_error naming the failing path. If a temporary fails,
///         all temporaries are removed and no target changes. A rename can
///         still fail after earlier renames succeeded (for example when a
///         target is a folder); the files renamed before it stay.
void write_files_atomic(const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace tools::io
