// libFuzzer target: the ONNX export round trip. The input bytes, repeated,
// become the 61,706 float32 weights of LeNet-5 (any bit pattern: NaN,
// infinities, subnormals); tools::io::encode_lenet5_onnx writes the model
// and tests/onnx_reader.hpp reads it back. Every initialiser must hold the
// same bits (conv kernels transposed back from ONNX's layout), and the
// reader must never fail on what the writer wrote. The reader is also run
// on the raw input, where it may refuse (std::runtime_error) but not crash.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/onnx_reader.hpp"
#include "tools/io/onnx.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        onnx_reader::parse_model(std::string(reinterpret_cast<const char*>(data), size));
    } catch (const std::runtime_error&) {
    }
    if (size < 4) return 0;
    const std::vector<nn::Shape> shapes = {{5, 5, 1, 6}, {6},   {5, 5, 6, 16}, {16}, {400, 120},
                                           {120},        {120, 84}, {84},      {84, 10}, {10}};
    std::vector<nn::Tensor> weights;
    std::size_t at = 0;
    for (const nn::Shape& shape : shapes) {
        nn::Tensor t(shape);
        for (float& v : t.data) {
            std::uint8_t b[4];
            for (std::uint8_t& x : b) x = data[at++ % size];
            std::memcpy(&v, b, 4);
        }
        weights.push_back(t);
    }
    const onnx_reader::Model m = onnx_reader::parse_model(tools::io::encode_lenet5_onnx(weights));
    if (m.initializers.size() != weights.size() || m.nodes.size() != 15) std::abort();
    for (std::size_t k = 0; k < weights.size(); ++k) {
        const nn::Tensor& w = weights[k];
        const std::vector<float>& got = m.initializers[k].values;
        if (got.size() != w.data.size()) std::abort();
        for (std::size_t j = 0; j < got.size(); ++j) {
            std::size_t from = j;  // where got[j] came from in w
            if (w.rank() == 4) {   // got is (c_new, c_prev, kh, kw), w is (kh, kw, c_prev, c_new)
                const std::size_t kh = w.dim(0), kw = w.dim(1), c_prev = w.dim(2), c_new = w.dim(3);
                const std::size_t q = j % kw, p = j / kw % kh, c = j / (kw * kh) % c_prev, o = j / (kw * kh * c_prev);
                from = ((p * kw + q) * c_prev + c) * c_new + o;
            }
            if (std::memcmp(&got[j], &w.data[from], 4) != 0) std::abort();
        }
    }
    return 0;
}
