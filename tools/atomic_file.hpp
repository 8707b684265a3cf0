// The bench (tools/cmd_bench.cpp) still includes the atomic writer by this
// path; the writer is tools/io/atomic_file.hpp, and this header goes when the
// bench moves to tools/bench/.
#pragma once

#include "tools/io/atomic_file.hpp"

namespace tools {
using io::write_file_atomic;
}  // namespace tools
