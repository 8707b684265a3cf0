// Tests for tools/io/onnx: the protobuf writer's bytes by hand, and the
// exported LeNet-5 read back with an independent reader (tests/onnx_reader.hpp):
// opset, inputs and outputs, the operators and their attributes, the
// initialisers against the model's weights, and the graph run by a small
// interpreter written here against keras::Sequential::predict.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "lenet/lenet5.hpp"
#include "tests/onnx_reader.hpp"
#include "tests/test_util.hpp"
#include "tools/io/onnx.hpp"

using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

namespace {

std::string hex(const std::string& bytes) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (char c : bytes) {
        out += digits[static_cast<std::uint8_t>(c) >> 4];
        out += digits[static_cast<std::uint8_t>(c) & 15];
    }
    return out;
}

// ---- a small interpreter for the exported graph: values as (dims, data) ----

struct Value {
    std::vector<std::int64_t> dims;
    std::vector<float> data;
};

std::int64_t count(const std::vector<std::int64_t>& dims) {
    std::int64_t n = 1;
    for (std::int64_t d : dims) n *= d;
    return n;
}

Value transpose(const Value& x, const std::vector<std::int64_t>& perm) {
    Value y;
    for (std::int64_t p : perm) y.dims.push_back(x.dims[static_cast<std::size_t>(p)]);
    y.data.resize(x.data.size());
    const std::size_t rank = x.dims.size();
    std::vector<std::int64_t> stride(rank, 1);  // of x
    for (std::size_t a = rank - 1; a > 0; --a) stride[a - 1] = stride[a] * x.dims[a];
    std::vector<std::int64_t> index(rank, 0);  // in y
    for (std::size_t k = 0; k < y.data.size(); ++k) {
        std::int64_t from = 0;
        for (std::size_t a = 0; a < rank; ++a) from += index[a] * stride[static_cast<std::size_t>(perm[a])];
        y.data[k] = x.data[static_cast<std::size_t>(from)];
        for (std::size_t a = rank; a-- > 0;) {  // next index, last axis fastest
            if (++index[a] < y.dims[a]) break;
            index[a] = 0;
        }
    }
    return y;
}

// NCHW convolution (cross-correlation) with zero padding and bias.
Value conv(const Value& x, const Value& w, const Value& b, const std::vector<std::int64_t>& pads) {
    const std::int64_t n = x.dims[0], c = x.dims[1], h = x.dims[2], wd = x.dims[3];
    const std::int64_t m = w.dims[0], kh = w.dims[2], kw = w.dims[3];
    const std::int64_t oh = h + pads[0] + pads[2] - kh + 1, ow = wd + pads[1] + pads[3] - kw + 1;
    Value y{{n, m, oh, ow}, std::vector<float>(static_cast<std::size_t>(n * m * oh * ow))};
    for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t o = 0; o < m; ++o)
            for (std::int64_t r = 0; r < oh; ++r)
                for (std::int64_t s = 0; s < ow; ++s) {
                    double sum = b.data[static_cast<std::size_t>(o)];
                    for (std::int64_t ci = 0; ci < c; ++ci)
                        for (std::int64_t p = 0; p < kh; ++p)
                            for (std::int64_t q = 0; q < kw; ++q) {
                                const std::int64_t yy = r + p - pads[0], xx = s + q - pads[1];
                                if (yy < 0 || yy >= h || xx < 0 || xx >= wd) continue;
                                sum += static_cast<double>(x.data[static_cast<std::size_t>(((i * c + ci) * h + yy) * wd + xx)]) *
                                       w.data[static_cast<std::size_t>(((o * c + ci) * kh + p) * kw + q)];
                            }
                    y.data[static_cast<std::size_t>(((i * m + o) * oh + r) * ow + s)] = static_cast<float>(sum);
                }
    return y;
}

Value max_pool(const Value& x, std::int64_t k, std::int64_t stride) {
    const std::int64_t n = x.dims[0], c = x.dims[1], oh = (x.dims[2] - k) / stride + 1, ow = (x.dims[3] - k) / stride + 1;
    Value y{{n, c, oh, ow}, {}};
    for (std::int64_t i = 0; i < n * c; ++i)
        for (std::int64_t r = 0; r < oh; ++r)
            for (std::int64_t s = 0; s < ow; ++s) {
                float best = -INFINITY;
                for (std::int64_t p = 0; p < k; ++p)
                    for (std::int64_t q = 0; q < k; ++q)
                        best = std::max(best, x.data[static_cast<std::size_t>((i * x.dims[2] + r * stride + p) * x.dims[3] + s * stride + q)]);
                y.data.push_back(best);
            }
    return y;
}

Value gemm(const Value& a, const Value& b, const Value& c) {
    const std::int64_t n = a.dims[0], k = a.dims[1], m = b.dims[1];
    Value y{{n, m}, {}};
    for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t j = 0; j < m; ++j) {
            double sum = c.data[static_cast<std::size_t>(j)];
            for (std::int64_t t = 0; t < k; ++t)
                sum += static_cast<double>(a.data[static_cast<std::size_t>(i * k + t)]) * b.data[static_cast<std::size_t>(t * m + j)];
            y.data.push_back(static_cast<float>(sum));
        }
    return y;
}

std::vector<std::int64_t> ints(const onnx_reader::Node& node, const std::string& name) {
    const onnx_reader::Attribute* a = node.find(name);
    if (!a) throw std::runtime_error(node.name + " has no attribute " + name);
    return a->ints;
}

// Runs the graph's nodes in order on @p input, returning the graph output.
Value run(const onnx_reader::Model& model, const Value& input) {
    std::map<std::string, Value> values;
    for (const onnx_reader::Tensor& t : model.initializers) values[t.name] = Value{t.dims, t.values};
    values[model.inputs.at(0).name] = input;
    for (const onnx_reader::Node& node : model.nodes) {
        auto in = [&](std::size_t k) -> const Value& { return values.at(node.inputs.at(k)); };
        Value out;
        if (node.op_type == "Transpose") {
            out = transpose(in(0), ints(node, "perm"));
        } else if (node.op_type == "Conv") {
            EXPECT_THAT(ints(node, "strides"), ElementsAre(1, 1));
            out = conv(in(0), in(1), in(2), ints(node, "pads"));
        } else if (node.op_type == "Relu") {
            out = in(0);
            for (float& v : out.data) v = std::max(v, 0.0f);
        } else if (node.op_type == "MaxPool") {
            const std::vector<std::int64_t> k = ints(node, "kernel_shape"), s = ints(node, "strides");
            EXPECT_EQ(k[0], k[1]);
            EXPECT_EQ(s[0], s[1]);
            out = max_pool(in(0), k[0], s[0]);
        } else if (node.op_type == "Flatten") {
            out = in(0);
            out.dims = {in(0).dims[0], count(in(0).dims) / in(0).dims[0]};
        } else if (node.op_type == "Gemm") {
            out = gemm(in(0), in(1), in(2));
        } else if (node.op_type == "Softmax") {
            out = in(0);
            const std::int64_t classes = out.dims[1];
            for (std::int64_t i = 0; i < out.dims[0]; ++i) {
                float* row = out.data.data() + i * classes;
                const float top = *std::max_element(row, row + classes);
                double total = 0;
                for (std::int64_t j = 0; j < classes; ++j) total += std::exp(static_cast<double>(row[j] - top));
                for (std::int64_t j = 0; j < classes; ++j) row[j] = static_cast<float>(std::exp(static_cast<double>(row[j] - top)) / total);
            }
        } else {
            throw std::runtime_error("operator " + node.op_type + " is not in this interpreter");
        }
        values[node.outputs.at(0)] = out;
    }
    return values.at(model.outputs.at(0).name);
}

// A LeNet-5 whose biases are not zero, so a misplaced bias shows.
keras::Sequential seeded_lenet5() {
    keras::Input X({28, 28, 1});
    keras::Sequential model = keras::lenet5(X, 11);
    std::vector<nn::Tensor> w = model.get_weights();
    for (std::size_t k = 1; k < w.size(); k += 2) w[k] = testutil::seeded_uniform(w[k].shape, 100 + k, -0.1f, 0.1f);
    model.set_weights(w);
    return model;
}

}  // namespace

TEST(ProtoWriter, BytesByHand) {
    tools::io::ProtoWriter p;
    p.integer(1, 300);  // key 08, then 300 = 0b10_0101100 -> ac 02
    p.bytes(2, "hi");   // key 12, length 02, 'h' 'i'
    p.packed_integers(8, {1, 150});  // key 42, length 03, 01, 96 01
    EXPECT_EQ(hex(p.str()), "08ac02" "12026869" "4203019601");
    tools::io::ProtoWriter negative;
    negative.integer(3, -1);  // int64 -1: ten bytes, all bits set
    EXPECT_EQ(hex(negative.str()), "18ffffffffffffffffff01");
    tools::io::ProtoWriter big_field;
    big_field.integer(20, 7);  // key (20 << 3) = 160 -> a0 01
    EXPECT_EQ(hex(big_field.str()), "a00107");
}

TEST(OnnxExport, ModelHeaderInputsAndOutputs) {
    keras::Sequential model = seeded_lenet5();
    const onnx_reader::Model m = onnx_reader::parse_model(tools::io::encode_lenet5_onnx(model.get_weights()));
    EXPECT_EQ(m.ir_version, 7);
    EXPECT_EQ(m.opset_domain, "");
    EXPECT_EQ(m.opset_version, 13);
    EXPECT_EQ(m.producer, "plaincnn");
    EXPECT_EQ(m.graph_name, "lenet5");
    ASSERT_EQ(m.inputs.size(), 1u);
    EXPECT_EQ(m.inputs[0].name, "input");
    EXPECT_EQ(m.inputs[0].elem_type, 1);  // FLOAT
    EXPECT_THAT(m.inputs[0].dims, ElementsAre("N", "28", "28", "1"));
    ASSERT_EQ(m.outputs.size(), 1u);
    EXPECT_EQ(m.outputs[0].name, "probabilities");
    EXPECT_THAT(m.outputs[0].dims, ElementsAre("N", "10"));
}

TEST(OnnxExport, OperatorsAndAttributes) {
    keras::Sequential model = seeded_lenet5();
    const onnx_reader::Model m = onnx_reader::parse_model(tools::io::encode_lenet5_onnx(model.get_weights()));
    std::vector<std::string> ops;
    for (const auto& n : m.nodes) ops.push_back(n.op_type);
    EXPECT_THAT(ops, ElementsAre("Transpose", "Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Transpose", "Flatten",
                                 "Gemm", "Relu", "Gemm", "Relu", "Gemm", "Softmax"));
    ASSERT_EQ(m.nodes.size(), 15u);
    EXPECT_THAT(ints(m.nodes[0], "perm"), ElementsAre(0, 3, 1, 2));
    EXPECT_THAT(ints(m.nodes[1], "pads"), ElementsAre(2, 2, 2, 2));  // same: (5 - 1) / 2 on each side
    EXPECT_THAT(ints(m.nodes[1], "kernel_shape"), ElementsAre(5, 5));
    EXPECT_THAT(m.nodes[1].inputs, ElementsAre("input_nchw", "conv2d/kernel", "conv2d/bias"));
    EXPECT_THAT(ints(m.nodes[3], "kernel_shape"), ElementsAre(2, 2));
    EXPECT_THAT(ints(m.nodes[3], "strides"), ElementsAre(2, 2));
    EXPECT_THAT(ints(m.nodes[4], "pads"), ElementsAre(0, 0, 0, 0));  // valid
    EXPECT_THAT(ints(m.nodes[7], "perm"), ElementsAre(0, 2, 3, 1));
    EXPECT_EQ(m.nodes[8].find("axis")->i, 1);
    EXPECT_EQ(m.nodes[8].find("axis")->type, 2);  // INT
    EXPECT_EQ(m.nodes[1].find("pads")->type, 7);  // INTS
    EXPECT_EQ(m.nodes[14].find("axis")->i, 1);
    EXPECT_THAT(m.nodes[14].outputs, ElementsAre("probabilities"));
    for (std::size_t k = 1; k < m.nodes.size(); ++k)  // a chain: each node reads the one before
        EXPECT_EQ(m.nodes[k].inputs.at(0), m.nodes[k - 1].outputs.at(0)) << "node " << k;
}

TEST(OnnxExport, InitialisersAreTheWeights) {
    keras::Sequential model = seeded_lenet5();
    const std::vector<nn::Tensor> w = model.get_weights();
    const std::vector<std::string> names = model.weight_names();
    const onnx_reader::Model m = onnx_reader::parse_model(tools::io::encode_lenet5_onnx(w));
    ASSERT_EQ(m.initializers.size(), 10u);
    for (std::size_t k = 0; k < 10; ++k) {
        const onnx_reader::Tensor& t = m.initializers[k];
        SCOPED_TRACE(t.name);
        EXPECT_EQ(t.name, names[k]);
        EXPECT_EQ(t.data_type, 1);
        if (w[k].rank() == 4) {  // conv kernel (kh, kw, c_prev, c_new) stored as (c_new, c_prev, kh, kw)
            EXPECT_THAT(t.dims, ElementsAre(w[k].dim(3), w[k].dim(2), w[k].dim(0), w[k].dim(1)));
            Value back = transpose(Value{t.dims, t.values}, {2, 3, 1, 0});
            EXPECT_EQ(back.data, w[k].data);
            EXPECT_THAT(t.doc, HasSubstr("(c_new, c_prev, kh, kw)"));
        } else {
            EXPECT_EQ(std::vector<std::int64_t>(w[k].shape.begin(), w[k].shape.end()), t.dims);
            EXPECT_EQ(t.values, w[k].data);
        }
    }
}

TEST(OnnxExport, GraphComputesWhatPredictComputes) {
    keras::Sequential model = seeded_lenet5();
    const onnx_reader::Model m = onnx_reader::parse_model(tools::io::encode_lenet5_onnx(model.get_weights()));
    const nn::Tensor x = testutil::seeded_uniform({4, 28, 28, 1}, 5, 0.0f, 1.0f);
    const nn::Tensor y_pred = model.predict(x);
    const Value y = run(m, Value{{4, 28, 28, 1}, x.data});
    EXPECT_THAT(y.dims, ElementsAre(4, 10));
    ASSERT_EQ(y.data.size(), y_pred.data.size());
    for (std::size_t k = 0; k < y.data.size(); ++k) EXPECT_NEAR(y.data[k], y_pred.data[k], 1e-5) << "probability " << k;
    float spread = 0;  // the check means something only if the outputs differ between images
    for (std::size_t k = 0; k < 10; ++k) spread = std::max(spread, std::fabs(y_pred.data[k] - y_pred.data[10 + k]));
    EXPECT_GT(spread, 1e-3f);
}

TEST(OnnxExport, RefusesOtherArchitectures) {
    std::vector<nn::Tensor> w = seeded_lenet5().get_weights();
    std::vector<nn::Tensor> nine(w.begin(), w.end() - 1);
    EXPECT_EQ(testutil::error_message([&] { tools::io::encode_lenet5_onnx(nine); }),
              "encode_lenet5_onnx: weights holds 9 tensors, LeNet-5 has 10 (conv2d/kernel ... dense_2/bias)");
    w[4] = nn::Tensor({256, 120});
    EXPECT_EQ(testutil::error_message([&] { tools::io::encode_lenet5_onnx(w); }),
              "encode_lenet5_onnx: dense/kernel is (256,120), LeNet-5 needs (400,120)");
}

TEST(OnnxExport, WritesAtomicallyAndRefusesMissingFolder) {
    fs::path dir = testutil::make_temp_folder("onnx");
    ASSERT_FALSE(dir.empty());
    const std::vector<nn::Tensor> w = seeded_lenet5().get_weights();
    const std::string path = (dir / "lenet5.onnx").string();
    tools::io::write_lenet5_onnx(path, w);
    EXPECT_EQ(testutil::read_file(path), tools::io::encode_lenet5_onnx(w));
    const std::string nowhere = (dir / "no" / "m.onnx").string();
    EXPECT_THAT(testutil::error_message<std::runtime_error>([&] { tools::io::write_lenet5_onnx(nowhere, w); }),
                HasSubstr(nowhere));
    EXPECT_THAT(testutil::sorted_names(dir), ElementsAre("lenet5.onnx"));
    fs::remove_all(dir);
}
