// The thread count a command uses for --threads N.
//
// More threads than cores cannot make a compute-bound loop faster: they only
// take turns on the cores. A huge count (--threads 100000) would also ask the
// system for that many threads, which it may refuse half-way. So a count
// above the machine's cores is capped to the core count, with a warning.
#pragma once

#include <ostream>
#include <string>

namespace tools {

/// @p requested, or the machine's core count when @p requested is larger
/// (with a one-line warning on @p warn naming @p command).
/// @param requested the --threads value, 0 or more (0 = all cores, kept as is)
/// @param command   the subcommand, for the warning ("train")
/// @param warn      where the warning goes (std::cerr)
/// @return the thread count to use
int capped_threads(int requested, const std::string& command, std::ostream& warn);

}  // namespace tools
