// Training for the post's experiments, on the Keras-style front-end: a
// local-response-normalisation layer (the front-end has none), and a loop
// over train_on_batch that records the training error several times per
// epoch, which Keras's fit (once per epoch) cannot.
//
//   each epoch:  optimizer = schedule[epoch] (if a schedule is given)
//                order = a seeded shuffle of 0..n-1
//                per batch: error += (1 - accuracy before the step) * batch size
//                per chunk (1/chunks_per_epoch of the batches): one point, error / images in the chunk
//   at the end:  val_error = 1 - evaluate(x_val, y_val).accuracy
#include <chrono>
#include <cmath>
#include <iostream>
#include <numeric>

#include "nn/batch.hpp"
#include "nn/errors.hpp"
#include "nn/rng.hpp"
#include "tools/figures/figures.hpp"

namespace tools::figures {

std::unique_ptr<keras::Layer> LocalResponseNormalization::clone() const {
    return std::make_unique<LocalResponseNormalization>(config_);
}

void LocalResponseNormalization::build(const nn::Shape& input_shape, nn::Rng&) {
    nn::require(input_shape.size() == 3, "LocalResponseNormalization",
                "needs an input of (h, w, c), got " + keras::batch_shape_str(input_shape));
    // A one-pixel forward checks the constants now rather than at the first batch.
    nn::lrn_forward(nn::Tensor({1, 1, 1, input_shape[2]}), config_);
    output_shape_ = input_shape;
}

nn::Tensor LocalResponseNormalization::forward(const nn::Tensor& A_prev, bool, nn::Context&, nn::Rng&) {
    return nn::lrn_forward(A_prev, config_);
}

nn::Tensor LocalResponseNormalization::backward(const nn::Tensor& dA, const nn::Tensor& A_prev, const nn::Tensor&,
                                                 nn::Context&) {
    return nn::lrn_backward(dA, A_prev, config_);
}

TrainResult train(keras::Sequential& model, const Dataset& data, const TrainSpec& spec, const FigureOptions& options) {
    auto start = std::chrono::steady_clock::now();
    const std::size_t n = static_cast<std::size_t>(data.x_train.dim(0));
    const std::size_t batch = static_cast<std::size_t>(spec.batch_size);
    const std::size_t steps = (n + batch - 1) / batch;
    nn::Rng order_rng(spec.seed);
    std::vector<std::size_t> order(n);
    TrainResult result;
    for (int epoch = 0; epoch < spec.epochs; ++epoch) {
        if (!spec.schedule.empty()) {
            std::size_t k = std::min(static_cast<std::size_t>(epoch), spec.schedule.size() - 1);
            if (epoch == 0 || k != std::min(static_cast<std::size_t>(epoch - 1), spec.schedule.size() - 1)) {
                model.compile(spec.schedule[k], "categorical_crossentropy", {"accuracy"});
            }
        }
        std::iota(order.begin(), order.end(), std::size_t{0});
        order_rng.shuffle(order);
        double wrong = 0.0, seen = 0.0;
        int chunk = 0;
        for (std::size_t step = 0; step < steps; ++step) {
            std::size_t begin = step * batch, end = std::min(n, begin + batch);
            keras::Evaluation e = model.train_on_batch(nn::gather_samples(data.x_train, order, begin, end),
                                                       nn::gather_samples(data.y_train, order, begin, end));
            wrong += (1.0 - e.accuracy) * static_cast<double>(end - begin);
            seen += static_cast<double>(end - begin);
            // Chunk k of this epoch ends after round((k + 1) * steps / chunks) steps.
            std::size_t chunk_end = static_cast<std::size_t>(
                std::llround(static_cast<double>(chunk + 1) * static_cast<double>(steps) / spec.chunks_per_epoch));
            if (step + 1 == chunk_end || step + 1 == steps) {
                result.epochs.push_back(epoch + static_cast<double>(step + 1) / static_cast<double>(steps));
                result.train_error.push_back(100.0 * wrong / seen);
                wrong = seen = 0.0;
                ++chunk;
            }
        }
    }
    keras::Evaluation val = model.evaluate(data.x_val, data.y_val, 256);
    result.val_error = 100.0 * (1.0 - val.accuracy);
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (options.verbose) {
        std::cerr << "figures: trained " << spec.label << " (" << n << " images x " << spec.epochs << " epochs) in "
                  << std::round(result.seconds * 10) / 10 << " s, validation error " << result.val_error << "%\n";
    }
    return result;
}

double epochs_to_reach(const std::vector<double>& epochs, const std::vector<double>& error, double level) {
    for (std::size_t k = 0; k < error.size() && k < epochs.size(); ++k) {
        if (error[k] > level) continue;
        if (k == 0) return epochs[0];
        // Straight line between the last point above the level and this one.
        double t = (error[k - 1] - level) / (error[k - 1] - error[k]);
        return epochs[k - 1] + t * (epochs[k] - epochs[k - 1]);
    }
    return -1.0;
}

}  // namespace tools::figures
