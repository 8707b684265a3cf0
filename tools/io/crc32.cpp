// CRC-32, one bit at a time: for each byte, XOR it into the low end, then
// eight times shift right and fold in the polynomial when the bit shifted out
// was 1. A 256-entry table would be faster; the files here are small and this
// reads like the definition.
#include "tools/io/crc32.hpp"

namespace tools::io {

std::uint32_t crc32(const void* data, std::size_t size, std::uint32_t crc) {
    const unsigned char* p = static_cast<const unsigned char*>(data);
    crc = ~crc;
    for (std::size_t i = 0; i < size; ++i) {
        crc ^= p[i];
        for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

}  // namespace tools::io
