// `plaincnn train --api keras`: the course's task-5 main program in C++.
//
//   X = Input((28, 28, 1)); model = lenet5(X)             (compiled: Adam, cross-entropy, accuracy)
//   model.summary()
//   history = model.fit(X_train, Y_train, batch_size, epochs, validation_data=(X_valid, Y_valid))
//   print(label[0], ":", argmax(model.predict(X_valid[0])))
//   model.evaluate(X_test, Y_test)                         (the 10,000 t10k images)
//   model.save_weights(FILE.npz)                           (--save)
//   plot history.history                                   (--plot)
// The progress line is redrawn in place when stdout is a terminal (isatty),
// one line per epoch otherwise. The output paths were checked by cmd_train
// before any data was read.
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <vector>

#include "lenet/lenet5.hpp"
#include "nn/batch.hpp"
#include "tools/commands.hpp"
#include "tools/history_plot.hpp"
#include "tools/io/idx.hpp"

namespace tools {

int train_keras(const TrainOptions& options) {
    const io::Mnist mnist = io::load_mnist(options.data);
    const nn::Tensor Y_train = io::one_hot(mnist.train.labels);
    const nn::Tensor Y_valid = io::one_hot(mnist.validation.labels);

    keras::Input X({28, 28, 1});
    keras::Sequential model = keras::lenet5(X, options.seed);
    model.set_threads(options.threads);
    if (options.reference) model.set_passes(nn::Passes::reference);
    model.summary(std::cout);

    const keras::Console console(std::cout, isatty(STDOUT_FILENO) == 1);
    const keras::History history = model.fit(mnist.train.x, Y_train, options.batch_size, options.epochs, 1, true,
                                             {mnist.validation.x, Y_valid}, console);

    const nn::Tensor first = nn::gather_samples(mnist.validation.x, {0}, 0, 1);
    const nn::Tensor y_pred = model.predict(first);
    const auto prediction = std::max_element(y_pred.data.begin(), y_pred.data.end()) - y_pred.data.begin();
    std::cout << static_cast<int>(mnist.validation.labels.at(0)) << " : " << prediction << "\n";

    print_evaluate(model, mnist.test.x, io::one_hot(mnist.test.labels), options.batch_size, std::cout);

    if (!options.save.empty()) {
        model.save_weights(options.save);
        std::cout << "weights saved to " << options.save << "\n";
    }
    if (!options.plot.empty()) {
        TrainingCurves curves;
        curves.title = "LeNet-5 on MNIST, Keras-style front-end";
        for (int e : history.epoch) curves.epoch.push_back(e + 1);  // Keras's epochs count from 1 in its log
        curves.loss = history["loss"];
        curves.accuracy = history["accuracy"];
        curves.val_loss = history["val_loss"];
        curves.val_accuracy = history["val_accuracy"];
        write_training_plot(options.plot, curves);
        std::cout << "training curves drawn to " << options.plot << "\n";
    }
    return 0;
}

}  // namespace tools
