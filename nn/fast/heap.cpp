// Heap: one large block freed on purpose (see heap.hpp).
#include "nn/fast/heap.hpp"

namespace nn::fast {

void keep_freed_memory() {
    static const bool done = [] {
        // Through a volatile pointer: a compiler may drop an allocation whose
        // memory is never used, and this one's only use is being freed.
        char* volatile block = new char[kKeptBlock];
        block[0] = 0;
        delete[] block;
        return true;
    }();
    (void)done;
}

}  // namespace nn::fast
