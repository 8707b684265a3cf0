// `plaincnn train --api keras`: the course's task-5 main program in C++.
//
//   X = Input((28, 28, 1)); model = lenet5(X)             (compiled: Adam, cross-entropy, accuracy)
//   model.summary()
//   model.fit(X_train, Y_train, batch_size, epochs, validation_data=(X_valid, Y_valid))
//   print(label[0], ":", argmax(model.predict(X_valid[0])))
// The progress line is redrawn in place when stdout is a terminal (isatty),
// one line per epoch otherwise.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <vector>

#include "lenet/lenet5.hpp"
#include "nn/batch.hpp"
#include "tools/commands.hpp"
#include "tools/io/idx.hpp"

namespace tools {

namespace {

// Refuses a --save path whose folder does not exist, before any training, so
// a typo does not cost a whole run (the weights file itself is written
// atomically at the end).
void check_save_path(const std::string& path) {
    const std::filesystem::path folder = std::filesystem::path(path).parent_path();
    if (std::filesystem::is_directory(path))
        throw std::runtime_error("--save: '" + path + "' is a folder; give a file name for the weights");
    if (!folder.empty() && !std::filesystem::is_directory(folder))
        throw std::runtime_error("--save: folder '" + folder.string() + "' does not exist");
}

}  // namespace

int train_keras(const TrainOptions& options) {
    if (!options.save.empty()) check_save_path(options.save);
    const io::Mnist mnist = io::load_mnist(options.data);
    const nn::Tensor Y_train = io::one_hot(mnist.train.labels);
    const nn::Tensor Y_valid = io::one_hot(mnist.validation.labels);

    keras::Input X({28, 28, 1});
    keras::Sequential model = keras::lenet5(X, options.seed);
    model.set_threads(options.threads);
    if (options.reference) model.set_passes(nn::Passes::reference);
    model.summary(std::cout);

    const keras::Console console(std::cout, isatty(STDOUT_FILENO) == 1);
    model.fit(mnist.train.x, Y_train, options.batch_size, options.epochs, 1, true, {mnist.validation.x, Y_valid},
              console);

    const nn::Tensor first = nn::gather_samples(mnist.validation.x, {0}, 0, 1);
    const nn::Tensor y_pred = model.predict(first);
    const auto prediction = std::max_element(y_pred.data.begin(), y_pred.data.end()) - y_pred.data.begin();
    std::cout << static_cast<int>(mnist.validation.labels.at(0)) << " : " << prediction << "\n";

    if (!options.save.empty()) {
        model.save_weights(options.save);
        std::cout << "weights saved to " << options.save << "\n";
    }
    return 0;
}

}  // namespace tools
