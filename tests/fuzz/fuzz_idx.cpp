// libFuzzer target: the IDX readers (tools::io::read_idx_images and
// read_idx_labels) on any bytes. Each either reads or refuses with
// std::runtime_error; anything else is a finding. What reads must agree with
// the header: images (n, rows, cols, 1) with values in [0, 1], n labels.
#include <cstdint>
#include <cstdlib>
#include <stdexcept>

#include "tests/fuzz/fuzz_input.hpp"
#include "tools/io/idx.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::MemoryFile file(data, size);
    try {
        const nn::Tensor x = tools::io::read_idx_images(file.path());
        if (x.rank() != 4 || x.dim(3) != 1 || size != 16 + x.size()) std::abort();
        for (float v : x.data)
            if (!(v >= 0.0f && v <= 1.0f)) std::abort();
    } catch (const std::runtime_error&) {
    }
    try {
        const std::vector<std::uint8_t> labels = tools::io::read_idx_labels(file.path());
        if (size != 8 + labels.size()) std::abort();
    } catch (const std::runtime_error&) {
    }
    return 0;
}
