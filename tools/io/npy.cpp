// NumPy .npy files. The layout, byte by byte:
//
//   0  "\x93NUMPY"                      magic string, 6 bytes
//   6  major, minor                     format version: 1.0, 2.0 or 3.0
//   8  header length                    little-endian, 2 bytes (1.0) or 4 (2.0, 3.0)
//  10  header (12 in 2.0/3.0)           a Python dict literal, e.g.
//        {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
//      padded with spaces and ending in '\n'
//  10 + header length                   the values, C order (last index fastest)
//
// 3.0 differs from 2.0 only in allowing UTF-8 in the header, which the parser
// below meets only inside strings. The reader takes the file in order: the
// fixed prefix, then exactly the header length it announces (at most
// kMaxHeader), then exactly the data bytes the shape needs, and then checks
// that nothing follows. So a stream such as /dev/zero is refused after its
// first 8 bytes, and for a regular file every number in the header is checked
// against the file's size before anything is allocated from it.
#include "tools/io/npy.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

#include "nn/errors.hpp"
#include "tools/io/atomic_file.hpp"

#include <sys/stat.h>

namespace tools::io {

namespace {

const char kMagic[] = "\x93NUMPY";
const std::size_t kMagicSize = 6;

// The longest header accepted. NumPy writes a few hundred bytes (and by
// default refuses to read more than 10,000); the cap keeps a lying length
// field from making the reader take gigabytes from a stream.
const std::uint64_t kMaxHeader = 1 << 20;

// An open file that closes itself.
struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

std::string errno_text(int err) { return err ? std::strerror(err) : "unknown error"; }

// Opens @p path for reading and sets @p size to its size if it is a regular
// file, or to -1 for a stream (a pipe, a device). A folder is refused by name:
// Linux lets fopen open one and fails only at the first read.
File open_input(const std::string& path, long long& size) {
    errno = 0;
    File f(std::fopen(path.c_str(), "rb"));
    if (!f) {
        int err = errno;
        throw std::runtime_error("read_npy: '" + path + "': cannot open (" + errno_text(err) + ")");
    }
    struct stat st;
    if (fstat(fileno(f.get()), &st) != 0) {
        int err = errno;
        throw std::runtime_error("read_npy: '" + path + "': cannot stat (" + errno_text(err) + ")");
    }
    if (S_ISDIR(st.st_mode)) throw std::runtime_error("read_npy: '" + path + "': is a directory, not a .npy file");
    size = S_ISREG(st.st_mode) ? static_cast<long long>(st.st_size) : -1;
    return f;
}

// Appends up to @p n more bytes of @p f to @p bytes, fewer only at the end of
// the file. In chunks, so @p bytes grows only with what really arrives.
void read_up_to(std::FILE* f, const std::string& path, std::uint64_t n, std::string& bytes) {
    char chunk[1 << 16];
    while (n > 0) {
        const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(n, sizeof chunk));
        errno = 0;
        const std::size_t got = std::fread(chunk, 1, want, f);
        bytes.append(chunk, got);
        n -= got;
        if (got < want) break;
    }
    if (std::ferror(f)) {
        int err = errno;
        throw std::runtime_error("read_npy: '" + path + "', byte " + std::to_string(bytes.size()) +
                                 ": read error (" + errno_text(err) + ")");
    }
}

// Every complaint about the file's contents: which file, which byte, what.
[[noreturn]] void fail(const std::string& path, std::size_t at, const std::string& what) {
    throw std::runtime_error("read_npy: '" + path + "', byte " + std::to_string(at) + ": " + what);
}

// Little-endian unsigned integer of @p n bytes starting at @p p.
std::uint64_t little_endian(const char* p, int n) {
    std::uint64_t v = 0;
    for (int k = n - 1; k >= 0; --k) v = (v << 8) | static_cast<unsigned char>(p[k]);
    return v;
}

// What the header says.
struct Header {
    std::string descr;
    bool fortran_order = false;
    nn::Shape shape;
    std::size_t descr_at = 0, fortran_at = 0, shape_at = 0;  // file offsets of the values, for messages
};

// A recursive-descent parser for the one dict literal a .npy header holds.
// Positions are offsets into the whole file, so every message can point at
// the exact byte.
class HeaderParser {
public:
    HeaderParser(const std::string& path, const std::string& file, std::size_t begin, std::size_t end)
        : path_(path), file_(file), pos_(begin), begin_(begin), end_(end) {}

    Header parse() {
        Header h;
        bool seen_descr = false, seen_fortran = false, seen_shape = false;
        skip_space();
        expect('{', "the header is not a dict: expected '{'");
        for (;;) {
            skip_space();
            if (peek() == '}') break;
            std::size_t key_at = pos_;
            std::string key = quoted("expected a quoted key or '}'");
            skip_space();
            expect(':', "expected ':' after the key '" + nn::excerpt(key) + "'");
            skip_space();
            if (key == "descr") {
                check_once(seen_descr, key, key_at);
                h.descr_at = pos_;
                h.descr = quoted("'descr' must be a quoted dtype string such as '<f4'");
            } else if (key == "fortran_order") {
                check_once(seen_fortran, key, key_at);
                h.fortran_at = pos_;
                h.fortran_order = boolean();
            } else if (key == "shape") {
                check_once(seen_shape, key, key_at);
                h.shape_at = pos_;
                h.shape = tuple();
            } else {
                fail(key_at, "unknown key '" + nn::excerpt(key) + "' (a .npy header has only 'descr', 'fortran_order' and 'shape')");
            }
            skip_space();
            if (peek() == ',') {
                ++pos_;
                continue;
            }
            if (peek() != '}') fail(pos_, "expected ',' or '}' after the value of '" + nn::excerpt(key) + "'");
        }
        ++pos_;  // the '}'
        skip_space();
        if (pos_ != end_) fail(pos_, "unexpected text after the header dict");
        if (!seen_descr) fail(begin_, "the header has no 'descr' key");
        if (!seen_fortran) fail(begin_, "the header has no 'fortran_order' key");
        if (!seen_shape) fail(begin_, "the header has no 'shape' key");
        return h;
    }

private:
    [[noreturn]] void fail(std::size_t at, const std::string& what) const { io::fail(path_, at, what); }

    // The next character, or '\0' at the end of the header.
    char peek() const { return pos_ < end_ ? file_[pos_] : '\0'; }

    void skip_space() {
        while (pos_ < end_ && (file_[pos_] == ' ' || file_[pos_] == '\t' || file_[pos_] == '\n' || file_[pos_] == '\r'))
            ++pos_;
    }

    void expect(char c, const std::string& what) {
        if (peek() != c) fail(pos_, what);
        ++pos_;
    }

    void check_once(bool& seen, const std::string& key, std::size_t at) {
        if (seen) fail(at, "the key '" + nn::excerpt(key) + "' appears twice");
        seen = true;
    }

    // 'text' or "text"; Python escapes never occur in the three keys or in a
    // float dtype, so a backslash is refused rather than interpreted.
    std::string quoted(const std::string& what) {
        char q = peek();
        if (q != '\'' && q != '"') fail(pos_, what);
        std::size_t start = ++pos_;
        while (pos_ < end_ && file_[pos_] != q) {
            if (file_[pos_] == '\\') fail(pos_, "escape sequences in header strings are not supported");
            ++pos_;
        }
        if (pos_ == end_) fail(start - 1, "unterminated string in the header");
        return file_.substr(start, pos_++ - start);
    }

    bool boolean() {
        if (pos_ + 4 <= end_ && file_.compare(pos_, 4, "True") == 0) {
            pos_ += 4;
            return true;
        }
        if (pos_ + 5 <= end_ && file_.compare(pos_, 5, "False") == 0) {
            pos_ += 5;
            return false;
        }
        fail(pos_, "'fortran_order' must be True or False");
    }

    // (), (3,), (2, 3) — and (3) too, which Python reads as a plain int.
    nn::Shape tuple() {
        expect('(', "'shape' must be a tuple such as (2, 3)");
        nn::Shape shape;
        for (;;) {
            skip_space();
            if (peek() == ')') break;
            shape.push_back(dimension());
            skip_space();
            if (peek() == ',') {
                ++pos_;
                continue;
            }
            if (peek() != ')') fail(pos_, "expected ',' or ')' in 'shape'");
        }
        ++pos_;  // the ')'
        return shape;
    }

    // One extent: a non-negative decimal integer that fits in an int. Python 2
    // wrote long integers with a trailing 'L' (e.g. 3L); that is accepted.
    int dimension() {
        std::size_t start = pos_;
        while (pos_ < end_ && std::strchr(",) \t\r\n", file_[pos_]) == nullptr) ++pos_;
        std::string token = file_.substr(start, pos_ - start);
        if (token.empty()) fail(start, "expected a dimension in 'shape'");
        std::string digits = token.back() == 'L' ? token.substr(0, token.size() - 1) : token;
        bool negative = !digits.empty() && digits[0] == '-';
        if (negative) digits.erase(0, 1);
        bool integer = !digits.empty() && digits.find_first_not_of("0123456789") == std::string::npos;
        if (!integer) fail(start, "dimension '" + nn::excerpt(token) + "' in 'shape' is not an integer");
        if (negative) fail(start, "negative dimension " + nn::excerpt(token) + " in 'shape'");
        long long v = 0;
        for (char c : digits) {
            v = v * 10 + (c - '0');
            if (v > INT_MAX) fail(start, "dimension " + nn::excerpt(token) + " in 'shape' is too large (at most " +
                                             std::to_string(INT_MAX) + ")");
        }
        return static_cast<int>(v);
    }

    const std::string& path_;
    const std::string& file_;
    std::size_t pos_, begin_, end_;
};

// The '<f4' header dict for @p shape, padded so the data starts at a multiple of 64.
std::string header_for(const nn::Shape& shape) {
    std::string tuple = "(";
    for (std::size_t k = 0; k < shape.size(); ++k) tuple += (k ? ", " : "") + std::to_string(shape[k]);
    tuple += shape.size() == 1 ? ",)" : ")";  // Python's spelling of a 1-tuple
    std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + tuple + ", }";
    std::size_t unpadded = kMagicSize + 2 + 2 + dict.size() + 1;  // + 1 for the '\n'
    dict.append((unpadded + 63) / 64 * 64 - unpadded, ' ');
    dict += '\n';
    return dict;
}

}  // namespace

nn::Tensor read_npy(const std::string& path) {
    long long size = -1;
    File f = open_input(path, size);
    std::string file;  // the prefix and the header as read; offsets in messages count from its start

    // Magic string and version.
    read_up_to(f.get(), path, kMagicSize + 2, file);
    if (file.empty()) fail(path, 0, "the file is empty");
    if (file.compare(0, std::min(file.size(), kMagicSize), kMagic, std::min(file.size(), kMagicSize)) != 0)
        fail(path, 0, "bad magic string: not a .npy file (it must start with \\x93NUMPY)");
    if (file.size() < kMagicSize + 2)
        fail(path, file.size(), "truncated header: the file ends before the format version");
    int major = static_cast<unsigned char>(file[6]), minor = static_cast<unsigned char>(file[7]);
    if (major < 1 || major > 3 || minor != 0)
        fail(path, 6, "unknown format version " + std::to_string(major) + "." + std::to_string(minor) +
                       " (expected 1.0, 2.0 or 3.0)");

    // Header length, checked against what the file really holds.
    const int length_bytes = major == 1 ? 2 : 4;
    const std::size_t header_at = kMagicSize + 2 + length_bytes;
    read_up_to(f.get(), path, length_bytes, file);
    if (file.size() < header_at)
        fail(path, file.size(), "truncated header: the file ends inside the header length field");
    const std::uint64_t header_len = little_endian(file.data() + 8, length_bytes);
    auto truncated_header = [&](std::uint64_t follow) {
        fail(path, 8, "truncated header: the header length is " + std::to_string(header_len) + " bytes but only " +
                          std::to_string(follow) + " follow");
    };
    if (size >= 0 && header_len > static_cast<std::uint64_t>(size) - header_at)
        truncated_header(static_cast<std::uint64_t>(size) - header_at);
    if (header_len > kMaxHeader)
        fail(path, 8, "the header length " + std::to_string(header_len) + " is larger than the " +
                          std::to_string(kMaxHeader) + " bytes accepted (NumPy writes a few hundred)");
    read_up_to(f.get(), path, header_len, file);
    if (file.size() < header_at + header_len) truncated_header(file.size() - header_at);
    const std::size_t data_at = header_at + static_cast<std::size_t>(header_len);

    HeaderParser parser(path, file, header_at, data_at);
    Header h = parser.parse();
    if (h.descr != "<f4" && h.descr != "<f8")
        fail(path, h.descr_at, "dtype '" + nn::excerpt(h.descr) + "' is not supported (expected '<f4' or '<f8')");
    if (h.fortran_order)
        fail(path, h.fortran_at, "fortran_order is True; only C order is supported (np.ascontiguousarray fixes that)");

    // Element count and data size, before anything is allocated from them. A
    // zero extent makes the array empty whatever the others are.
    const std::size_t item = h.descr == "<f4" ? 4 : 8;
    const bool empty = std::find(h.shape.begin(), h.shape.end(), 0) != h.shape.end();
    std::size_t count = empty ? 0 : 1;
    for (int d : h.shape) {
        if (empty) break;
        if (count > SIZE_MAX / item / static_cast<std::size_t>(d))
            fail(path, h.shape_at, "the element count of shape " + nn::shape_str(h.shape) + " overflows");
        count *= static_cast<std::size_t>(d);
    }
    const std::size_t need = count * item;
    auto truncated_data = [&](std::uint64_t have) {
        fail(path, data_at + have, "data truncated: shape " + nn::shape_str(h.shape) + " of '" + h.descr +
                                       "' needs " + std::to_string(need) + " data bytes from byte " +
                                       std::to_string(data_at) + " but the file holds only " + std::to_string(have));
    };
    auto too_long = [&](const std::string& have) {
        fail(path, data_at + need, "data too long: shape " + nn::shape_str(h.shape) + " of '" + h.descr +
                                       "' needs " + std::to_string(need) + " data bytes but the file holds " + have);
    };
    if (size >= 0) {  // a regular file: its size says it all before any allocation
        const std::uint64_t have = static_cast<std::uint64_t>(size) - data_at;
        if (have < need) truncated_data(have);
        if (have > need) too_long(std::to_string(have));
    }

    // The values, a chunk at a time (a stream's data is taken as it arrives):
    // assembled from little-endian bytes, so the host's byte order does not
    // matter.
    std::vector<float> values;
    values.reserve(size >= 0 ? count : std::min<std::size_t>(count, 1 << 16));
    std::string bytes;
    for (std::size_t done = 0; done < need;) {
        const std::size_t want = std::min<std::size_t>(need - done, 1 << 20);  // a multiple of 8
        bytes.clear();
        read_up_to(f.get(), path, want, bytes);
        if (bytes.size() < want) truncated_data(done + bytes.size());
        for (const char* p = bytes.data(); p < bytes.data() + bytes.size(); p += item) {
            if (item == 4) {
                const std::uint32_t bits = static_cast<std::uint32_t>(little_endian(p, 4));
                float v;
                std::memcpy(&v, &bits, 4);
                values.push_back(v);
            } else {
                const std::uint64_t bits = little_endian(p, 8);
                double v;
                std::memcpy(&v, &bits, 8);
                values.push_back(static_cast<float>(v));
            }
        }
        done += want;
    }
    if (std::fgetc(f.get()) != EOF) too_long("more");  // a stream can say so only now
    return nn::Tensor(std::move(h.shape), std::move(values));
}

std::string encode_npy(const nn::Tensor& t) {
    if (t.data.size() != nn::shape_size(t.shape))
        throw std::invalid_argument("encode_npy: the tensor has " + std::to_string(t.data.size()) +
                                    " values but its shape " + t.shape_str() + " needs " +
                                    std::to_string(nn::shape_size(t.shape)));
    const std::string header = header_for(t.shape);
    if (header.size() > 65535)
        throw std::invalid_argument("encode_npy: shape " + t.shape_str() + " is too long for a format 1.0 header");
    std::string bytes(kMagic, kMagicSize);
    bytes += '\x01';
    bytes += '\x00';
    bytes += static_cast<char>(header.size() & 0xff);
    bytes += static_cast<char>(header.size() >> 8);
    bytes += header;
    bytes.reserve(bytes.size() + 4 * t.data.size());
    for (float v : t.data) {
        std::uint32_t bits;
        std::memcpy(&bits, &v, 4);
        for (int k = 0; k < 4; ++k) bytes += static_cast<char>((bits >> (8 * k)) & 0xff);
    }
    return bytes;
}

void write_npy(const std::string& path, const nn::Tensor& t) { write_file_atomic(path, encode_npy(t)); }

}  // namespace tools::io
