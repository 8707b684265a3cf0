// keras::Sequential: add / compile / fit / evaluate / predict / summary.
//
//   forward:  A_0 = x, A_k = layer_k(A_{k-1})                      x (m, input shape)
//   loss:     L = nn::softmax_cross_entropy(Z_n, y), Z_n the last Dense's logits   y (m, classes)
//   backward: dZ_n = (softmax(Z_n) - y) / m, dA_{k-1} = layer_k.backward(dA_k, A_{k-1}, A_k),
//             down to the first layer with weights, which skips dA_{k-1} where it can
//   update:   optimizer.step(weights, gradients)
// The loops here walk layers, epochs and batches; the math is in nn/, run
// on the model's nn::Context.
#include "lenet/keras/model.hpp"

#include <algorithm>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "nn/batch.hpp"
#include "nn/errors.hpp"
#include "nn/loss.hpp"
#include "tools/io/weights.hpp"

namespace keras {

// --------------------------------------------------------------------- Naming

std::string Naming::unique(const std::string& stem) {
    const int k = used_[stem]++;
    return k == 0 ? stem : stem + "_" + std::to_string(k);
}

// ----------------------------------------------------------------- optimizers

namespace {

Optimizer optimizer_by_name(const std::string& name) {
    if (name == "adam") return Adam();
    if (name == "sgd") return SGD();
    throw std::invalid_argument("compile: unknown optimizer '" + name + "'; known: adam, sgd");
}

}  // namespace

Optimizer::Optimizer(const char* name) : Optimizer(optimizer_by_name(name)) {}

Optimizer::Optimizer(const std::string& name) : Optimizer(optimizer_by_name(name)) {}

std::string Optimizer::name() const { return kind == Kind::adam ? "adam" : "sgd"; }

Adam::Adam(float learning_rate, float beta_1, float beta_2, float epsilon)
    : Optimizer(Kind::adam, nn::AdamConfig{learning_rate, beta_1, beta_2, epsilon}, nn::SGDConfig{}) {}

SGD::SGD(float learning_rate, float momentum, bool nesterov) : Optimizer(Kind::sgd, nn::AdamConfig{}, nn::SGDConfig{}) {
    sgd.learning_rate = learning_rate;
    sgd.momentum = momentum;
    sgd.nesterov = nesterov;
}

// -------------------------------------------------------------------- History

const std::vector<double>& History::operator[](const std::string& key) const {
    auto it = history.find(key);
    if (it == history.end()) {
        std::string keys;
        for (const auto& kv : history) keys += (keys.empty() ? "" : ", ") + kv.first;
        throw std::invalid_argument("History: no key '" + key + "'; there are: " + keys);
    }
    return it->second;
}

nn::Tensor to_categorical(const std::vector<int>& labels, int num_classes) { return nn::one_hot(labels, num_classes); }

// ----------------------------------------------------------------- Sequential

Sequential::Sequential(const Input& input, const std::vector<LayerSpec>& layers, std::uint64_t seed,
                       std::shared_ptr<Naming> naming)
    : input_shape_(input.shape),
      naming_(naming ? std::move(naming) : std::make_shared<Naming>()),
      init_rng_(seed),
      shuffle_rng_(seed + 1),
      dropout_rng_(seed + 2) {
    name_ = naming_->unique("sequential");
    for (const LayerSpec& layer : layers) add(layer);
}

const nn::Shape& Sequential::output_shape() const {
    return layers_.empty() ? input_shape_ : layers_.back()->output_shape();
}

Sequential& Sequential::add(const LayerSpec& spec) {
    std::unique_ptr<Layer> layer = spec.make();
    const nn::Shape& input_shape = output_shape();
    try {
        layer->build(input_shape, init_rng_);
    } catch (const std::invalid_argument& e) {
        const std::string after = layers_.empty() ? "the input" : layers_.back()->name();
        throw std::invalid_argument("Sequential.add: cannot add " + layer->class_name() + " after " + after +
                                    " with output shape " + batch_shape_str(input_shape) + ": " + e.what());
    }
    layer->name_ = naming_->unique(layer->base_name());  // named once it is sure to join
    // The gradient with respect to this layer's input is read only by a layer before it with weights.
    layer->needs_input_gradient_ = std::any_of(layers_.begin(), layers_.end(),
                                         [](const std::unique_ptr<Layer>& l) { return !l->weights().empty(); });
    layers_.push_back(std::move(layer));
    compiled_ = false;
    output_ = nullptr;
    return *this;
}

std::size_t Sequential::count_params() const {
    std::size_t n = 0;
    for (const auto& layer : layers_) n += layer->count_params();
    return n;
}

void Sequential::set_threads(int threads) {
    nn::require(threads >= 0, "set_threads", "threads must not be negative, got " + std::to_string(threads));
    threads_ = threads;
    ctx_ = nn::Context(threads_, ctx_.passes());
}

void Sequential::set_passes(nn::Passes passes) { ctx_ = nn::Context(threads_, passes); }

void Sequential::compile(const Optimizer& optimizer, const std::string& loss, const std::vector<std::string>& metrics) {
    nn::require(loss == "categorical_crossentropy", "compile",
                "unknown loss '" + loss + "'; known: categorical_crossentropy");
    bool accuracy = false;
    for (const std::string& m : metrics) {
        nn::require(m == "accuracy", "compile", "unknown metric '" + m + "'; known: accuracy");
        accuracy = true;
    }
    Dense* last = layers_.empty() ? nullptr : dynamic_cast<Dense*>(layers_.back().get());
    nn::require(last != nullptr && last->activation().softmax, "compile",
                "loss 'categorical_crossentropy' needs a last layer Dense(..., \"softmax\"), but the last layer is " +
                    (layers_.empty() ? std::string("missing") : layers_.back()->name() + " (" +
                                                                    layers_.back()->class_name() + ")"));
    if (optimizer.kind == Optimizer::Kind::adam)
        optimizer_ = nn::Adam(optimizer.adam);
    else
        optimizer_ = nn::SGD(optimizer.sgd);
    accuracy_metric_ = accuracy;
    output_ = last;
    compiled_ = true;
}

// ------------------------------------------------------------- shape checks

void Sequential::check_x(const char* fn, const nn::Tensor& x) const {
    nn::Shape sample(x.shape.begin() + std::min<std::ptrdiff_t>(1, x.rank()), x.shape.end());
    nn::require(x.rank() == static_cast<int>(input_shape_.size()) + 1 && sample == input_shape_, fn,
                "x has shape " + x.shape_str() + " but the model expects " + batch_shape_str(input_shape_));
    nn::require(x.dim(0) > 0, fn, "x " + x.shape_str() + " has no samples");
}

void Sequential::check_xy(const char* fn, const nn::Tensor& x, const nn::Tensor& y) const {
    check_x(fn, x);
    const nn::Shape& out = output_shape();
    nn::require(y.rank() == 2 && static_cast<int>(out.size()) == 1 && y.dim(1) == out[0], fn,
                "y has shape " + y.shape_str() + " but the model outputs " + batch_shape_str(out));
    nn::require(y.dim(0) == x.dim(0), fn,
                "x " + x.shape_str() + " has " + std::to_string(x.dim(0)) + " samples but y " + y.shape_str() +
                    " has " + std::to_string(y.dim(0)));
}

void Sequential::check_compiled(const char* fn) const {
    nn::require(compiled_, fn, "the model must be compiled first (call compile after the last add)");
}

// ------------------------------------------------------- forward and backward

// One step's forward, loss and backward; the gradients stay in the layers.
Evaluation Sequential::loss_and_gradients(nn::Tensor x, const nn::Tensor& y) {
    // Forward, keeping the tape A_0 = x, A_k = layer_k(A_{k-1}) that the backward reads;
    // the output layer gives its logits Z_n, all the fused loss reads.
    const std::size_t n = layers_.size();
    std::vector<nn::Tensor> A;
    A.reserve(n);
    A.push_back(std::move(x));
    for (std::size_t k = 0; k + 1 < n; ++k) A.push_back(layers_[k]->forward(A[k], true, ctx_, dropout_rng_));
    const nn::Tensor Z = output_->forward_logits(A[n - 1], ctx_);
    const Evaluation e{nn::softmax_cross_entropy(Z, y), nn::accuracy(Z, y)};
    // Backward in reverse, from dZ_n = (softmax(Z_n) - y) / m. Layer k runs only when
    // layer k + 1 computed dA_k (some layer up to k has weights).
    nn::Tensor dA = output_->backward_from_logits(nn::softmax_cross_entropy_backward(Z, y), A[n - 1], ctx_);
    for (std::size_t k = n - 1; k-- > 0 && layers_[k + 1]->needs_input_gradient();)
        dA = layers_[k]->backward(dA, A[k], A[k + 1], ctx_);
    return e;
}

void Sequential::apply_gradients() {
    if (auto* adam = std::get_if<nn::Adam>(&optimizer_)) ctx_.adam_step(*adam, trainable_weights(), gradients());
    if (auto* sgd = std::get_if<nn::SGD>(&optimizer_)) sgd->step(trainable_weights(), gradients());
}

std::vector<nn::Tensor*> Sequential::trainable_weights() {
    std::vector<nn::Tensor*> all;
    for (auto& layer : layers_)
        for (nn::Tensor* w : layer->weights()) all.push_back(w);
    return all;
}

std::vector<const nn::Tensor*> Sequential::gradients() const {
    std::vector<const nn::Tensor*> all;
    for (const auto& layer : layers_)
        for (const nn::Tensor* g : layer->gradients()) all.push_back(g);
    return all;
}

double Sequential::compute_gradients(const nn::Tensor& x, const nn::Tensor& y) {
    check_compiled("compute_gradients");
    check_xy("compute_gradients", x, y);
    return loss_and_gradients(x, y).loss;
}

Evaluation Sequential::train_on_batch(const nn::Tensor& x, const nn::Tensor& y) {
    check_compiled("train_on_batch");
    check_xy("train_on_batch", x, y);
    Evaluation e = loss_and_gradients(x, y);
    apply_gradients();
    return e;
}

// ------------------------------------------------------------ fit and friends

History Sequential::fit(const nn::Tensor& x, const nn::Tensor& y, int batch_size, int epochs, int verbose, bool shuffle,
                        ValidationData validation_data, Console console) {
    check_compiled("fit");
    check_xy("fit", x, y);
    nn::require(batch_size > 0, "fit", "batch_size must be positive, got " + std::to_string(batch_size));
    nn::require(epochs >= 0, "fit", "epochs must not be negative, got " + std::to_string(epochs));
    nn::require(verbose >= 0 && verbose <= 2, "fit", "verbose must be 0, 1 or 2, got " + std::to_string(verbose));
    const bool validate = validation_data.x != nullptr;
    nn::require(validate == (validation_data.y != nullptr), "fit", "validation_data needs both x and y");
    if (validate) check_xy("fit (validation_data)", *validation_data.x, *validation_data.y);

    const std::size_t n = static_cast<std::size_t>(x.dim(0));
    const std::size_t size = static_cast<std::size_t>(batch_size);
    const int steps = static_cast<int>((n + size - 1) / size);
    std::vector<std::size_t> index(n);
    History history;
    for (int epoch = 0; epoch < epochs; ++epoch) {
        if (verbose > 0 && epochs > 1) *console.out << "Epoch " << epoch + 1 << "/" << epochs << "\n";
        std::iota(index.begin(), index.end(), std::size_t{0});
        if (shuffle) shuffle_rng_.shuffle(index);
        Progbar bar(console, steps, verbose);
        double loss_sum = 0.0, accuracy_sum = 0.0;
        std::vector<Metric> logs;
        for (int step = 0; step < steps; ++step) {
            const std::size_t begin = static_cast<std::size_t>(step) * size, end = std::min(n, begin + size);
            Evaluation batch =
                loss_and_gradients(nn::gather_samples(x, index, begin, end), nn::gather_samples(y, index, begin, end));
            apply_gradients();
            loss_sum += batch.loss;
            accuracy_sum += batch.accuracy;
            logs = {{"loss", loss_sum / (step + 1)}};
            if (accuracy_metric_) logs.push_back({"accuracy", accuracy_sum / (step + 1)});
            bar.update(step + 1, logs);
        }
        if (validate) {
            Evaluation v = evaluate(*validation_data.x, *validation_data.y, batch_size);
            logs.push_back({"val_loss", v.loss});
            if (accuracy_metric_) logs.push_back({"val_accuracy", v.accuracy});
        }
        bar.finish(logs);
        history.epoch.push_back(epoch);
        for (const Metric& m : logs) history.history[m.first].push_back(m.second);
    }
    return history;
}

Evaluation Sequential::evaluate(const nn::Tensor& x, const nn::Tensor& y, int batch_size) {
    check_compiled("evaluate");
    check_xy("evaluate", x, y);
    nn::require(batch_size > 0, "evaluate", "batch_size must be positive, got " + std::to_string(batch_size));
    const std::size_t n = static_cast<std::size_t>(x.dim(0));
    std::vector<std::size_t> index(n);
    std::iota(index.begin(), index.end(), std::size_t{0});
    double loss_sum = 0.0, correct = 0.0;  // sums over samples: mean * batch size per batch
    for (std::size_t begin = 0; begin < n; begin += static_cast<std::size_t>(batch_size)) {
        const std::size_t end = std::min(n, begin + static_cast<std::size_t>(batch_size));
        nn::Tensor A = nn::gather_samples(x, index, begin, end);
        for (std::size_t k = 0; k + 1 < layers_.size(); ++k) A = layers_[k]->forward(A, false, ctx_, dropout_rng_);
        const nn::Tensor Z = output_->forward_logits(A, ctx_);  // the loss and the argmax read the logits
        const nn::Tensor y_batch = nn::gather_samples(y, index, begin, end);
        loss_sum += nn::softmax_cross_entropy(Z, y_batch) * static_cast<double>(end - begin);
        correct += nn::accuracy(Z, y_batch) * static_cast<double>(end - begin);
    }
    return {loss_sum / static_cast<double>(n), correct / static_cast<double>(n)};
}

nn::Tensor Sequential::predict(const nn::Tensor& x, int batch_size) {
    check_x("predict", x);
    nn::require(batch_size > 0, "predict", "batch_size must be positive, got " + std::to_string(batch_size));
    const std::size_t n = static_cast<std::size_t>(x.dim(0));
    nn::Shape shape = output_shape();
    shape.insert(shape.begin(), static_cast<int>(n));
    nn::Tensor y_pred(shape);
    std::vector<std::size_t> index(n);
    std::iota(index.begin(), index.end(), std::size_t{0});
    for (std::size_t begin = 0; begin < n; begin += static_cast<std::size_t>(batch_size)) {
        const std::size_t end = std::min(n, begin + static_cast<std::size_t>(batch_size));
        nn::Tensor A = nn::gather_samples(x, index, begin, end);
        for (auto& layer : layers_) A = layer->forward(A, false, ctx_, dropout_rng_);
        std::copy(A.data.begin(), A.data.end(), y_pred.data.begin() + static_cast<std::ptrdiff_t>(begin * (y_pred.size() / n)));
    }
    return y_pred;
}

// -------------------------------------------------------------------- weights

std::vector<std::string> Sequential::weight_names() const {
    std::vector<std::string> names;
    for (const auto& layer : layers_)
        for (const std::string& w : layer->weight_names()) names.push_back(layer->name() + "/" + w);
    return names;
}

std::vector<nn::Tensor> Sequential::get_weights() const {
    std::vector<std::string> names = weight_names();
    std::vector<nn::Tensor> out;
    for (const auto& layer : layers_)
        for (const nn::Tensor* w : static_cast<const Layer&>(*layer).weights()) {
            const std::string& name = names[out.size()];
            out.emplace_back(tools::io::stored_shape(name, w->shape), w->data);
        }
    return out;
}

void Sequential::set_weights(const std::vector<nn::Tensor>& weights) {
    std::vector<nn::Tensor*> params = trainable_weights();
    std::vector<std::string> names = weight_names();
    nn::require(weights.size() == params.size(), "set_weights",
                "got " + std::to_string(weights.size()) + " tensors but the model has " + std::to_string(params.size()));
    for (std::size_t k = 0; k < params.size(); ++k) {
        const nn::Shape expected = tools::io::stored_shape(names[k], params[k]->shape);
        nn::require(weights[k].shape == expected, "set_weights",
                    "tensor " + std::to_string(k) + " is " + weights[k].shape_str() + " but " + names[k] + " is " +
                        nn::shape_str(expected));
    }
    for (std::size_t k = 0; k < params.size(); ++k) params[k]->data = weights[k].data;  // all checked first
}

void Sequential::save_weights(const std::string& path) const {
    std::vector<nn::Tensor> values = get_weights();
    std::vector<std::string> names = weight_names();
    std::vector<tools::io::NamedTensor> tensors;
    for (std::size_t k = 0; k < values.size(); ++k) tensors.push_back({names[k], std::move(values[k])});
    tools::io::write_weights_file(path, tensors);
}

void Sequential::load_weights(const std::string& path) {
    std::vector<nn::Tensor> expected = get_weights();
    std::vector<std::string> names = weight_names();
    std::vector<tools::io::NamedTensor> model;
    for (std::size_t k = 0; k < expected.size(); ++k) model.push_back({names[k], std::move(expected[k])});
    set_weights(tools::io::read_weights_file(path, model));  // matched by name and shape, so set_weights cannot fail
}

// -------------------------------------------------------------------- summary

namespace {

// "61706" -> "61,706"
std::string with_commas(std::size_t n) {
    std::string digits = std::to_string(n), out;
    for (std::size_t k = 0; k < digits.size(); ++k) {
        if (k > 0 && (digits.size() - k) % 3 == 0) out += ',';
        out += digits[k];
    }
    return out;
}

// One row of the table as Keras lays it out: each field starts where the
// previous column stops (29, 55, 65), is cut at its own stop, and the last
// character before the next field is always a space.
std::string table_row(const std::vector<std::string>& fields) {
    const std::size_t stops[] = {29, 55, 65};
    std::string line;
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i > 0) line.back() = ' ';
        line += fields[i];
        line.resize(stops[i], ' ');
    }
    line.erase(line.find_last_not_of(' ') + 1);  // without trailing spaces
    return line;
}

}  // namespace

void Sequential::summary(std::ostream& out) const {
    const std::string thin(65, '_'), thick(65, '=');
    out << "Model: \"" << name_ << "\"\n" << thin << "\n";
    out << table_row({"Layer (type)", "Output Shape", "Param #"}) << "\n" << thick << "\n";
    for (std::size_t k = 0; k < layers_.size(); ++k) {
        const Layer& layer = *layers_[k];
        out << table_row({layer.name() + " (" + layer.class_name() + ")", batch_shape_str(layer.output_shape()),
                          std::to_string(layer.count_params())})
            << "\n"
            << (k + 1 < layers_.size() ? thin : thick) << "\n";
    }
    const std::string total = with_commas(count_params());
    out << "Total params: " << total << "\nTrainable params: " << total << "\nNon-trainable params: 0\n"
        << thin << "\n";
}

std::string Sequential::summary() const {
    std::ostringstream out;
    summary(out);
    return out.str();
}

}  // namespace keras
