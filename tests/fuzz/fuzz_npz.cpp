// libFuzzer harness for the .npz reader (tools/io/npz.cpp): any bytes must
// give either arrays or a std::runtime_error, never a crash, a hang or a
// huge allocation. What it accepts must survive a round trip through the
// writer: the same names, shapes and bits.
// Seeds (tests/fixtures/fuzz/npz/): the two numpy files of tests/fixtures/npz/
// (savez and savez_compressed), and three written by tools::io::write_npz: two
// small named arrays, an archive with no entry, a rank-0 and a zero-size array.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "tools/io/npz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    std::vector<tools::io::NamedTensor> arrays;
    try {
        arrays = tools::io::decode_npz(bytes, "fuzz.npz");
    } catch (const std::runtime_error&) {
        return 0;  // refused with a message: fine
    }
    const std::vector<tools::io::NamedTensor> again = tools::io::decode_npz(tools::io::encode_npz(arrays), "again");
    if (again.size() != arrays.size()) std::abort();
    for (std::size_t k = 0; k < arrays.size(); ++k) {
        const nn::Tensor &a = arrays[k].value, &b = again[k].value;
        if (again[k].name != arrays[k].name || a.shape != b.shape || a.data.size() != b.data.size()) std::abort();
        if (!a.data.empty() && std::memcmp(a.data.data(), b.data.data(), a.data.size() * sizeof(float)) != 0)
            std::abort();
    }
    return 0;
}
