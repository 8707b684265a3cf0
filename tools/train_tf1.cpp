// Placeholder until `plaincnn train --api tf1` is written.
#include <stdexcept>

#include "tools/commands.hpp"

namespace tools {

int train_tf1(const TrainOptions&) { throw std::runtime_error("--api tf1 is not available yet"); }

}  // namespace tools
