// Placeholder until `plaincnn bench` is written.
#include <stdexcept>

#include "tools/commands.hpp"

namespace tools {

int cmd_bench(const Args&) { throw std::runtime_error("'bench' is not available yet"); }

}  // namespace tools
