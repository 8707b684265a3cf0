// libFuzzer target: tools::io::decode_pgm on any bytes. A file is either
// decoded or refused with std::runtime_error; anything else is a finding. A
// decoded image must hold width * height levels, each in [0, 1].
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "tools/io/grey_image.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    tools::io::GreyImage image;
    try {
        image = tools::io::decode_pgm(bytes, "fuzz.pgm");
    } catch (const std::runtime_error&) {
        return 0;
    }
    if (image.width <= 0 || image.height <= 0 ||
        image.grey.size() != static_cast<std::size_t>(image.width) * image.height)
        std::abort();
    for (float v : image.grey)
        if (!(v >= 0.0f && v <= 1.0f)) std::abort();
    return 0;
}
