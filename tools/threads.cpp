// capped_threads: see threads.hpp.
#include "tools/threads.hpp"

#include "nn/fast/parallel.hpp"

namespace tools {

int capped_threads(int requested, const std::string& command, std::ostream& warn) {
    const int cores = nn::fast::default_threads();
    if (requested <= cores) return requested;
    warn << "plaincnn " << command << ": warning: --threads " << requested << " is more than the " << cores
         << (cores == 1 ? " core" : " cores") << " of this machine; using " << cores << "\n";
    return cores;
}

}  // namespace tools
