// Placeholder until `plaincnn pass` is written.
#include <stdexcept>

#include "tools/commands.hpp"

namespace tools {

int cmd_pass(const Args&) { throw std::runtime_error("'pass' is not available yet"); }

}  // namespace tools
