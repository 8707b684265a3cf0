// CRC-32, the checksum PNG chunks and zip entries (the .npz weights file)
// carry: one definition for both.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tools::io {

/// CRC-32 as zip, gzip and PNG use it (ISO 3309: reflected polynomial
/// 0xEDB88320, initial and final XOR 0xFFFFFFFF); crc32("123456789", 9) = 0xCBF43926.
/// @param data  the bytes
/// @param size  how many
/// @param crc   the CRC of the bytes before these, to continue a running CRC (0 to start)
/// @return the CRC of everything so far
std::uint32_t crc32(const void* data, std::size_t size, std::uint32_t crc = 0);

}  // namespace tools::io
