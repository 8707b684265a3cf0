// `plaincnn export --weights FILE --onnx lenet5.onnx`: the trained course
// LeNet-5 as an ONNX model (tools/io/onnx.hpp), for Netron, ONNX Runtime,
// PyTorch or TensorFlow. The weights are loaded into the Keras-style
// lenet5 first, so a file of another architecture is refused by name before
// anything is written; the model file is written atomically.
#include <iostream>
#include <string>

#include "lenet/lenet5.hpp"
#include "tools/args.hpp"
#include "tools/commands.hpp"
#include "tools/io/onnx.hpp"

namespace tools {

int cmd_export(const Args& args) {
    const std::vector<Flag> known = {
        {"weights", "FILE", "LeNet-5 weights written by plaincnn train --save", true},
        {"onnx", "FILE", "the ONNX model to write, e.g. lenet5.onnx", true},
    };
    Flags flags(args, known);
    if (flags.help()) {
        std::cout << format_help(
            "usage: plaincnn export --weights FILE --onnx lenet5.onnx\n"
            "Writes the course LeNet-5 with these weights as an ONNX model (opset 13): input\n"
            "\"input\" (N, 28, 28, 1) float, NHWC as plaincnn takes it; output \"probabilities\"\n"
            "(N, 10) after a softmax.",
            known);
        return 0;
    }
    keras::Input X({28, 28, 1});
    keras::Sequential model = keras::lenet5(X);
    model.load_weights(flags.text("weights"));
    const std::string path = flags.text("onnx");
    io::write_lenet5_onnx(path, model.get_weights());
    std::cout << "wrote " << path << ": LeNet-5, ONNX opset " << io::kOnnxOpset
              << ", input (N, 28, 28, 1) float, output probabilities (N, 10)\n";
    return 0;
}

}  // namespace tools
