// Placeholder until `plaincnn figures` is written.
#include <stdexcept>

#include "tools/commands.hpp"

namespace tools {

int cmd_figures(const Args&) { throw std::runtime_error("'figures' is not available yet"); }

}  // namespace tools
