// LeNet-5 as an ONNX protobuf (the graph is drawn in onnx.hpp). Field
// numbers are those of onnx/onnx.proto; each message is built by its own
// small function, innermost first, and nested into its parent as bytes.
#include "tools/io/onnx.hpp"

#include <cstring>
#include <stdexcept>

#include "tools/io/atomic_file.hpp"

namespace tools::io {

void ProtoWriter::varint(std::uint64_t value) {
    while (value >= 0x80) {
        out_ += static_cast<char>((value & 0x7f) | 0x80);
        value >>= 7;
    }
    out_ += static_cast<char>(value);
}

void ProtoWriter::integer(int field, std::int64_t value) {
    varint(static_cast<std::uint64_t>(field) << 3 | 0);
    varint(static_cast<std::uint64_t>(value));
}

void ProtoWriter::bytes(int field, const std::string& bytes) {
    varint(static_cast<std::uint64_t>(field) << 3 | 2);
    varint(bytes.size());
    out_ += bytes;
}

void ProtoWriter::packed_integers(int field, const std::vector<std::int64_t>& values) {
    ProtoWriter inner;
    for (std::int64_t v : values) inner.varint(static_cast<std::uint64_t>(v));
    bytes(field, inner.str());
}

namespace {

// Field numbers from onnx/onnx.proto.
namespace model { constexpr int ir_version = 1, producer_name = 2, producer_version = 3, doc_string = 6, graph = 7, opset_import = 8; }
namespace opset { constexpr int domain = 1, version = 2; }
namespace graph { constexpr int node = 1, name = 2, initializer = 5, doc_string = 10, input = 11, output = 12; }
namespace node { constexpr int input = 1, output = 2, name = 3, op_type = 4, attribute = 5; }
namespace attribute { constexpr int name = 1, i = 3, ints = 8, type = 20; constexpr int INT = 2, INTS = 7; }
namespace tensor { constexpr int dims = 1, data_type = 2, name = 8, raw_data = 9, doc_string = 12; constexpr int FLOAT = 1; }
namespace value_info { constexpr int name = 1, type = 2; }
namespace type_proto { constexpr int tensor_type = 1, elem_type = 1, shape = 2; }
namespace shape_proto { constexpr int dim = 1, dim_value = 1, dim_param = 2; }

std::string int_attribute(const std::string& name, std::int64_t value) {
    ProtoWriter a;
    a.bytes(attribute::name, name);
    a.integer(attribute::i, value);
    a.integer(attribute::type, attribute::INT);
    return a.str();
}

std::string ints_attribute(const std::string& name, const std::vector<std::int64_t>& values) {
    ProtoWriter a;
    a.bytes(attribute::name, name);
    a.packed_integers(attribute::ints, values);
    a.integer(attribute::type, attribute::INTS);
    return a.str();
}

std::string make_node(const std::string& op_type, const std::vector<std::string>& inputs, const std::string& output,
                      const std::vector<std::string>& attributes = {}) {
    ProtoWriter n;
    for (const std::string& in : inputs) n.bytes(node::input, in);
    n.bytes(node::output, output);
    n.bytes(node::name, output);  // each node is named after the value it makes
    n.bytes(node::op_type, op_type);
    for (const std::string& a : attributes) n.bytes(node::attribute, a);
    return n.str();
}

// A float tensor: dims, then the values as little-endian IEEE 754 raw bytes.
std::string make_tensor(const std::string& name, const nn::Tensor& t, const std::string& doc) {
    ProtoWriter p;
    for (int d : t.shape) p.integer(tensor::dims, d);
    p.integer(tensor::data_type, tensor::FLOAT);
    p.bytes(tensor::name, name);
    std::string raw;
    raw.reserve(4 * t.data.size());
    for (float v : t.data) {
        std::uint32_t bits;
        std::memcpy(&bits, &v, 4);
        for (int k = 0; k < 4; ++k) raw += static_cast<char>(bits >> (8 * k));
    }
    p.bytes(tensor::raw_data, raw);
    if (!doc.empty()) p.bytes(tensor::doc_string, doc);
    return p.str();
}

// A graph input or output: a float tensor whose first extent is the symbolic "N".
std::string make_value_info(const std::string& name, const std::vector<int>& extents_after_n) {
    ProtoWriter shape;
    ProtoWriter batch;
    batch.bytes(shape_proto::dim_param, "N");
    shape.bytes(shape_proto::dim, batch.str());
    for (int e : extents_after_n) {
        ProtoWriter d;
        d.integer(shape_proto::dim_value, e);
        shape.bytes(shape_proto::dim, d.str());
    }
    ProtoWriter tensor_type;
    tensor_type.integer(type_proto::elem_type, tensor::FLOAT);
    tensor_type.bytes(type_proto::shape, shape.str());
    ProtoWriter type;
    type.bytes(type_proto::tensor_type, tensor_type.str());
    ProtoWriter v;
    v.bytes(value_info::name, name);
    v.bytes(value_info::type, type.str());
    return v.str();
}

// (kh, kw, c_prev, c_new) -> (c_new, c_prev, kh, kw)
nn::Tensor kernel_to_oihw(const nn::Tensor& W) {
    const int kh = W.dim(0), kw = W.dim(1), c_prev = W.dim(2), c_new = W.dim(3);
    nn::Tensor out({c_new, c_prev, kh, kw});
    for (int i = 0; i < kh; ++i)
        for (int j = 0; j < kw; ++j)
            for (int c = 0; c < c_prev; ++c)
                for (int k = 0; k < c_new; ++k)
                    out.data[((static_cast<std::size_t>(k) * c_prev + c) * kh + i) * kw + j] =
                        W.data[((static_cast<std::size_t>(i) * kw + j) * c_prev + c) * c_new + k];
    return out;
}

struct Expected {
    const char* name;
    nn::Shape shape;
};
const Expected kLenet5[10] = {
    {"conv2d/kernel", {5, 5, 1, 6}},  {"conv2d/bias", {6}},   {"conv2d_1/kernel", {5, 5, 6, 16}},
    {"conv2d_1/bias", {16}},          {"dense/kernel", {400, 120}}, {"dense/bias", {120}},
    {"dense_1/kernel", {120, 84}},    {"dense_1/bias", {84}}, {"dense_2/kernel", {84, 10}},
    {"dense_2/bias", {10}}};

}  // namespace

std::string encode_lenet5_onnx(const std::vector<nn::Tensor>& weights) {
    if (weights.size() != 10) {
        throw std::invalid_argument("encode_lenet5_onnx: weights holds " + std::to_string(weights.size()) +
                                    " tensors, LeNet-5 has 10 (conv2d/kernel ... dense_2/bias)");
    }
    for (std::size_t k = 0; k < 10; ++k) {
        if (weights[k].shape != kLenet5[k].shape || weights[k].data.size() != nn::shape_size(kLenet5[k].shape)) {
            throw std::invalid_argument("encode_lenet5_onnx: " + std::string(kLenet5[k].name) + " is " +
                                        weights[k].shape_str() + ", LeNet-5 needs " + nn::shape_str(kLenet5[k].shape));
        }
    }
    const std::string oihw = "Keras kernel (kh, kw, c_prev, c_new) stored as ONNX Conv's (c_new, c_prev, kh, kw)";
    const std::string pool = ints_attribute("kernel_shape", {2, 2});
    const std::string pool_stride = ints_attribute("strides", {2, 2});

    ProtoWriter g;
    auto add = [&](const std::string& n) { g.bytes(graph::node, n); };
    add(make_node("Transpose", {"input"}, "input_nchw", {ints_attribute("perm", {0, 3, 1, 2})}));
    add(make_node("Conv", {"input_nchw", "conv2d/kernel", "conv2d/bias"}, "C1",
                  {ints_attribute("kernel_shape", {5, 5}), ints_attribute("pads", {2, 2, 2, 2}),
                   ints_attribute("strides", {1, 1})}));
    add(make_node("Relu", {"C1"}, "C1_relu"));
    add(make_node("MaxPool", {"C1_relu"}, "S2", {pool, pool_stride}));
    add(make_node("Conv", {"S2", "conv2d_1/kernel", "conv2d_1/bias"}, "C3",
                  {ints_attribute("kernel_shape", {5, 5}), ints_attribute("pads", {0, 0, 0, 0}),
                   ints_attribute("strides", {1, 1})}));
    add(make_node("Relu", {"C3"}, "C3_relu"));
    add(make_node("MaxPool", {"C3_relu"}, "S4", {pool, pool_stride}));
    add(make_node("Transpose", {"S4"}, "S4_nhwc", {ints_attribute("perm", {0, 2, 3, 1})}));
    add(make_node("Flatten", {"S4_nhwc"}, "flatten", {int_attribute("axis", 1)}));
    add(make_node("Gemm", {"flatten", "dense/kernel", "dense/bias"}, "F5"));
    add(make_node("Relu", {"F5"}, "F5_relu"));
    add(make_node("Gemm", {"F5_relu", "dense_1/kernel", "dense_1/bias"}, "F6"));
    add(make_node("Relu", {"F6"}, "F6_relu"));
    add(make_node("Gemm", {"F6_relu", "dense_2/kernel", "dense_2/bias"}, "F7"));
    add(make_node("Softmax", {"F7"}, "probabilities", {int_attribute("axis", 1)}));
    g.bytes(graph::name, "lenet5");
    for (std::size_t k = 0; k < 10; ++k) {
        const bool conv_kernel = k == 0 || k == 2;
        g.bytes(graph::initializer, make_tensor(kLenet5[k].name, conv_kernel ? kernel_to_oihw(weights[k]) : weights[k],
                                                conv_kernel ? oihw : ""));
    }
    g.bytes(graph::doc_string, "The course's LeNet-5 (plaincnn lenet/lenet5.hpp): NHWC images in [0, 1], "
                               "light ink on black, 28x28; out: the probabilities of the digits 0-9.");
    g.bytes(graph::input, make_value_info("input", {28, 28, 1}));
    g.bytes(graph::output, make_value_info("probabilities", {10}));

    ProtoWriter op;
    op.bytes(opset::domain, "");
    op.integer(opset::version, kOnnxOpset);
    ProtoWriter m;
    m.integer(model::ir_version, kOnnxIrVersion);
    m.bytes(model::producer_name, "plaincnn");
    m.bytes(model::producer_version, "1");
    m.bytes(model::doc_string, "LeNet-5 trained on MNIST by plaincnn");
    m.bytes(model::graph, g.str());
    m.bytes(model::opset_import, op.str());
    return m.str();
}

void write_lenet5_onnx(const std::string& path, const std::vector<nn::Tensor>& weights) {
    write_file_atomic(path, encode_lenet5_onnx(weights));
}

}  // namespace tools::io
