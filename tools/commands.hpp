// The subcommands of the plaincnn program. Each takes the arguments after its
// own name, writes to stdout, and throws on bad input (main turns any
// exception into one stderr line and exit status 2).
#pragma once

#include <string>
#include <vector>

namespace tools {

/// The arguments after the subcommand's name.
using Args = std::vector<std::string>;

/// `plaincnn pass conv_forward|pool_forward|conv_backward|pool_backward ...`
/// @param args the pass name, then its flags
/// @return the exit status: 0 on success
int cmd_pass(const Args& args);
/// `plaincnn train --api tf1|keras ...`
/// @param args the flags of `plaincnn train`
/// @return the exit status: 0 on success
int cmd_train(const Args& args);
/// `plaincnn bench ...`
/// @param args the flags of `plaincnn bench`
/// @return the exit status: 0 on success
int cmd_bench(const Args& args);
/// `plaincnn figures ...`
/// @param args the action (or "check" and the files to check), then its flags
/// @return the exit status: 0 on success, 2 when no arguments were given
int cmd_figures(const Args& args);

/// `plaincnn predict --weights FILE IMAGE...`
/// @param args the flags and the image files
/// @return the exit status: 0 on success
int cmd_predict(const Args& args);
/// `plaincnn export --weights FILE --onnx lenet5.onnx`
/// @param args the flags of `plaincnn export`
/// @return the exit status: 0 on success
int cmd_export(const Args& args);

/// Options of `plaincnn train`, parsed by cmd_train.
struct TrainOptions {
    std::string api = "tf1";          ///< "tf1" or "keras"
    int epochs = 5;                   ///< passes over the 50,000 training images
    int batch_size = 32;              ///< mini-batch size
    unsigned long long seed = 0;      ///< seeds initialisation and shuffling
    std::string data = "data/mnist";  ///< folder with the four MNIST IDX files
    std::string save;                 ///< weights file to write at the end ("" = none)
    int threads = 0;                  ///< 0 = all cores
    bool reference = false;           ///< train on the plain reference passes (one thread)
};

/// Trains LeNet-5 on the TF1-style front-end (course task 4) with the course's log.
/// @param options the parsed flags of `plaincnn train`
/// @return the exit status: 0 on success
int train_tf1(const TrainOptions& options);
/// Trains LeNet-5 on the Keras-style front-end (course task 5) with the course's log.
/// @param options the parsed flags of `plaincnn train`
/// @return the exit status: 0 on success
int train_keras(const TrainOptions& options);

}  // namespace tools
