// The weights file, encoded and decoded:
//
//   "PCNNWTS\n" | u32 version | u64 size | u32 N | N x (name, shape, f32 values) | u32 CRC-32
// Integers are written byte by byte, least significant first; float blocks
// are copied whole, which is little-endian only on a little-endian host (checked).
#include "tools/io/weights.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <stdexcept>

#include "nn/errors.hpp"
#include "tools/io/atomic_file.hpp"
#include "tools/io/crc32.hpp"

namespace tools::io {

namespace {

const char kMagic[] = "PCNNWTS\n";  // 8 bytes without the terminating zero
const std::size_t kMagicSize = 8;
const std::uint32_t kVersion = 1;
const std::size_t kHeaderSize = 24;   // magic, version, size, count
const std::size_t kTrailerSize = 4;   // CRC-32
const int kMaxRank = 8;

// The float blocks are copied as they sit in memory; the format is little-endian.
void require_little_endian_host(const std::string& what) {
    const std::uint32_t one = 1;
    unsigned char first = 0;
    std::memcpy(&first, &one, 1);
    if (first != 1) throw std::runtime_error(what + ": writing and reading weights needs a little-endian machine");
}

void put_u16(std::string& out, std::uint32_t v) {
    out += static_cast<char>(v & 0xFF);
    out += static_cast<char>((v >> 8) & 0xFF);
}
void put_u32(std::string& out, std::uint32_t v) {
    put_u16(out, v & 0xFFFF);
    put_u16(out, v >> 16);
}
void put_u64(std::string& out, std::uint64_t v) {
    put_u32(out, static_cast<std::uint32_t>(v & 0xFFFFFFFFu));
    put_u32(out, static_cast<std::uint32_t>(v >> 32));
}
void put_floats(std::string& out, const nn::Tensor& t) {
    out.append(reinterpret_cast<const char*>(t.data.data()), t.size() * sizeof(float));
}

std::uint64_t get_le(const std::string& bytes, std::size_t at, int n) {
    std::uint64_t v = 0;
    for (int k = n - 1; k >= 0; --k) v = (v << 8) | static_cast<unsigned char>(bytes[at + static_cast<std::size_t>(k)]);
    return v;
}

std::string hex32(std::uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", static_cast<unsigned>(v));
    return buf;
}

// Reads a weights file's body with bounds checks; every failure names the offset.
class Reader {
public:
    Reader(const std::string& bytes, std::size_t pos, std::size_t end, const std::string& source)
        : bytes_(bytes), pos_(pos), end_(end), source_(source) {}

    [[noreturn]] void fail(std::size_t at, const std::string& why) const {
        throw std::runtime_error(source_ + ": byte " + std::to_string(at) + ": " + why);
    }
    void need(std::size_t n, const std::string& what) const {
        if (n > end_ - pos_)
            fail(pos_, what + " needs " + std::to_string(n) + " bytes but only " + std::to_string(end_ - pos_) +
                           " remain before the checksum");
    }
    std::uint32_t u32(const std::string& what) {
        need(4, what);
        std::uint32_t v = static_cast<std::uint32_t>(get_le(bytes_, pos_, 4));
        pos_ += 4;
        return v;
    }
    std::string text(std::size_t n, const std::string& what) {
        need(n, what);
        std::string s = bytes_.substr(pos_, n);
        pos_ += n;
        return s;
    }
    void floats(nn::Tensor& t, const std::string& what) {
        need(t.size() * sizeof(float), what);
        std::memcpy(t.data.data(), bytes_.data() + pos_, t.size() * sizeof(float));
        pos_ += t.size() * sizeof(float);
    }
    std::size_t pos() const { return pos_; }

private:
    const std::string& bytes_;
    std::size_t pos_, end_;
    const std::string& source_;
};

}  // namespace

std::string encode_weights(const std::vector<NamedTensor>& tensors) {
    require_little_endian_host("encode_weights");
    nn::require(tensors.size() <= std::numeric_limits<std::uint32_t>::max(), "encode_weights", "too many tensors");
    std::string out(kMagic, kMagicSize);
    put_u32(out, kVersion);
    put_u64(out, 0);  // the size, filled in below
    put_u32(out, static_cast<std::uint32_t>(tensors.size()));
    for (const NamedTensor& t : tensors) {
        nn::require(t.name.size() <= 0xFFFF, "encode_weights", "name of " + std::to_string(t.name.size()) + " bytes is too long");
        nn::require(t.value.rank() <= kMaxRank, "encode_weights",
                    "'" + t.name + "' has rank " + std::to_string(t.value.rank()) + ", at most 8 is supported");
        put_u32(out, static_cast<std::uint32_t>(t.name.size()));
        out += t.name;
        put_u32(out, static_cast<std::uint32_t>(t.value.rank()));
        for (int d : t.value.shape) put_u32(out, static_cast<std::uint32_t>(d));
        put_floats(out, t.value);
    }
    std::string size;
    put_u64(size, out.size() + kTrailerSize);
    out.replace(12, 8, size);
    put_u32(out, crc32(out.data(), out.size()));
    return out;
}

std::vector<NamedTensor> decode_weights(const std::string& bytes, const std::string& source) {
    require_little_endian_host(source);
    const std::size_t size = bytes.size();
    Reader header(bytes, 0, size, source);
    if (size < kHeaderSize + kTrailerSize)
        header.fail(size, "truncated: the file has " + std::to_string(size) + " bytes, a weights file at least " +
                              std::to_string(kHeaderSize + kTrailerSize));
    if (bytes.compare(0, kMagicSize, kMagic, kMagicSize) != 0)
        header.fail(0, "not a plaincnn weights file (wrong magic)");
    const std::uint64_t version = get_le(bytes, 8, 4);
    if (version != kVersion)
        header.fail(8, "version " + std::to_string(version) + " is not supported (this build reads version 1)");
    const std::uint64_t declared = get_le(bytes, 12, 8);
    if (declared > size)
        header.fail(size, "truncated: the header says " + std::to_string(declared) + " bytes but the file has " +
                              std::to_string(size));
    if (declared < size)
        header.fail(declared, "the header says " + std::to_string(declared) + " bytes but the file has " +
                                  std::to_string(size) + " (trailing bytes)");
    const std::size_t body_end = size - kTrailerSize;
    const std::uint32_t stored = static_cast<std::uint32_t>(get_le(bytes, body_end, 4));
    const std::uint32_t computed = crc32(bytes.data(), body_end);
    if (stored != computed)
        header.fail(body_end, "checksum mismatch (stored " + hex32(stored) + ", computed " + hex32(computed) +
                                  "): the file is corrupted");

    Reader r(bytes, 20, body_end, source);
    const std::uint32_t n = r.u32("the tensor count");
    std::vector<NamedTensor> tensors;
    for (std::uint32_t k = 0; k < n; ++k) {
        const std::string entry = "tensor " + std::to_string(k);
        const std::size_t start = r.pos();
        NamedTensor t;
        t.name = r.text(r.u32(entry + "'s name length"), entry + "'s name");
        const std::uint32_t rank = r.u32(entry + "'s rank");
        if (rank > static_cast<std::uint32_t>(kMaxRank))
            r.fail(start, entry + " '" + t.name + "' has rank " + std::to_string(rank) + ", at most 8 is supported");
        nn::Shape shape;
        const std::size_t room = (body_end - r.pos()) / sizeof(float);  // floats that could still follow
        std::size_t count = 1;
        bool fits = true;
        for (std::uint32_t a = 0; a < rank; ++a) {
            const std::uint32_t d = r.u32(entry + "'s extents");
            fits = fits && d <= static_cast<std::uint32_t>(std::numeric_limits<int>::max()) && (d == 0 || count <= room / d);
            if (fits) count *= d;
            shape.push_back(static_cast<int>(std::min<std::uint32_t>(d, std::numeric_limits<int>::max())));
        }
        if (!fits || count > (body_end - r.pos()) / sizeof(float))
            r.fail(r.pos(), entry + " '" + t.name + "' " + nn::shape_str(shape) + " runs past the end of the data");
        t.value = nn::Tensor(shape);
        r.floats(t.value, entry + "'s values");
        tensors.push_back(std::move(t));
    }
    if (r.pos() != body_end)
        r.fail(r.pos(), std::to_string(body_end - r.pos()) + " bytes left over after the last tensor");
    return tensors;
}

void write_weights_file(const std::string& path, const std::vector<NamedTensor>& tensors) {
    write_file_atomic(path, encode_weights(tensors));
}

std::vector<NamedTensor> read_weights_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error(path + ": cannot open the weights file");
    std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (f.bad()) throw std::runtime_error(path + ": reading the weights file failed");
    return decode_weights(bytes, path);
}

}  // namespace tools::io
