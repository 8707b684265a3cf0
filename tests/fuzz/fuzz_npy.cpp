// libFuzzer target: tools::io::read_npy on any bytes. A file is either read
// or refused with std::runtime_error; anything else (a crash, a sanitizer
// report, another exception, a large allocation or a hang) is a finding. A
// file that reads is written back with encode_npy and read again: the shape
// and every float's bits must survive (a '<f8' file is already rounded).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "tests/fuzz/fuzz_input.hpp"
#include "tools/io/npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    nn::Tensor t;
    try {
        fuzz::MemoryFile file(data, size);
        t = tools::io::read_npy(file.path());
    } catch (const std::runtime_error&) {
        return 0;  // refused: what a malformed file should get
    }
    const std::string bytes = tools::io::encode_npy(t);
    fuzz::MemoryFile again(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    const nn::Tensor back = tools::io::read_npy(again.path());
    if (back.shape != t.shape || back.data.size() != t.data.size() ||
        (!t.data.empty() && std::memcmp(back.data.data(), t.data.data(), 4 * t.data.size()) != 0))
        std::abort();
    return 0;
}
