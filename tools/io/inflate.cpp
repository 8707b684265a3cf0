// Inflate (RFC 1951) inside a zlib wrapper (RFC 1950), written to be read:
// one bit at a time, canonical Huffman codes decoded by counting, every
// bound checked. Fast enough for the images plaincnn reads (a few MB).
//
//   stream  = CMF FLG block... ADLER32 (big-endian)
//   block   = BFINAL (1 bit) BTYPE (2 bits: 0 stored, 1 fixed, 2 dynamic) body
//   symbols 0-255 literal bytes, 256 end of block, 257-285 lengths 3-258;
//           a length is followed by a distance symbol 0-29 (distances 1-32768)
#include "tools/io/inflate.hpp"

#include <utility>

#include "tools/io/png.hpp"  // adler32

namespace tools::io {

namespace {

constexpr int kMaxBits = 15;  // the longest Huffman code deflate allows

// Reads the stream's bits from the least significant bit of each byte up, as
// deflate packs them; Huffman codes are read bit by bit from their first bit.
class BitReader {
public:
    BitReader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

    int bit() {
        if (at_ >= size_) throw InflateError(size_, "the stream ends in the middle of a block");
        int b = (data_[at_] >> used_) & 1;
        if (++used_ == 8) {
            used_ = 0;
            ++at_;
        }
        return b;
    }

    // n bits (n <= 16) as a number, first bit least significant.
    int bits(int n) {
        int value = 0;
        for (int k = 0; k < n; ++k) value |= bit() << k;
        return value;
    }

    // Skips to the next byte boundary (before a stored block's LEN).
    void align() {
        if (used_ != 0) {
            used_ = 0;
            ++at_;
        }
    }

    // A whole byte; only after align().
    std::uint8_t byte() {
        if (at_ >= size_) throw InflateError(size_, "the stream ends in the middle of a stored block");
        return data_[at_++];
    }

    std::size_t offset() const { return at_; }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t at_ = 0;  // the byte being read
    int used_ = 0;        // bits of it already read
};

// A canonical Huffman code given by its code lengths: codes of the same
// length are consecutive numbers, in the order of their symbols, and each
// length's first code follows the last code of the length before, doubled.
struct Huffman {
    int count[kMaxBits + 1] = {};  // count[len]: how many symbols have a code of len bits
    std::vector<int> symbols;      // the symbols sorted by (code length, symbol)
};

// Builds the code for @p lengths (0 = symbol unused). A set of lengths that
// needs more codes than exist ("over-subscribed") is refused; a set that
// leaves codes unused is accepted, and decode() refuses those codes if seen.
Huffman build_huffman(const std::vector<int>& lengths, std::size_t offset, const char* which) {
    Huffman h;
    for (int len : lengths) ++h.count[len];
    h.count[0] = 0;
    int left = 1;  // codes still free at the current length
    for (int len = 1; len <= kMaxBits; ++len) {
        left = left * 2 - h.count[len];
        if (left < 0) throw InflateError(offset, std::string(which) + " code lengths are over-subscribed");
    }
    for (int len = 1; len <= kMaxBits; ++len)
        for (std::size_t s = 0; s < lengths.size(); ++s)
            if (lengths[s] == len) h.symbols.push_back(static_cast<int>(s));
    return h;
}

// Reads one symbol: extends the code one bit at a time until it falls among
// the codes of its length.
int decode(BitReader& in, const Huffman& h) {
    int code = 0;   // the bits read so far, first bit most significant
    int first = 0;  // the first code of length len
    int index = 0;  // where the symbols of length len start in h.symbols
    for (int len = 1; len <= kMaxBits; ++len) {
        code |= in.bit();
        if (code - first < h.count[len]) return h.symbols[static_cast<std::size_t>(index + code - first)];
        index += h.count[len];
        first = (first + h.count[len]) << 1;
        code <<= 1;
    }
    throw InflateError(in.offset(), "a Huffman code that the block's table does not contain");
}

// Length symbols 257-285: base length and extra bits (RFC 1951, 3.2.5).
const int kLengthBase[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                             31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
const int kLengthExtra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
// Distance symbols 0-29: base distance and extra bits.
const int kDistBase[30] = {1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
                           193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
const int kDistExtra[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

class Inflater {
public:
    Inflater(const std::uint8_t* data, std::size_t size, std::size_t max_output)
        : in_(data, size), max_output_(max_output) {}

    void put(std::uint8_t byte) {
        if (out.size() >= max_output_) {
            throw InflateError(in_.offset(), "decompresses to more than " + std::to_string(max_output_) + " bytes");
        }
        out.push_back(byte);
    }

    // LEN and NLEN (little-endian, NLEN = ~LEN), then LEN bytes as they are.
    void stored_block() {
        in_.align();
        std::size_t at = in_.offset();
        // One byte per statement: the operands of | may be evaluated in either order.
        const int len_low = in_.byte();
        const int len = len_low | in_.byte() << 8;
        const int nlen_low = in_.byte();
        const int nlen = nlen_low | in_.byte() << 8;
        if (len != (~nlen & 0xffff)) throw InflateError(at, "stored block LEN does not match NLEN");
        for (int k = 0; k < len; ++k) put(in_.byte());
    }

    // Literals and (length, distance) copies until the end-of-block symbol.
    void huffman_block(const Huffman& litlen, const Huffman& dist) {
        for (;;) {
            std::size_t at = in_.offset();
            int symbol = decode(in_, litlen);
            if (symbol < 256) {
                put(static_cast<std::uint8_t>(symbol));
            } else if (symbol == 256) {
                return;
            } else {
                if (symbol > 285) throw InflateError(at, "length symbol " + std::to_string(symbol) + " is not used by deflate");
                int length = kLengthBase[symbol - 257] + in_.bits(kLengthExtra[symbol - 257]);
                at = in_.offset();
                int d = decode(in_, dist);
                if (d > 29) throw InflateError(at, "distance symbol " + std::to_string(d) + " is not used by deflate");
                std::size_t distance = static_cast<std::size_t>(kDistBase[d] + in_.bits(kDistExtra[d]));
                if (distance > out.size()) {
                    throw InflateError(at, "distance " + std::to_string(distance) + " reaches before the start (" +
                                               std::to_string(out.size()) + " bytes written)");
                }
                // Byte by byte: a copy may overlap the bytes it is writing
                // (distance 1, length 10 repeats one byte ten times).
                for (int k = 0; k < length; ++k) put(out[out.size() - distance]);
            }
        }
    }

    // The fixed codes of RFC 1951, 3.2.6.
    void fixed_block() {
        std::vector<int> litlen(288);
        for (int s = 0; s < 288; ++s) litlen[static_cast<std::size_t>(s)] = s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8;
        std::vector<int> dist(32, 5);  // 30 and 31 have codes but no meaning
        huffman_block(build_huffman(litlen, in_.offset(), "fixed literal/length"),
                      build_huffman(dist, in_.offset(), "fixed distance"));
    }

    // The block's own codes: HLIT, HDIST, HCLEN, the code-length code, then
    // the lengths of both codes in one run (RFC 1951, 3.2.7).
    void dynamic_block() {
        std::size_t at = in_.offset();
        int hlit = in_.bits(5) + 257;
        int hdist = in_.bits(5) + 1;
        int hclen = in_.bits(4) + 4;
        if (hlit > 286 || hdist > 30) {
            throw InflateError(at, "dynamic block declares " + std::to_string(hlit) + " literal/length and " +
                                       std::to_string(hdist) + " distance codes (at most 286 and 30)");
        }
        static const int kOrder[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
        std::vector<int> clen(19, 0);
        for (int k = 0; k < hclen; ++k) clen[static_cast<std::size_t>(kOrder[k])] = in_.bits(3);
        Huffman lencode = build_huffman(clen, at, "code-length");

        std::vector<int> lengths;  // literal/length lengths, then distance lengths
        const std::size_t total = static_cast<std::size_t>(hlit + hdist);
        while (lengths.size() < total) {
            std::size_t here = in_.offset();
            int symbol = decode(in_, lencode);
            int repeat = 0, value = 0;
            if (symbol < 16) {
                lengths.push_back(symbol);
                continue;
            } else if (symbol == 16) {  // the previous length, 3-6 times
                if (lengths.empty()) throw InflateError(here, "code-length repeat with no previous length");
                value = lengths.back();
                repeat = 3 + in_.bits(2);
            } else if (symbol == 17) {  // zero, 3-10 times
                repeat = 3 + in_.bits(3);
            } else {                    // zero, 11-138 times
                repeat = 11 + in_.bits(7);
            }
            if (lengths.size() + static_cast<std::size_t>(repeat) > total) {
                throw InflateError(here, "code-length repeat runs past the " + std::to_string(total) + " lengths declared");
            }
            lengths.insert(lengths.end(), static_cast<std::size_t>(repeat), value);
        }
        std::vector<int> litlen(lengths.begin(), lengths.begin() + hlit);
        std::vector<int> dist(lengths.begin() + hlit, lengths.end());
        if (litlen[256] == 0) throw InflateError(at, "dynamic block has no code for end-of-block");
        huffman_block(build_huffman(litlen, at, "literal/length"), build_huffman(dist, at, "distance"));
    }

    void run() {
        bool final = false;
        while (!final) {
            std::size_t at = in_.offset();
            final = in_.bit() == 1;
            int type = in_.bits(2);
            if (type == 0) stored_block();
            else if (type == 1) fixed_block();
            else if (type == 2) dynamic_block();
            else throw InflateError(at, "block type 3 is reserved");
        }
        in_.align();
    }

    std::size_t offset() const { return in_.offset(); }

    std::vector<std::uint8_t> out;

private:
    BitReader in_;
    std::size_t max_output_;
};

}  // namespace

std::vector<std::uint8_t> zlib_decompress(const std::uint8_t* data, std::size_t size, std::size_t max_output) {
    if (size < 2) throw InflateError(size, "the zlib stream is shorter than its 2-byte header");
    int cmf = data[0], flg = data[1];
    if ((cmf & 0x0f) != 8) throw InflateError(0, "compression method " + std::to_string(cmf & 0x0f) + " (only 8, deflate)");
    if ((cmf >> 4) > 7) throw InflateError(0, "window size 2^" + std::to_string((cmf >> 4) + 8) + " is larger than 32 KiB");
    if ((cmf * 256 + flg) % 31 != 0) throw InflateError(1, "header check bits: CMF*256+FLG is not a multiple of 31");
    if (flg & 0x20) throw InflateError(1, "the stream needs a preset dictionary");

    Inflater inflater(data + 2, size - 2, max_output);
    try {
        inflater.run();
    } catch (const InflateError& e) {
        throw InflateError(e.offset + 2, e.reason);  // offsets in the whole stream, header included
    }
    std::size_t at = inflater.offset() + 2;
    if (size - at < 4) throw InflateError(size, "the stream ends before its Adler-32");
    std::uint32_t stored = static_cast<std::uint32_t>(data[at]) << 24 | static_cast<std::uint32_t>(data[at + 1]) << 16 |
                           static_cast<std::uint32_t>(data[at + 2]) << 8 | data[at + 3];
    if (stored != adler32(inflater.out.data(), inflater.out.size())) throw InflateError(at, "Adler-32 mismatch");
    return std::move(inflater.out);
}

}  // namespace tools::io
