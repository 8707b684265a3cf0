// keras::Sequential: a stack of layers trained with compile / fit /
// evaluate / predict, as in Keras.
//
//   forward:  A_0 = x,  A_k = layer_k(A_{k-1}),  y_pred = A_n           x (m, input shape)
//   loss:     categorical cross-entropy of y_pred = softmax(Z_n) against y,
//             computed from the logits Z_n (nn::softmax_cross_entropy), as
//             Keras does when the last layer is a softmax
//   backward: dZ_n = (softmax(Z_n) - y) / m, then each layer's backward in reverse
//   update:   the optimizer (nn::Adam or nn::SGD) steps every weight with its gradient
//
// The layers run their passes on the model's nn::Context: the fast threaded
// passes by default (set_threads), or the plain reference loop nests
// (set_passes). In training the output layer computes only its logits Z_n
// (the loss reads nothing else), and the backward stops at the first layer
// with weights, which does not compute the gradient with respect to its
// input: nothing reads it (autodiff pruning).
//
// fit shuffles with its own generator (seed + 1), drawing one permutation
// of 0..n-1 per epoch and taking batches in that order, the last partial
// batch included. Dropout masks come from a third generator (seed + 2).
// Initializers without their own seed draw from the model's generator (seed).
//
// Differences from Keras, all because plaincnn has no global state: names
// are numbered per model ("conv2d", "conv2d_1", ...), or across models that
// share a Naming; seeds belong to the model, not to the process.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "lenet/keras/layers.hpp"
#include "lenet/keras/progress.hpp"
#include "nn/adam.hpp"
#include "nn/context.hpp"
#include "nn/rng.hpp"
#include "nn/sgd.hpp"
#include "nn/tensor.hpp"

namespace keras {

/// Per-stem counters that give models and layers Keras's names: the first
/// "dense" is "dense", the next "dense_1", and so on. Keras keeps these
/// counters in the process; here a model has its own, or several models
/// share one Naming explicitly (then the second model is "sequential_1").
class Naming {
public:
    /// Takes the next unused name.
    /// @param stem e.g. "dense"
    /// @return "stem" the first time, then "stem_1", "stem_2", ...
    std::string unique(const std::string& stem);

private:
    std::map<std::string, int> used_;
};

/// A layer handed to a model: Sequential copies its configuration, so the
/// same description can be added to several models without sharing weights.
class LayerSpec {
public:
    /// Wraps a copy of a concrete layer.
    /// @param layer any layer, e.g. Dense(120, "relu")
    template <typename L, typename = std::enable_if_t<std::is_base_of<Layer, L>::value>>
    LayerSpec(const L& layer) : layer_(layer.clone()) {}  // NOLINT: implicit, for Keras-like lists
    /// @return a fresh, unbuilt layer with this configuration
    std::unique_ptr<Layer> make() const { return layer_->clone(); }

private:
    std::shared_ptr<const Layer> layer_;
};

/// An optimizer and its hyper-parameters, for compile().
struct Optimizer {
    /// The optimizers plaincnn has.
    enum class Kind { adam, sgd };
    /// By name, with Keras's defaults.
    /// @param name "adam" or "sgd"
    /// @throws std::invalid_argument listing the known names
    Optimizer(const char* name);         // NOLINT: implicit, as Keras accepts strings
    /// By name, as above.
    /// @param name "adam" or "sgd"
    Optimizer(const std::string& name);  // NOLINT: implicit, as Keras accepts strings
    /// @param kind  which optimizer
    /// @param adam  Adam's hyper-parameters (used when kind is adam)
    /// @param sgd   SGD's hyper-parameters (used when kind is sgd)
    Optimizer(Kind kind, nn::AdamConfig adam, nn::SGDConfig sgd) : kind(kind), adam(adam), sgd(sgd) {}
    Kind kind;           ///< which optimizer
    nn::AdamConfig adam; ///< Adam's settings
    nn::SGDConfig sgd;   ///< SGD's settings
    /// @return "adam" or "sgd"
    std::string name() const;
};

/// keras.optimizers.Adam, with Keras's defaults (epsilon 1e-7, not TF1's 1e-8).
struct Adam : Optimizer {
    /// @param learning_rate step size lr
    /// @param beta_1        decay of the first moment
    /// @param beta_2        decay of the second moment
    /// @param epsilon       added to sqrt(v)
    explicit Adam(float learning_rate = 0.001f, float beta_1 = 0.9f, float beta_2 = 0.999f, float epsilon = 1e-7f);
};

/// keras.optimizers.SGD: plain, with momentum, or Nesterov momentum.
struct SGD : Optimizer {
    /// @param learning_rate step size
    /// @param momentum      velocity decay in [0, 1); 0 is plain SGD
    /// @param nesterov      Nesterov's variant of momentum
    explicit SGD(float learning_rate = 0.01f, float momentum = 0.0f, bool nesterov = false);
};

/// Loss and accuracy over a data set (evaluate) or a batch (train_on_batch).
struct Evaluation {
    double loss = 0.0;      ///< mean categorical cross-entropy
    double accuracy = 0.0;  ///< fraction of samples whose argmax matches
};

/// The validation set given to fit: references, not copies (it may be large).
struct ValidationData {
    /// No validation.
    ValidationData() = default;
    /// Validate after every epoch.
    /// @param x inputs, (n, input shape)
    /// @param y one-hot targets, (n, classes)
    ValidationData(const nn::Tensor& x, const nn::Tensor& y) : x(&x), y(&y) {}
    const nn::Tensor* x = nullptr;  ///< inputs, or null for none
    const nn::Tensor* y = nullptr;  ///< one-hot targets
};

/// What fit returns: one value per epoch for each of "loss", "accuracy"
/// (when compiled as a metric), "val_loss" and "val_accuracy" (with
/// validation data), as Keras's History.history.
struct History {
    std::vector<int> epoch;                                ///< 0, 1, ... one per epoch
    std::map<std::string, std::vector<double>> history;    ///< per-epoch values by name
    /// One series.
    /// @param key e.g. "val_accuracy"
    /// @return its per-epoch values
    /// @throws std::invalid_argument listing the keys there are
    const std::vector<double>& operator[](const std::string& key) const;
};

/// keras.Sequential: a linear stack of layers.
class Sequential {
public:
    /// A model over @p input with @p layers added in order (see add()).
    /// @param input  one sample's shape
    /// @param layers the layers, e.g. {Conv2D(...), MaxPooling2D(2), Flatten(), Dense(10, "softmax")}
    /// @param seed   seeds the model's generators (initializers: seed, shuffling: seed + 1, dropout: seed + 2)
    /// @param naming counters to share with other models; a fresh Naming when null
    /// @throws std::invalid_argument as add()
    explicit Sequential(const Input& input, const std::vector<LayerSpec>& layers = {}, std::uint64_t seed = 0,
                        std::shared_ptr<Naming> naming = nullptr);

    /// Appends a layer: names it, builds it on the current output shape
    /// (drawing its weights) and checks that the shapes fit. A model changed
    /// after compile() must be compiled again.
    /// @param layer the layer to append
    /// @return this model
    /// @throws std::invalid_argument naming the layer, the previous output
    ///         shape and what the layer needs; the model is unchanged then.
    Sequential& add(const LayerSpec& layer);

    /// Chooses the optimizer, loss and metrics; resets the optimizer state.
    /// @param optimizer Adam(...), SGD(...), "adam" or "sgd"
    /// @param loss      "categorical_crossentropy" (the last layer must be Dense with softmax)
    /// @param metrics   {} or {"accuracy"}
    /// @throws std::invalid_argument for an unknown name (listing the known
    ///         ones) or a last layer that is not a softmax Dense.
    void compile(const Optimizer& optimizer, const std::string& loss, const std::vector<std::string>& metrics = {});

    /// Trains for @p epochs passes over (x, y) in mini-batches.
    /// @param x               (n, input shape)
    /// @param y               (n, classes), one-hot
    /// @param batch_size      samples per step, positive; the last batch may be smaller
    /// @param epochs          passes over the data, >= 0
    /// @param verbose         0 silent, 1 progress bar, 2 one line per epoch
    /// @param shuffle         draw a new order every epoch (else 0..n-1)
    /// @param validation_data evaluated after every epoch (val_loss, val_accuracy)
    /// @param console         where the progress goes and whether it is a terminal
    /// @return the per-epoch loss and metrics; loss and accuracy are the means
    ///         over the epoch's batches of each batch's value before its update
    /// @throws std::invalid_argument when the model is not compiled or the
    ///         data do not fit the model (naming both shapes)
    History fit(const nn::Tensor& x, const nn::Tensor& y, int batch_size = 32, int epochs = 1, int verbose = 1,
                bool shuffle = true, ValidationData validation_data = {}, Console console = {});

    /// Loss and accuracy on (x, y), in batches, without dropout. Accuracy is
    /// computed whether or not it was compiled as a metric.
    /// @param x          (n, input shape)
    /// @param y          (n, classes)
    /// @param batch_size samples per forward pass (bounds memory)
    /// @return the means over all n samples
    /// @throws std::invalid_argument as fit
    Evaluation evaluate(const nn::Tensor& x, const nn::Tensor& y, int batch_size = 32);

    /// The model's outputs for @p x, in batches, without dropout.
    /// @param x          (n, input shape)
    /// @param batch_size samples per forward pass
    /// @return (n, output shape), e.g. class probabilities
    /// @throws std::invalid_argument when x does not fit the input shape
    nn::Tensor predict(const nn::Tensor& x, int batch_size = 32);

    /// One optimizer step on one batch (dropout active).
    /// @param x (m, input shape)
    /// @param y (m, classes)
    /// @return the batch's loss and accuracy before the step
    Evaluation train_on_batch(const nn::Tensor& x, const nn::Tensor& y);

    /// The loss on one batch and its gradient with respect to every weight
    /// (read them with gradients()); nothing is updated. Dropout is active.
    /// @param x (m, input shape)
    /// @param y (m, classes)
    /// @return the mean loss of the batch
    double compute_gradients(const nn::Tensor& x, const nn::Tensor& y);

    /// @return every trainable weight, layer by layer (kernel, then bias), in nn/'s shapes
    std::vector<nn::Tensor*> trainable_weights();
    /// @return the gradients of the last compute_gradients / train step, matching trainable_weights()
    std::vector<const nn::Tensor*> gradients() const;

    /// @return copies of the weights in Keras's get_weights() order and
    ///         layouts: conv kernel (kh, kw, c_in, c_out), conv bias (c_out),
    ///         dense kernel (n_in, n_out), dense bias (n_out)
    std::vector<nn::Tensor> get_weights() const;
    /// Sets every weight from a list shaped like get_weights(). Throws
    /// std::invalid_argument naming the first mismatch; nothing changes then.
    /// @param weights the new values in get_weights() order and layouts
    void set_weights(const std::vector<nn::Tensor>& weights);
    /// @return the names of get_weights(), e.g. "conv2d/kernel", "conv2d/bias"
    std::vector<std::string> weight_names() const;

    /// Writes the weights as one NumPy .npz (tools/io/weights.hpp), atomically,
    /// one entry per weight named as weight_names() says ("conv2d/kernel",
    /// ...), in get_weights()' layouts: numpy.load(path)["conv2d/kernel"]
    /// reads one back, and tf1::Saver::restore loads the file into the TF1 build.
    /// @param path the file to write
    /// @throws std::runtime_error naming the file when it cannot be written
    void save_weights(const std::string& path) const;
    /// Reads weights from an .npz written by save_weights, tf1::Saver::save
    /// or numpy.savez(path, **{"conv2d/kernel": ..., ...}). Entries are
    /// matched by name; each must have the weight's shape and the file must
    /// hold nothing else. A wrong architecture, a truncated or corrupted
    /// file is refused and the model is left unchanged.
    /// @param path the file to read
    /// @throws std::runtime_error naming the file and the reason (for a
    ///         mismatch: the entry, its shape and the expected one)
    void load_weights(const std::string& path);

    /// Writes the Keras summary table (tf.keras 2.x layout, 65 columns,
    /// without trailing spaces).
    /// @param out where to write it
    void summary(std::ostream& out) const;
    /// @return the same table as a string
    std::string summary() const;

    /// @return the model's name, e.g. "sequential"
    const std::string& name() const { return name_; }
    /// @return one sample's input shape
    const nn::Shape& input_shape() const { return input_shape_; }
    /// @return one sample's output shape (the input shape while there are no layers)
    const nn::Shape& output_shape() const;
    /// @return the number of layers
    std::size_t size() const { return layers_.size(); }
    /// One layer.
    /// @param k 0-based; std::out_of_range past the end
    /// @return layer @p k
    const Layer& layer(std::size_t k) const { return *layers_.at(k); }
    /// @return the number of trainable values
    std::size_t count_params() const;
    /// Sets how many threads the fast passes may use. Results do not depend on it.
    /// @param threads 0 (the default) = all cores
    /// @throws std::invalid_argument when negative
    void set_threads(int threads);
    /// Chooses the passes the layers run on: the fast ones (the default), or
    /// the plain reference loop nests of nn/ on one thread, the code a
    /// student reads (slower; the same values up to float rounding). Like
    /// Keras's run_eagerly, it changes how the model runs, not what it computes.
    /// @param passes nn::Passes::fast or nn::Passes::reference
    void set_passes(nn::Passes passes);

private:
    Evaluation loss_and_gradients(nn::Tensor x, const nn::Tensor& y);
    void apply_gradients();
    void check_x(const char* fn, const nn::Tensor& x) const;
    void check_xy(const char* fn, const nn::Tensor& x, const nn::Tensor& y) const;
    void check_compiled(const char* fn) const;

    std::string name_;
    nn::Shape input_shape_;
    std::shared_ptr<Naming> naming_;
    std::vector<std::unique_ptr<Layer>> layers_;
    nn::Rng init_rng_, shuffle_rng_, dropout_rng_;
    int threads_ = 0;  // as given to set_threads
    nn::Context ctx_;  // where every layer's passes run
    bool compiled_ = false;
    bool accuracy_metric_ = false;
    Dense* output_ = nullptr;  // the softmax Dense the loss is fused with (set by compile)
    std::variant<std::monostate, nn::Adam, nn::SGD> optimizer_;
};

/// keras.utils.to_categorical: one-hot rows from class labels (nn::one_hot).
/// @param labels      n labels in [0, num_classes)
/// @param num_classes the number of classes
/// @return (n, num_classes)
/// @throws std::invalid_argument when a label is out of range
nn::Tensor to_categorical(const std::vector<int>& labels, int num_classes);

}  // namespace keras
