// Placeholder until `plaincnn train --api keras` is written.
#include <stdexcept>

#include "tools/commands.hpp"

namespace tools {

int train_keras(const TrainOptions&) { throw std::runtime_error("--api keras is not available yet"); }

}  // namespace tools
