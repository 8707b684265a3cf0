// .npz: a zip archive of .npy files. The parts, every field little-endian:
//
//   per entry:  local file header (30 bytes + name + extra), then the .npy bytes
//   then:       one central directory record per entry (46 bytes + name + extra + comment)
//   last:       the end-of-central-directory record (22 bytes + comment)
//
// The reader starts where unzip does, at the end record, walks the central
// directory, and checks each entry's local header against its record before
// it touches the data. Every offset and size is checked against the file's
// real size first, so a lying field cannot make it read or allocate beyond
// what the file holds.
#include "tools/io/npz.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <stdexcept>
#include <utility>

#include "nn/errors.hpp"
#include "tools/io/atomic_file.hpp"
#include "tools/io/crc32.hpp"
#include "tools/io/npy.hpp"

namespace tools::io {

namespace {

const std::uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50;
const std::uint32_t kZip64LocatorSig = 0x07064b50;
const std::size_t kLocalSize = 30, kCentralSize = 46, kEndSize = 22;
const std::size_t kMaxFile = std::size_t{1} << 30;  // 1 GiB: far above any model plaincnn builds

void put_u16(std::string& out, std::uint32_t v) {
    out += static_cast<char>(v & 0xff);
    out += static_cast<char>((v >> 8) & 0xff);
}
void put_u32(std::string& out, std::uint32_t v) {
    put_u16(out, v & 0xffff);
    put_u16(out, v >> 16);
}

// Every complaint about the archive: which file, which byte, what.
[[noreturn]] void fail(const std::string& source, std::size_t at, const std::string& what) {
    throw std::runtime_error(source + ": byte " + std::to_string(at) + ": " + what);
}

std::uint64_t le(const std::string& bytes, std::size_t at, int n) {
    std::uint64_t v = 0;
    for (int k = n - 1; k >= 0; --k) v = (v << 8) | static_cast<unsigned char>(bytes[at + static_cast<std::size_t>(k)]);
    return v;
}

// One entry as the central directory describes it.
struct Entry {
    std::string name;         // "conv2d/kernel.npy"
    std::uint32_t crc = 0;
    std::uint64_t size = 0;   // stored, so compressed size = size
    std::uint64_t local = 0;  // offset of the local header
    std::size_t record = 0;   // offset of the central record, for messages
    std::size_t data = 0;     // offset of the .npy bytes (from the local header)
};

// The .npy inside one entry, as numpy.save writes it: format 1.0 or 2.0, and
// the dict {'descr': '<f4', 'fortran_order': False, 'shape': (5, 5, 1, 6), }
// with its keys in that order (numpy's own). Positions in messages are
// offsets in the whole archive. This reads the in-memory entry that
// tools/io/npy.cpp's file reader cannot be handed.
class EntryReader {
public:
    EntryReader(const std::string& bytes, const Entry& e, const std::string& source)
        : bytes_(bytes), pos_(e.data), end_(e.data + e.size), entry_(e), source_(source) {}

    nn::Tensor read() {
        const std::size_t start = pos_;
        if (end_ - pos_ < 10 || bytes_.compare(pos_, 6, "\x93NUMPY") != 0)
            fail(start, "not a .npy file (it must start with \\x93NUMPY)");
        const int major = static_cast<unsigned char>(bytes_[pos_ + 6]);
        const int minor = static_cast<unsigned char>(bytes_[pos_ + 7]);
        if ((major != 1 && major != 2) || minor != 0)
            fail(start + 6, "unknown .npy format version " + std::to_string(major) + "." + std::to_string(minor) +
                                " (expected 1.0 or 2.0)");
        const int length_bytes = major == 1 ? 2 : 4;
        if (end_ - pos_ < 8 + static_cast<std::size_t>(length_bytes)) fail(start + 8, "truncated .npy header length");
        const std::uint64_t header_len = le(bytes_, pos_ + 8, length_bytes);
        pos_ += 8 + static_cast<std::size_t>(length_bytes);
        if (header_len > end_ - pos_)
            fail(start + 8, "the .npy header length " + std::to_string(header_len) + " runs past the entry's end");
        header_end_ = pos_ + static_cast<std::size_t>(header_len);

        literal("{");
        key("descr");
        const std::size_t descr_at = pos_;
        std::string descr = quoted();
        if (descr != "<f4" && descr != "<f8")
            fail(descr_at, "dtype '" + descr + "' is not supported (expected '<f4' or '<f8')");
        literal(",");
        key("fortran_order");
        if (!literal_if("False")) fail(pos_, "fortran_order must be False (C order)");
        literal(",");
        key("shape");
        const std::size_t shape_at = pos_;
        nn::Shape shape = tuple();
        literal_if(",");
        literal("}");
        skip_space();
        if (pos_ != header_end_) fail(pos_, "unexpected text after the .npy header dict");

        const std::size_t item = descr == "<f4" ? 4 : 8;
        std::size_t count = 1;
        for (int d : shape) {
            if (d != 0 && count > SIZE_MAX / item / static_cast<std::size_t>(d))
                fail(shape_at, "the element count of shape " + nn::shape_str(shape) + " overflows");
            count *= static_cast<std::size_t>(d);
        }
        const std::size_t have = end_ - header_end_;
        if (count * item != have)
            fail(header_end_, "shape " + nn::shape_str(shape) + " of '" + descr + "' needs " +
                                  std::to_string(count * item) + " data bytes but the entry holds " +
                                  std::to_string(have));
        std::vector<float> values(count);
        const char* p = bytes_.data() + header_end_;
        for (std::size_t k = 0; k < count; ++k, p += item) {
            if (item == 4) {
                std::uint32_t bits = static_cast<std::uint32_t>(le(bytes_, static_cast<std::size_t>(p - bytes_.data()), 4));
                std::memcpy(&values[k], &bits, 4);
            } else {
                std::uint64_t bits = le(bytes_, static_cast<std::size_t>(p - bytes_.data()), 8);
                double v;
                std::memcpy(&v, &bits, 8);
                values[k] = static_cast<float>(v);
            }
        }
        try {
            return nn::Tensor(std::move(shape), std::move(values));
        } catch (const std::invalid_argument& e) {  // a shape nn::Tensor refuses, e.g. one too large to index
            fail(shape_at, e.what());
        }
    }

private:
    [[noreturn]] void fail(std::size_t at, const std::string& what) const {
        io::fail(source_, at, "entry '" + entry_.name + "': " + what);
    }
    void skip_space() {
        while (pos_ < header_end_ && (bytes_[pos_] == ' ' || bytes_[pos_] == '\n')) ++pos_;
    }
    bool literal_if(const std::string& text) {
        skip_space();
        if (header_end_ - pos_ < text.size() || bytes_.compare(pos_, text.size(), text) != 0) return false;
        pos_ += text.size();
        return true;
    }
    void literal(const std::string& text) {
        if (!literal_if(text)) fail(pos_, "expected '" + text + "' in the .npy header");
    }
    std::string quoted() {
        skip_space();
        if (pos_ == header_end_ || bytes_[pos_] != '\'') fail(pos_, "expected a quoted string in the .npy header");
        const std::size_t close = bytes_.find('\'', pos_ + 1);
        if (close == std::string::npos || close >= header_end_) fail(pos_, "unterminated string in the .npy header");
        std::string s = bytes_.substr(pos_ + 1, close - pos_ - 1);
        pos_ = close + 1;
        return s;
    }
    void key(const std::string& name) {
        const std::size_t at = pos_;
        if (quoted() != name) fail(at, "expected the key '" + name + "' (numpy's header order: descr, fortran_order, shape)");
        literal(":");
    }
    nn::Shape tuple() {
        literal("(");
        nn::Shape shape;
        while (!literal_if(")")) {
            skip_space();
            const std::size_t at = pos_;
            long long v = 0;
            while (pos_ < header_end_ && bytes_[pos_] >= '0' && bytes_[pos_] <= '9') {
                v = v * 10 + (bytes_[pos_++] - '0');
                if (v > INT_MAX) fail(at, "a dimension in 'shape' is larger than " + std::to_string(INT_MAX));
            }
            if (pos_ == at) fail(at, "expected a dimension in 'shape'");
            if (shape.size() == 32) fail(at, "'shape' has more than 32 dimensions");
            shape.push_back(static_cast<int>(v));
            if (!literal_if(",")) {
                literal(")");
                break;
            }
        }
        return shape;
    }

    const std::string& bytes_;
    std::size_t pos_, end_, header_end_ = 0;
    const Entry& entry_;
    const std::string& source_;
};

// Finds the end-of-central-directory record: the last 22 bytes, or further
// back when the archive has a comment (at most 65,535 bytes).
std::size_t find_end_record(const std::string& bytes, const std::string& source) {
    if (bytes.size() < kEndSize)
        fail(source, bytes.size(), "truncated: " + std::to_string(bytes.size()) +
                                       " bytes cannot hold a zip archive (at least 22); not an .npz file");
    const std::size_t lowest = bytes.size() > kEndSize + 0xffff ? bytes.size() - kEndSize - 0xffff : 0;
    for (std::size_t at = bytes.size() - kEndSize;; --at) {
        if (le(bytes, at, 4) == kEndSig && at + kEndSize + le(bytes, at + 20, 2) == bytes.size()) return at;
        if (at == lowest) break;
    }
    fail(source, bytes.size() - kEndSize, "no end-of-central-directory record: not a zip (.npz) file, or truncated");
}

}  // namespace

std::string encode_npz(const std::vector<NamedTensor>& arrays) {
    nn::require(arrays.size() < 0xffff, "encode_npz", "a plain zip holds fewer than 65535 entries");
    std::set<std::string> seen;
    for (const NamedTensor& a : arrays) {
        nn::require(!a.name.empty() && a.name.size() <= 65531, "encode_npz",  // + ".npy" fits zip's 16-bit length
                    "an entry name must have 1 to 65531 bytes, got " + std::to_string(a.name.size()));
        nn::require(seen.insert(a.name).second, "encode_npz", "the name '" + a.name + "' appears twice");
    }
    const std::uint32_t dos_date = 0x0021;  // 1980-01-01, the earliest date zip can say; time 00:00
    std::string out, directory;
    for (const NamedTensor& a : arrays) {
        const std::string name = a.name + ".npy";
        const std::string data = encode_npy(a.value);
        const std::uint32_t crc = crc32(data.data(), data.size());
        nn::require(out.size() + kLocalSize + name.size() + data.size() < 0xffffffffu, "encode_npz",
                    "the archive would exceed 4 GiB");
        const std::uint32_t offset = static_cast<std::uint32_t>(out.size());
        const std::uint32_t n = static_cast<std::uint32_t>(data.size());
        // local file header: stored (method 0), no flags, no extra field
        put_u32(out, kLocalSig);
        put_u16(out, 20);  // version needed: 2.0
        put_u16(out, 0);   // flags
        put_u16(out, 0);   // method: stored
        put_u16(out, 0);   // time
        put_u16(out, dos_date);
        put_u32(out, crc);
        put_u32(out, n);   // compressed size = size, since stored
        put_u32(out, n);
        put_u16(out, static_cast<std::uint32_t>(name.size()));
        put_u16(out, 0);   // extra field length
        out += name;
        out += data;
        // the matching central directory record
        put_u32(directory, kCentralSig);
        put_u16(directory, 20);  // made by: 2.0
        put_u16(directory, 20);  // needed: 2.0
        put_u16(directory, 0);   // flags
        put_u16(directory, 0);   // method
        put_u16(directory, 0);   // time
        put_u16(directory, dos_date);
        put_u32(directory, crc);
        put_u32(directory, n);
        put_u32(directory, n);
        put_u16(directory, static_cast<std::uint32_t>(name.size()));
        put_u16(directory, 0);   // extra
        put_u16(directory, 0);   // comment
        put_u16(directory, 0);   // disk
        put_u16(directory, 0);   // internal attributes
        put_u32(directory, 0);   // external attributes
        put_u32(directory, offset);
        directory += name;
    }
    nn::require(out.size() + directory.size() < 0xffffffffu, "encode_npz", "the archive would exceed 4 GiB");
    const std::uint32_t directory_offset = static_cast<std::uint32_t>(out.size());
    out += directory;
    put_u32(out, kEndSig);
    put_u16(out, 0);  // this disk
    put_u16(out, 0);  // disk with the directory
    put_u16(out, static_cast<std::uint32_t>(arrays.size()));
    put_u16(out, static_cast<std::uint32_t>(arrays.size()));
    put_u32(out, static_cast<std::uint32_t>(directory.size()));
    put_u32(out, directory_offset);
    put_u16(out, 0);  // comment length
    return out;
}

void write_npz(const std::string& path, const std::vector<NamedTensor>& arrays) {
    write_file_atomic(path, encode_npz(arrays));
}

std::vector<NamedTensor> decode_npz(const std::string& bytes, const std::string& source) {
    // 1. The end record: one disk, the entry count twice, where the directory is.
    const std::size_t end = find_end_record(bytes, source);
    if (end >= 20 && le(bytes, end - 20, 4) == kZip64LocatorSig)
        fail(source, end - 20, "a zip64 archive (over 4 GiB or 65,535 entries) is not supported");
    if (le(bytes, end + 4, 2) != 0 || le(bytes, end + 6, 2) != 0)
        fail(source, end + 4, "a multi-disk zip archive is not supported");
    const std::uint64_t count = le(bytes, end + 10, 2);
    if (le(bytes, end + 8, 2) != count) fail(source, end + 8, "the two entry counts of the end record differ");
    const std::uint64_t dir_size = le(bytes, end + 12, 4), dir_at = le(bytes, end + 16, 4);
    if (count == 0xffff || dir_size == 0xffffffffu || dir_at == 0xffffffffu)
        fail(source, end + 10, "a zip64 archive (over 4 GiB or 65,535 entries) is not supported");
    if (dir_at + dir_size != end)
        fail(source, end + 12, "the central directory (" + std::to_string(dir_size) + " bytes at byte " +
                                   std::to_string(dir_at) + ") does not end where the end record starts (byte " +
                                   std::to_string(end) + ")");

    // 2. The central directory: one record per entry, stored only.
    std::vector<Entry> entries;
    std::set<std::string> names;
    std::size_t at = static_cast<std::size_t>(dir_at);
    for (std::uint64_t k = 0; k < count; ++k) {
        if (end - at < kCentralSize)
            fail(source, at, "the central directory ends inside record " + std::to_string(k) + " of " +
                                 std::to_string(count));
        if (le(bytes, at, 4) != kCentralSig) fail(source, at, "bad central directory record signature");
        const std::uint64_t flags = le(bytes, at + 8, 2), method = le(bytes, at + 10, 2);
        const std::uint64_t csize = le(bytes, at + 20, 4), usize = le(bytes, at + 24, 4);
        const std::size_t name_len = le(bytes, at + 28, 2), extra_len = le(bytes, at + 30, 2),
                          comment_len = le(bytes, at + 32, 2);
        if (end - at - kCentralSize < name_len + extra_len + comment_len)
            fail(source, at + 28, "the central directory record's name, extra field and comment run past the directory");
        Entry e;
        e.record = at;
        e.name = bytes.substr(at + kCentralSize, name_len);
        if (flags & 1) fail(source, at + 8, "entry '" + e.name + "' is encrypted");
        if (method != 0)
            fail(source, at + 10, "entry '" + e.name + "' is compressed (method " + std::to_string(method) +
                                      "); only stored entries are read, as numpy.savez writes them "
                                      "(not numpy.savez_compressed)");
        if (csize == 0xffffffffu || usize == 0xffffffffu || le(bytes, at + 42, 4) == 0xffffffffu)
            fail(source, at + 20, "entry '" + e.name + "' uses zip64 sizes, which are not supported");
        if (csize != usize)
            fail(source, at + 20, "entry '" + e.name + "' is stored but its compressed size " + std::to_string(csize) +
                                      " differs from its size " + std::to_string(usize));
        if (name_len < 5 || e.name.compare(name_len - 4, 4, ".npy") != 0)
            fail(source, at + kCentralSize, "entry '" + e.name + "' is not named <name>.npy");
        if (!names.insert(e.name).second) fail(source, at + kCentralSize, "entry '" + e.name + "' appears twice");
        e.crc = static_cast<std::uint32_t>(le(bytes, at + 16, 4));
        e.size = usize;
        e.local = le(bytes, at + 42, 4);
        entries.push_back(std::move(e));
        at += kCentralSize + name_len + extra_len + comment_len;
    }
    if (at != end)
        fail(source, at, std::to_string(end - at) + " bytes left over in the central directory after its " +
                             std::to_string(count) + " records");

    // 3. Each local header and its data, all before the directory, in the
    //    directory's order of offsets without gaps or overlaps.
    std::vector<std::size_t> by_offset(entries.size());
    for (std::size_t k = 0; k < by_offset.size(); ++k) by_offset[k] = k;
    std::sort(by_offset.begin(), by_offset.end(),
              [&](std::size_t a, std::size_t b) { return entries[a].local < entries[b].local; });
    std::uint64_t next_free = 0;  // the first byte no earlier entry covers
    for (std::size_t k : by_offset) {
        Entry& e = entries[k];
        const std::size_t local = static_cast<std::size_t>(e.local);
        if (e.local > dir_at || dir_at - e.local < kLocalSize)
            fail(source, e.record + 42, "entry '" + e.name + "''s local header at byte " + std::to_string(e.local) +
                                            " runs into the central directory at byte " + std::to_string(dir_at));
        if (e.local < next_free)
            fail(source, e.record + 42, "entry '" + e.name + "' starts at byte " + std::to_string(e.local) +
                                            ", inside the entry before it (overlapping entries)");
        if (e.local > next_free)
            fail(source, static_cast<std::size_t>(next_free), std::to_string(e.local - next_free) +
                                          " unexplained bytes before entry '" + e.name + "'");
        if (le(bytes, local, 4) != kLocalSig)
            fail(source, local, "bad local header signature for entry '" + e.name + "'");
        // Flags: only bit 11 (UTF-8 names) is accepted. Bit 3 would put the
        // sizes after the data; numpy.savez writing to a file never sets it.
        if ((le(bytes, local + 6, 2) & ~std::uint64_t{0x800}) != 0)
            fail(source, local + 6, "entry '" + e.name + "': unsupported local header flags " +
                                        std::to_string(le(bytes, local + 6, 2)) + " (encryption or a data descriptor)");
        if (le(bytes, local + 8, 2) != 0)
            fail(source, local + 8, "entry '" + e.name + "' is compressed in its local header");
        const std::size_t name_len = le(bytes, local + 26, 2), extra_len = le(bytes, local + 28, 2);
        if (dir_at - e.local - kLocalSize < name_len + extra_len)
            fail(source, local + 26, "entry '" + e.name + "''s local name and extra field run into the central directory");
        if (bytes.compare(local + kLocalSize, name_len, e.name) != 0 || name_len != e.name.size())
            fail(source, local + kLocalSize, "the local header's name differs from the directory's '" + e.name + "'");
        e.data = local + kLocalSize + name_len + extra_len;
        if (dir_at - e.data < e.size)
            fail(source, e.data, "entry '" + e.name + "' (" + std::to_string(e.size) + " bytes from byte " +
                                     std::to_string(e.data) + ") runs into the central directory at byte " +
                                     std::to_string(dir_at));
        next_free = e.data + e.size;
        const std::uint32_t crc = crc32(bytes.data() + e.data, e.size);
        if (crc != e.crc)
            fail(source, e.data, "entry '" + e.name + "' fails its CRC-32 check: the file is corrupted");
    }
    if (next_free != dir_at)
        fail(source, static_cast<std::size_t>(next_free), std::to_string(dir_at - next_free) +
                                                              " unexplained bytes before the central directory");

    // 4. The arrays, in directory order.
    std::vector<NamedTensor> arrays;
    for (const Entry& e : entries) {
        EntryReader reader(bytes, e, source);
        arrays.push_back({e.name.substr(0, e.name.size() - 4), reader.read()});
    }
    return arrays;
}

std::vector<NamedTensor> read_npz(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw std::runtime_error(path + ": is a folder, not an .npz file");
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error(path + ": cannot open the file (" + std::strerror(errno) + ")");
    std::string bytes;
    char chunk[1 << 16];
    while (f.read(chunk, sizeof chunk) || f.gcount() > 0) {
        bytes.append(chunk, static_cast<std::size_t>(f.gcount()));
        if (bytes.size() > kMaxFile)
            throw std::runtime_error(path + ": larger than 1 GiB; not a weights file plaincnn wrote");
    }
    if (f.bad()) throw std::runtime_error(path + ": reading the file failed");
    return decode_npz(bytes, path);
}

}  // namespace tools::io
