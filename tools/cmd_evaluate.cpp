// `plaincnn evaluate --weights FILE`: the course's last step after training,
//
//   model = lenet5(Input((28, 28, 1)))
//   model.load_weights(FILE)
//   model.evaluate(X_test, Y_test)      -> one progress line, loss and accuracy
//
// on the 10,000 t10k images, which training never sees. FILE is the .npz
// that `plaincnn train --save` writes with either front-end.
#include <chrono>
#include <climits>
#include <cmath>
#include <iostream>
#include <vector>

#include "lenet/lenet5.hpp"
#include "tools/args.hpp"
#include "tools/commands.hpp"
#include "tools/io/idx.hpp"
#include "tools/threads.hpp"

namespace tools {

keras::Evaluation print_evaluate(keras::Sequential& model, const nn::Tensor& x, const nn::Tensor& y, int batch_size,
                                 std::ostream& out) {
    const auto start = std::chrono::steady_clock::now();
    const keras::Evaluation e = model.evaluate(x, y, batch_size);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    const int n = x.dim(0);
    const int steps = n / batch_size + (n % batch_size != 0);  // the last, partial batch counts
    out << keras::progress_line(steps, steps, took.count(), true, {{"loss", e.loss}, {"accuracy", e.accuracy}})
        << std::endl;
    return e;
}

int cmd_evaluate(const Args& args) {
    const std::vector<Flag> known = {
        {"weights", "FILE", "the .npz written by plaincnn train --save (either --api)", true},
        {"data", "DIR", "folder with the four MNIST IDX files (default data/mnist)", false},
        {"batch-size", "N", "images per forward pass, 1 or more (default 32, as Keras)", false},
        {"threads", "N", "worker threads, 0 for all cores (default 0)", false},
    };
    Flags flags(args, known);
    if (flags.help()) {
        std::cout << format_help("usage: plaincnn evaluate --weights FILE [--data DIR] [--batch-size N] [--threads N]\n"
                                 "Loads the weights into the course LeNet-5 and prints its loss and accuracy on the\n"
                                 "10,000 MNIST test images (t10k), as Keras's model.evaluate does.",
                                 known);
        return 0;
    }
    const std::string weights = flags.text("weights");
    const std::string data = flags.text("data", "data/mnist");
    const int batch_size = flags.integer("batch-size", 32, 1, INT_MAX);
    const int threads = capped_threads(flags.integer("threads", 0, 0, INT_MAX), "evaluate", std::cerr);

    keras::Sequential model = keras::lenet5(keras::Input({28, 28, 1}));
    model.set_threads(threads);
    model.load_weights(weights);  // before the data: a wrong file is refused at once
    const io::Mnist mnist = io::load_mnist(data);
    print_evaluate(model, mnist.test.x, io::one_hot(mnist.test.labels), batch_size, std::cout);
    return 0;
}

}  // namespace tools
