// Placeholder until `plaincnn train` is written.
#include <stdexcept>

#include "tools/commands.hpp"

namespace tools {

int cmd_train(const Args&) { throw std::runtime_error("'train' is not available yet"); }

}  // namespace tools
