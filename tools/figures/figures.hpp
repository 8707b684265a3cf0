// The experiments and figures behind the AlexNet post (`plaincnn figures`).
//
// Each figure is one function that writes, into FigureOptions::out,
//   figures/<name>.svg         the figure for the web page
//   numbers/<name>.yaml        the numbers the prose quotes, as "key: 'text'" lines
//   examples/<name>.md         (examples only) code next to what it prints
// Trained experiments are seeded, so a run is a function of its parameters;
// their results are cached in FigureOptions::cache under a key made from
// every parameter, and a later run with the same parameters reads the cache
// instead of training again. --quick swaps MNIST for a small synthetic data
// set and shrinks every run, for the tests.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "lenet/keras/layers.hpp"
#include "lenet/keras/model.hpp"
#include "nn/lrn.hpp"
#include "nn/tensor.hpp"

namespace tools::figures {

/// Options shared by every figure.
struct FigureOptions {
    std::string out = "build/post/generated";          ///< where figures/, numbers/, examples/ go
    std::string cache = "build/post-cache";            ///< cached experiment results
    std::string data = "data/mnist";                   ///< folder with the four MNIST IDX files
    std::string source = "tools/figures/examples.cpp"; ///< where the example snippets are read from
    bool quick = false;                                ///< tiny runs on synthetic data (tests)
    bool verbose = true;                               ///< one progress line per training run on stderr
    /// The build that computes the results, part of every cache key, so that
    /// changed code does not read an older build's numbers ("" = left out).
    std::string code_version;
};

/// A fingerprint of the running program: FNV-1a 64 of the executable file
/// (/proc/self/exe), as 16 hex digits; "unknown" where it cannot be read.
/// Any change to the code or the compiler flags changes it.
/// @return the fingerprint, computed once per process
std::string this_build();

/// The numbers a figure contributes to the post, in order: key, text.
using Numbers = std::vector<std::pair<std::string, std::string>>;

/// Named series of doubles: what a cached experiment stores.
using Record = std::map<std::string, std::vector<double>>;

/// Training and validation images with one-hot labels.
struct Dataset {
    nn::Tensor x_train;              ///< (n_train, 28, 28, 1) in [0, 1]
    nn::Tensor y_train;              ///< (n_train, 10) one-hot
    nn::Tensor x_val;                ///< (n_val, 28, 28, 1)
    nn::Tensor y_val;                ///< (n_val, 10) one-hot
};

/// Names the data a run would load, for cache keys, without loading it.
/// @param options  quick selects the synthetic set, data the MNIST folder
/// @param n_train  training images the run uses
/// @param n_val    validation images the run uses
/// @return e.g. "mnist:data/mnist train=20000 val=2000"
std::string dataset_id(const FigureOptions& options, int n_train, int n_val);

/// The first @p n_train images of the course's training split and the first
/// @p n_val of its validation split, from options.data; with options.quick,
/// a synthetic set of that size instead (ten classes of noisy bar patterns).
/// @param options  where the data is, and whether to use the synthetic set
/// @param n_train  training images wanted
/// @param n_val    validation images wanted
/// @return the images with one-hot labels
/// @throws std::runtime_error naming the file when MNIST cannot be read, or
///         when a split has fewer images than asked for.
Dataset load_dataset(const FigureOptions& options, int n_train, int n_val);

/// Writes @p text to @p path atomically, creating the parent folders first.
/// @param path  the file to write
/// @param text  its complete contents
/// @throws std::runtime_error naming the path on failure.
void write_output(const std::string& path, const std::string& text);

/// Writes numbers/NAME.yaml in options.out (single-quoted YAML strings).
/// @param options  gives the output folder
/// @param name     the figure's name, NAME
/// @param numbers  the keys and texts, in order
void write_numbers(const FigureOptions& options, const std::string& name, const Numbers& numbers);

/// Writes figures/NAME.svg in options.out after checking it is well-formed.
/// @param options  gives the output folder
/// @param name     the figure's name, NAME
/// @param svg      the document (see tools/io/svg.hpp)
void write_svg(const FigureOptions& options, const std::string& name, const std::string& svg);

/// Looks up a cached record of @p experiment with parameters @p params.
/// @param options     gives the cache folder and the code version
/// @param experiment  the experiment's name, the start of the file name
/// @param params      every parameter of the run, one string; hashed into the file name
/// @param record      filled when found
/// @return true if a cache file with exactly these parameters was read
bool read_cache(const FigureOptions& options, const std::string& experiment, const std::string& params,
                Record& record);

/// Stores @p record as the result of @p experiment with @p params (atomically).
/// @param options     gives the cache folder and the code version
/// @param experiment  the experiment's name
/// @param params      every parameter of the run, as given to read_cache
/// @param record      the results
void write_cache(const FigureOptions& options, const std::string& experiment, const std::string& params,
                 const Record& record);

/// A Keras-style layer for local response normalisation (nn::lrn_forward and
/// nn::lrn_backward); the Keras-style front-end has none, and the post's
/// ablation needs one. No weights; the output has the input's shape.
class LocalResponseNormalization : public keras::Layer {
public:
    /// @param config k, n, alpha, beta (the paper's by default)
    explicit LocalResponseNormalization(nn::LrnConfig config = {}) : config_(config) {}
    // The overrides inherit keras::Layer's documentation. build() needs an
    // (h, w, c) input; forward() is nn::lrn_forward in training and inference
    // alike; backward() is nn::lrn_backward.
    std::string class_name() const override { return "LocalResponseNormalization"; }
    std::string base_name() const override { return "lrn"; }
    std::unique_ptr<keras::Layer> clone() const override;
    void build(const nn::Shape& input_shape, nn::Rng& model_rng) override;
    nn::Tensor forward(const nn::Tensor& A_prev, bool training, nn::Context& ctx, nn::Rng& rng) override;
    nn::Tensor backward(const nn::Tensor& dA, const nn::Tensor& A_prev, const nn::Tensor& A,
                        nn::Context& ctx) override;

private:
    nn::LrnConfig config_;
};

/// How a model is trained for a figure.
struct TrainSpec {
    int epochs = 1;               ///< passes over the training images
    int batch_size = 32;          ///< images per step
    int chunks_per_epoch = 1;     ///< training-error points recorded per epoch
    std::uint64_t seed = 0;       ///< seeds the order of the images
    std::string label;            ///< names the run in progress lines
    /// Optimizer per epoch (the last one repeats): when set, the model is
    /// compiled with schedule[0] before the first epoch and again whenever the
    /// entry changes, which starts a fresh optimizer state (a learning-rate
    /// drop as in the paper). Empty: the model's own compile() is kept.
    std::vector<keras::Optimizer> schedule = {};
};

/// What a training run records.
struct TrainResult {
    std::vector<double> epochs;       ///< x of each point: epochs done (fractional) at the end of its chunk
    std::vector<double> train_error;  ///< per chunk, % of its images misclassified before their step
    double val_error = 0.0;           ///< % of validation images misclassified after training
    double seconds = 0.0;             ///< wall time (progress line only, never in the post)
};

/// Trains a compiled @p model on data.x_train with train_on_batch in a
/// seeded shuffled order, then evaluates it on data.x_val.
/// @param model    a compiled model (or any model, when spec.schedule is set)
/// @param data     training and validation images
/// @param spec     epochs, batch size, points per epoch, seed, schedule
/// @param options  verbose: one progress line on stderr at the end
/// @return the training-error curve and the final validation error
TrainResult train(keras::Sequential& model, const Dataset& data, const TrainSpec& spec, const FigureOptions& options);

/// Epochs a curve needs to fall to @p level: the first point at or below it,
/// linearly interpolated from the point before.
/// @param epochs  x of each point
/// @param error   y of each point, the same length
/// @param level   the level to reach
/// @return the interpolated epoch, or a negative value if the curve never gets there
double epochs_to_reach(const std::vector<double>& epochs, const std::vector<double>& error, double level);

/// An integer with thousands separators, as the prose prints them.
/// @param value  e.g. 1234567
/// @return e.g. "1,234,567"
std::string grouped(long long value);

/// The AlexNet block diagram at the top of the post, drawn twice (wide, and
/// one layer per row for narrow screens), the per-layer table of shapes,
/// parameters and multiply-adds (examples/layers.md), and the neuron counts
/// against the paper's (no training).
/// @param options  where to write
void figure_architecture(const FigureOptions& options);
/// ReLU against tanh: training error against epochs (the paper's Figure 1).
/// @param options  where to write, the cache, the data, quick mode
void figure_relu_tanh(const FigureOptions& options);
/// The first-layer kernels and feature maps of a trained LeNet-5 (the paper's
/// Figure 3), and the first validation digits it misclassifies.
/// @param options  where to write, the cache, the data, quick mode
void figure_kernels(const FigureOptions& options);
/// Overlapping pooling, local response normalisation and dropout, each removed
/// in turn, and LRN replaced by the constant division it mostly amounts to;
/// writes the verdicts and every sentence that depends on them.
/// @param options  where to write, the cache, the data, quick mode
void figure_ablation(const FigureOptions& options);
/// ReLU, pooling, dropout and LRN on small inputs: code and output as Markdown.
/// @param options  where to write, and options.source to read the code from
/// @throws std::runtime_error naming the source file if an example is missing from it
void figure_examples(const FigureOptions& options);

}  // namespace tools::figures
