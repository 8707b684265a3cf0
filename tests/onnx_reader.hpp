// onnx_reader.hpp: a minimal protocol buffer reader for the ONNX models
// tools/io/onnx writes, written independently of the writer so the tests
// (tests/test_onnx.cpp) and the fuzz harness (tests/fuzz/fuzz_onnx.cpp) can
// check what the file really holds. It reads only the fields the export
// uses and skips the rest; every read is bounds-checked and a malformed
// message throws std::runtime_error naming the byte offset.
#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace onnx_reader {

/// One field of a message: its number, wire type and value.
struct Field {
    int number = 0;
    int wire = 0;              // 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32
    std::uint64_t value = 0;   // wire types 0, 1, 5
    std::string bytes;         // wire type 2
};

inline std::uint64_t read_varint(const std::string& s, std::size_t& at) {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (at >= s.size()) throw std::runtime_error("byte " + std::to_string(at) + ": varint runs past the end");
        const std::uint8_t b = static_cast<std::uint8_t>(s[at++]);
        value |= static_cast<std::uint64_t>(b & 0x7f) << shift;
        if (!(b & 0x80)) return value;
    }
    throw std::runtime_error("byte " + std::to_string(at) + ": varint longer than 10 bytes");
}

/// The fields of one message, in order.
inline std::vector<Field> fields(const std::string& s) {
    std::vector<Field> out;
    std::size_t at = 0;
    while (at < s.size()) {
        const std::size_t start = at;
        const std::uint64_t key = read_varint(s, at);
        Field f;
        f.number = static_cast<int>(key >> 3);
        f.wire = static_cast<int>(key & 7);
        if (f.number == 0) throw std::runtime_error("byte " + std::to_string(start) + ": field number 0");
        if (f.wire == 0) {
            f.value = read_varint(s, at);
        } else if (f.wire == 1 || f.wire == 5) {
            const std::size_t n = f.wire == 1 ? 8 : 4;
            if (s.size() - at < n) throw std::runtime_error("byte " + std::to_string(at) + ": fixed field runs past the end");
            for (std::size_t k = 0; k < n; ++k) f.value |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(s[at + k])) << (8 * k);
            at += n;
        } else if (f.wire == 2) {
            const std::uint64_t len = read_varint(s, at);
            if (len > s.size() - at) throw std::runtime_error("byte " + std::to_string(at) + ": length " + std::to_string(len) + " runs past the end");
            f.bytes = s.substr(at, static_cast<std::size_t>(len));
            at += static_cast<std::size_t>(len);
        } else {
            throw std::runtime_error("byte " + std::to_string(start) + ": wire type " + std::to_string(f.wire) + " is not read here");
        }
        out.push_back(std::move(f));
    }
    return out;
}

/// A packed (wire type 2) or single (wire type 0) repeated varint field's values.
inline void append_integers(const Field& f, std::vector<std::int64_t>& out) {
    if (f.wire == 0) {
        out.push_back(static_cast<std::int64_t>(f.value));
        return;
    }
    std::size_t at = 0;
    while (at < f.bytes.size()) out.push_back(static_cast<std::int64_t>(read_varint(f.bytes, at)));
}

struct Attribute {
    std::string name;
    std::int64_t type = 0;
    std::int64_t i = 0;
    std::vector<std::int64_t> ints;
};

struct Node {
    std::string op_type, name;
    std::vector<std::string> inputs, outputs;
    std::vector<Attribute> attributes;
    /// The attribute called @p name, or null.
    const Attribute* find(const std::string& attribute) const {
        for (const Attribute& a : attributes)
            if (a.name == attribute) return &a;
        return nullptr;
    }
};

struct Tensor {
    std::string name, doc;
    std::vector<std::int64_t> dims;
    std::int64_t data_type = 0;
    std::vector<float> values;  // from raw_data (little-endian float32)
};

struct ValueInfo {
    std::string name;
    std::int64_t elem_type = 0;
    std::vector<std::string> dims;  // a dim_value as its decimal text, a dim_param as it is
};

struct Model {
    std::int64_t ir_version = 0;
    std::string producer;
    std::string opset_domain = "(none)";
    std::int64_t opset_version = 0;
    std::string graph_name;
    std::vector<Node> nodes;
    std::vector<Tensor> initializers;
    std::vector<ValueInfo> inputs, outputs;
};

inline Attribute parse_attribute(const std::string& s) {
    Attribute a;
    for (const Field& f : fields(s)) {
        if (f.number == 1) a.name = f.bytes;
        else if (f.number == 3) a.i = static_cast<std::int64_t>(f.value);
        else if (f.number == 8) append_integers(f, a.ints);
        else if (f.number == 20) a.type = static_cast<std::int64_t>(f.value);
    }
    return a;
}

inline Node parse_node(const std::string& s) {
    Node n;
    for (const Field& f : fields(s)) {
        if (f.number == 1) n.inputs.push_back(f.bytes);
        else if (f.number == 2) n.outputs.push_back(f.bytes);
        else if (f.number == 3) n.name = f.bytes;
        else if (f.number == 4) n.op_type = f.bytes;
        else if (f.number == 5) n.attributes.push_back(parse_attribute(f.bytes));
    }
    return n;
}

inline Tensor parse_tensor(const std::string& s) {
    Tensor t;
    for (const Field& f : fields(s)) {
        if (f.number == 1) append_integers(f, t.dims);
        else if (f.number == 2) t.data_type = static_cast<std::int64_t>(f.value);
        else if (f.number == 8) t.name = f.bytes;
        else if (f.number == 12) t.doc = f.bytes;
        else if (f.number == 9) {
            if (f.bytes.size() % 4 != 0) throw std::runtime_error("raw_data of " + std::to_string(f.bytes.size()) + " bytes is not float32");
            t.values.resize(f.bytes.size() / 4);
            for (std::size_t k = 0; k < t.values.size(); ++k) {
                std::uint32_t bits = 0;
                for (int b = 0; b < 4; ++b) bits |= static_cast<std::uint32_t>(static_cast<std::uint8_t>(f.bytes[4 * k + b])) << (8 * b);
                std::memcpy(&t.values[k], &bits, 4);
            }
        }
    }
    return t;
}

inline ValueInfo parse_value_info(const std::string& s) {
    ValueInfo v;
    for (const Field& f : fields(s)) {
        if (f.number == 1) v.name = f.bytes;
        if (f.number != 2) continue;
        for (const Field& type : fields(f.bytes)) {
            if (type.number != 1) continue;  // tensor_type
            for (const Field& tt : fields(type.bytes)) {
                if (tt.number == 1) v.elem_type = static_cast<std::int64_t>(tt.value);
                if (tt.number != 2) continue;  // shape
                for (const Field& dim : fields(tt.bytes)) {
                    if (dim.number != 1) continue;
                    for (const Field& d : fields(dim.bytes)) {
                        if (d.number == 1) v.dims.push_back(std::to_string(static_cast<std::int64_t>(d.value)));
                        if (d.number == 2) v.dims.push_back(d.bytes);
                    }
                }
            }
        }
    }
    return v;
}

/// Reads a ModelProto.
/// @throws std::runtime_error when a message is malformed
inline Model parse_model(const std::string& bytes) {
    Model m;
    for (const Field& f : fields(bytes)) {
        if (f.number == 1) m.ir_version = static_cast<std::int64_t>(f.value);
        else if (f.number == 2) m.producer = f.bytes;
        else if (f.number == 8) {
            m.opset_domain = "";
            for (const Field& o : fields(f.bytes)) {
                if (o.number == 1) m.opset_domain = o.bytes;
                if (o.number == 2) m.opset_version = static_cast<std::int64_t>(o.value);
            }
        } else if (f.number == 7) {
            for (const Field& g : fields(f.bytes)) {
                if (g.number == 1) m.nodes.push_back(parse_node(g.bytes));
                else if (g.number == 2) m.graph_name = g.bytes;
                else if (g.number == 5) m.initializers.push_back(parse_tensor(g.bytes));
                else if (g.number == 11) m.inputs.push_back(parse_value_info(g.bytes));
                else if (g.number == 12) m.outputs.push_back(parse_value_info(g.bytes));
            }
        }
    }
    return m;
}

}  // namespace onnx_reader
