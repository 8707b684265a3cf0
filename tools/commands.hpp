// The subcommands of the plaincnn program. Each takes the arguments after its
// own name, writes to stdout, and throws on bad input (main turns any
// exception into one stderr line and exit status 2).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "lenet/keras/model.hpp"
#include "nn/tensor.hpp"

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
/// `plaincnn evaluate --weights FILE [--data DIR] [--batch-size N]`: the
/// course LeNet-5 with the weights of FILE, on the 10,000 t10k test images.
/// @param args the flags of `plaincnn evaluate`
/// @return the exit status: 0 on success
int cmd_evaluate(const Args& args);
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
    std::string save;                 ///< weights file (.npz) to write at the end ("" = none)
    std::string plot;                 ///< SVG of the per-epoch loss and accuracy to write at the end ("" = none)
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

/// model.evaluate(x, y, batch_size) as Keras prints it with verbose=1: the
/// finished progress bar over the batches, the time, loss and accuracy, e.g.
/// "313/313 [==============================] - 1s 3ms/step - loss: 0.0421 - accuracy: 0.9866".
/// @param model      a compiled model
/// @param x          the images, (n, 28, 28, 1)
/// @param y          one-hot labels, (n, 10)
/// @param batch_size images per forward pass, positive
/// @param out        where the line goes
/// @return the loss and accuracy
/// @throws std::invalid_argument as keras::Sequential::evaluate
keras::Evaluation print_evaluate(keras::Sequential& model, const nn::Tensor& x, const nn::Tensor& y, int batch_size,
                                 std::ostream& out);

}  // namespace tools
