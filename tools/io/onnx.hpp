// The course LeNet-5 as an ONNX model, written by hand: ONNX files are
// protocol buffers (onnx/onnx.proto), and the few messages a model needs
// take a small writer of varints and length-delimited fields, no library.
//
// Protocol buffer wire format, all that is used here:
//   field key  = varint (field_number << 3 | wire_type)
//   wire type 0: varint (int64, int32, enum): 7 bits a byte, low bits first,
//                the high bit set on every byte but the last
//   wire type 2: length-delimited: varint length, then the bytes (strings,
//                bytes, nested messages, packed repeated numbers)
//
// The graph (opset 13), NHWC in and out as plaincnn computes it:
//   input      (N, 28, 28, 1) float       N is symbolic: any batch size
//   Transpose  perm 0,3,1,2               (N, 1, 28, 28)   ONNX's Conv is NCHW
//   Conv C1    5x5, pads 2,2,2,2 (same)   (N, 6, 28, 28)   then Relu
//   MaxPool    2x2, strides 2             (N, 6, 14, 14)
//   Conv C3    5x5, no padding (valid)    (N, 16, 10, 10)  then Relu
//   MaxPool    2x2, strides 2             (N, 16, 5, 5)
//   Transpose  perm 0,2,3,1               (N, 5, 5, 16)    back to NHWC, so that
//   Flatten    axis 1                     (N, 400)         the order is Keras's
//   Gemm F5, Relu; Gemm F6, Relu; Gemm F7 (N, 120), (N, 84), (N, 10)
//   Softmax    axis 1                     (N, 10)  "probabilities"
// The initialisers carry Keras's names (conv2d/kernel, ..., dense_2/bias);
// conv kernels are stored transposed from (kh, kw, c_prev, c_new) to ONNX's
// (c_new, c_prev, kh, kw), dense kernels stay (n_in, n_out) (Gemm's B).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nn/tensor.hpp"

namespace tools::io {

/// The ONNX operator set the export targets.
constexpr int kOnnxOpset = 13;
/// The ONNX IR version of opset 13's release (ONNX 1.8).
constexpr int kOnnxIrVersion = 7;

/// Appends protocol buffer fields to a byte string.
class ProtoWriter {
public:
    /// A varint field (wire type 0): int32, int64, enum.
    /// @param field the field number
    /// @param value the value; negative values take ten bytes, as protobuf's int64
    void integer(int field, std::int64_t value);
    /// A length-delimited field (wire type 2): a string, bytes or a nested message.
    /// @param field the field number
    /// @param bytes the contents
    void bytes(int field, const std::string& bytes);
    /// A packed repeated int64 field (wire type 2 holding varints).
    /// @param field  the field number
    /// @param values the values
    void packed_integers(int field, const std::vector<std::int64_t>& values);
    /// @return everything written so far
    const std::string& str() const { return out_; }

private:
    void varint(std::uint64_t value);
    std::string out_;
};

/// The course LeNet-5 (lenet/lenet5.hpp) with @p weights as an ONNX model.
/// @param weights the ten tensors of keras::Sequential::get_weights() for
///        lenet5: conv2d kernel (5,5,1,6) and bias (6), conv2d_1 (5,5,6,16)
///        and (16), dense (400,120) and (120), dense_1 (120,84) and (84),
///        dense_2 (84,10) and (10)
/// @return the model file's bytes
/// @throws std::invalid_argument naming the first tensor whose shape is not
///         the one above (or the count, if it is not ten).
std::string encode_lenet5_onnx(const std::vector<nn::Tensor>& weights);

/// Writes encode_lenet5_onnx(@p weights) to @p path atomically.
/// @param path    the .onnx file to write
/// @param weights as encode_lenet5_onnx
/// @throws std::invalid_argument as encode_lenet5_onnx
/// @throws std::runtime_error naming @p path when it cannot be written
void write_lenet5_onnx(const std::string& path, const std::vector<nn::Tensor>& weights);

}  // namespace tools::io
