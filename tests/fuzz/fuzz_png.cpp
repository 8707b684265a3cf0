// libFuzzer target: tools::io::decode_png (and inflate beneath it) on any
// bytes. A file is either decoded or refused with std::runtime_error;
// anything else (a crash, a sanitizer report, another exception, an
// allocation above the limit or a hang) is a finding. A decoded image must
// be consistent (sample count, samples within the white level), make a grey
// image in [0, 1], and, when it is 8-bit grey or RGB, survive a round trip
// through plaincnn's own PNG writer bit for bit.
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "tools/io/grey_image.hpp"
#include "tools/io/png.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    tools::io::PngPixels p;
    try {
        p = tools::io::decode_png(bytes, "fuzz.png");
    } catch (const std::runtime_error&) {
        return 0;  // refused: what a malformed file should get
    }
    if (p.width <= 0 || p.height <= 0 || p.channels < 1 || p.channels > 4 ||
        p.samples.size() != static_cast<std::size_t>(p.width) * p.height * p.channels)
        std::abort();
    for (std::uint16_t s : p.samples)
        if (s > p.max_value) std::abort();
    const tools::io::GreyImage grey = tools::io::grey_from_png(p);
    for (float v : grey.grey)
        if (!(v >= 0.0f && v <= 1.0f)) std::abort();
    if (p.max_value == 255 && (p.channels == 1 || p.channels == 3)) {
        tools::io::Image image;
        image.width = p.width;
        image.height = p.height;
        image.channels = p.channels;
        image.pixels.assign(p.samples.begin(), p.samples.end());
        const tools::io::PngPixels back = tools::io::decode_png(tools::io::encode_png(image), "round-trip.png");
        if (back.samples != p.samples) std::abort();
    }
    return 0;
}
