// `plaincnn train --api tf1`: the course's task-4 main program in C++.
//
//   x = placeholder((None, 28, 28, 1)); y = placeholder((None, 10))
//   y_pred, train_op, loss, accuracy = lenet5(x, y)        (graph seed = --seed)
//   sess.run(global_variables_initializer())
//   for epoch in 0..epochs:
//       print "After <epoch> epochs: <cost> cost, <accuracy> accuracy,
//              <valid cost> validation cost, <valid accuracy> validation accuracy"
//       (full training and validation sets, in chunks of 1,000 images whose
//        means are weighted by chunk size: the same means, a fraction of the memory)
//       if epoch < epochs: shuffle 0..m-1 with Rng(seed + 1), run train_op on
//       every mini-batch of that order (the last, partial one included)
//   print softmax(X_valid[0]) and "<label> : <prediction>"
//   print "Test accuracy: <accuracy>"        (the accuracy op on the 10,000 t10k images)
//   saver.save(sess, FILE.npz)                (--save: tf.train.Saver, one .npz)
// --plot draws the log's numbers per epoch. Seconds per epoch go to stderr
// so that stdout is the course's log. The output paths were checked by
// cmd_train before any data was read.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <iostream>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "lenet/lenet5.hpp"
#include "lenet/tf1/saver.hpp"
#include "lenet/tf1/session.hpp"
#include "nn/batch.hpp"
#include "nn/rng.hpp"
#include "tools/commands.hpp"
#include "tools/history_plot.hpp"
#include "tools/io/idx.hpp"

namespace tools {

namespace {

struct Metrics {
    double cost = 0.0;
    double accuracy = 0.0;
};

// Mean loss and accuracy over all of X, Y, evaluated @p chunk images at a time.
Metrics evaluate(tf1::Session& sess, const tf1::LeNet5& net, const tf1::Tensor& x, const tf1::Tensor& y,
                 const nn::Tensor& X, const nn::Tensor& Y, int chunk = 1000) {
    const std::size_t m = static_cast<std::size_t>(X.dim(0));
    std::vector<std::size_t> all(m);
    std::iota(all.begin(), all.end(), std::size_t{0});
    Metrics sum;
    for (std::size_t begin = 0; begin < m; begin += static_cast<std::size_t>(chunk)) {
        const std::size_t end = std::min(m, begin + static_cast<std::size_t>(chunk));
        const nn::Tensor X_chunk = nn::gather_samples(X, all, begin, end);
        const nn::Tensor Y_chunk = nn::gather_samples(Y, all, begin, end);
        const std::vector<nn::Tensor> out = sess.run({net.loss, net.accuracy}, {{x, X_chunk}, {y, Y_chunk}});
        const double weight = static_cast<double>(end - begin);  // chunk means weighted by chunk size
        sum.cost += weight * out[0].data[0];
        sum.accuracy += weight * out[1].data[0];
    }
    return {sum.cost / static_cast<double>(m), sum.accuracy / static_cast<double>(m)};
}

}  // namespace

int train_tf1(const TrainOptions& options) {
    const io::Mnist mnist = io::load_mnist(options.data);
    const nn::Tensor& X_train = mnist.train.x;
    const nn::Tensor& X_valid = mnist.validation.x;
    const nn::Tensor Y_train = io::one_hot(mnist.train.labels);
    const nn::Tensor Y_valid = io::one_hot(mnist.validation.labels);

    tf1::Graph graph;
    graph.set_random_seed(options.seed);
    const tf1::Tensor x = tf1::placeholder(graph, {-1, 28, 28, 1}, "x");
    const tf1::Tensor y = tf1::placeholder(graph, {-1, 10}, "y");
    const tf1::LeNet5 net = tf1::lenet5(x, y);
    const tf1::Operation init = tf1::global_variables_initializer(graph);
    const tf1::Saver saver(graph);

    tf1::SessionConfig config;
    config.intra_op_parallelism_threads = options.threads;
    config.reference_passes = options.reference;
    tf1::Session sess(graph, config);
    sess.run(init);

    nn::Rng shuffle_rng(options.seed + 1);
    const std::size_t m = static_cast<std::size_t>(X_train.dim(0));
    const std::size_t batch = static_cast<std::size_t>(options.batch_size);
    std::cout.precision(7);  // the float values' own precision: 0.981, not 0.98099999
    TrainingCurves curves;   // the log's numbers, for --plot
    for (int epoch = 0;; ++epoch) {
        const Metrics train = evaluate(sess, net, x, y, X_train, Y_train);
        const Metrics valid = evaluate(sess, net, x, y, X_valid, Y_valid);
        curves.epoch.push_back(epoch);
        curves.loss.push_back(train.cost);
        curves.accuracy.push_back(train.accuracy);
        curves.val_loss.push_back(valid.cost);
        curves.val_accuracy.push_back(valid.accuracy);
        std::cout << "After " << epoch << " epochs: " << train.cost << " cost, " << train.accuracy << " accuracy, "
                  << valid.cost << " validation cost, " << valid.accuracy << " validation accuracy" << std::endl;
        if (epoch == options.epochs) break;

        const auto start = std::chrono::steady_clock::now();
        const std::clock_t cpu_start = std::clock();  // CPU time of all threads: honest on a shared machine
        std::vector<std::size_t> order(m);
        std::iota(order.begin(), order.end(), std::size_t{0});
        shuffle_rng.shuffle(order);
        for (std::size_t begin = 0; begin < m; begin += batch) {
            const std::size_t end = std::min(m, begin + batch);
            sess.run(net.train_op,
                     {{x, nn::gather_samples(X_train, order, begin, end)}, {y, nn::gather_samples(Y_train, order, begin, end)}});
        }
        const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
        const double cpu = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
        std::cerr << "epoch " << epoch + 1 << " trained in " << took.count() << " s (CPU " << cpu << " s)" << std::endl;
    }

    const nn::Tensor first = nn::gather_samples(X_valid, {0}, 0, 1);
    const nn::Tensor p = sess.run(net.y_pred, {{x, first}});
    std::cout.precision(6);
    std::cout << "[";
    for (std::size_t j = 0; j < p.size(); ++j) std::cout << (j ? " " : "") << p.data[j];
    std::cout << "]\n";
    const auto prediction = std::max_element(p.data.begin(), p.data.end()) - p.data.begin();
    std::cout << static_cast<int>(mnist.validation.labels.at(0)) << " : " << prediction << "\n";

    const Metrics test = evaluate(sess, net, x, y, mnist.test.x, io::one_hot(mnist.test.labels));
    std::cout.precision(7);
    std::cout << "Test accuracy: " << test.accuracy << std::endl;

    if (!options.save.empty()) {
        std::cout << "Model saved in path: " << saver.save(sess, options.save) << "\n";
    }
    if (!options.plot.empty()) {
        curves.title = "LeNet-5 on MNIST, TF1-style front-end";
        write_training_plot(options.plot, curves);
        std::cout << "training curves drawn to " << options.plot << "\n";
    }
    return 0;
}

}  // namespace tools
