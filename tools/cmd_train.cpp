// `plaincnn train`: parses the training options into tools::TrainOptions,
// checks them, and hands over to the TF1-style (course task 4) or the
// Keras-style (course task 5) LeNet-5 trainer.
#include <climits>
#include <iostream>
#include <stdexcept>
#include <vector>

#include "tools/args.hpp"
#include "tools/commands.hpp"
#include "tools/history_plot.hpp"
#include "tools/threads.hpp"

namespace tools {

int cmd_train(const Args& args) {
    const TrainOptions defaults;
    const std::vector<Flag> known = {
        {"api", "tf1|keras", "which front-end builds and trains LeNet-5 (default " + defaults.api + ")", false},
        {"epochs", "N", "passes over the training images, 0 or more (default " + std::to_string(defaults.epochs) + ")",
         false},
        {"batch-size", "B", "images per mini-batch, 1 or more (default " + std::to_string(defaults.batch_size) + ")",
         false},
        {"seed", "S", "seeds initialisation and shuffling (default " + std::to_string(defaults.seed) + ")", false},
        {"data", "DIR", "folder with the four MNIST IDX files (default " + defaults.data + ")", false},
        {"save", "FILE.npz", "write the trained weights here (default: not saved): one .npz, an entry per "
                              "variable (conv2d/kernel, ...), the same file for both --api", false},
        {"plot", "FILE.svg", "draw the loss and accuracy of every epoch, training and validation (default: none)",
         false},
        {"threads", "N", "worker threads, 0 for all cores (default " + std::to_string(defaults.threads) + ")", false},
        {"reference", "", "train on the plain reference passes (nn/conv_forward.cpp and friends, one thread): "
                          "the same numbers up to float rounding, many times slower", false},
    };
    Flags flags(args, known);
    if (flags.help()) {
        std::cout << format_help("usage: plaincnn train --api tf1|keras [--epochs N] [--batch-size B] [--seed S]\n"
                                 "                      [--data DIR] [--save FILE.npz] [--plot FILE.svg] [--threads N]\n"
                                 "                      [--reference]\n"
                                 "Trains LeNet-5 on MNIST, prints the loss and accuracy of every epoch, then the\n"
                                 "accuracy on the 10,000 test images.",
                                 known);
        return 0;
    }
    TrainOptions options;
    options.api = flags.choice("api", {"tf1", "keras"}, defaults.api);
    options.epochs = flags.integer("epochs", defaults.epochs, 0, INT_MAX);
    options.batch_size = flags.integer("batch-size", defaults.batch_size, 1, INT_MAX);
    options.seed = flags.unsigned_integer("seed", defaults.seed);
    options.data = flags.text("data", defaults.data);
    options.save = flags.text("save", defaults.save);
    options.threads = capped_threads(flags.integer("threads", defaults.threads, 0, INT_MAX), "train", std::cerr);
    options.reference = flags.has("reference");
    options.plot = flags.text("plot", defaults.plot);
    // Both output paths are checked before any data is read or trained on.
    if (!options.save.empty()) check_output_path("--save", options.save);
    if (!options.plot.empty()) check_output_path("--plot", options.plot);
    if (!options.plot.empty() && options.epochs == 0 && options.api == "keras")
        throw std::invalid_argument("--plot: --epochs 0 gives no epoch to draw; train at least one");
    return options.api == "keras" ? train_keras(options) : train_tf1(options);
}

}  // namespace tools
