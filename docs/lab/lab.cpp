// The lab's glue: the functions the page (docs/lab/lab.js) calls, compiled
// with the same nn/, lenet/keras and tools/io sources to WebAssembly.
//
// The page owns no numbers of its own. It draws, hands the grey levels here,
// and reads back what LeNet-5 computed, layer by layer, by the course's names:
//
//   forward:  Z1 = conv(x, W1, b1) 'same'     A1 = relu(Z1)   (28, 28, 6)   C1
//             P1 = max_pool(A1, 2x2, 2)                         (14, 14, 6)   S2
//             Z3 = conv(P1, W3, b3) 'valid'   A3 = relu(Z3)   (10, 10, 16)  C3
//             P3 = max_pool(A3, 2x2, 2)                         (5, 5, 16)    S4
//             Z5 = dense(P3 flat) A5 = relu, Z6 = dense(A5) A6 = relu, Z7 = dense(A6)
//             y  = softmax(Z7)
//   backward: d Z7[c] / d x for the predicted class c, by the same passes'
//             backward functions in reverse (dense, relu, pool, conv), down to
//             conv_backward's dA_prev: the "why this digit" map.
//
// The predictions the page shows come from the explicit forward above; the
// model's own predict() gives the same numbers (lab_predict_test checks both
// against the native build). Training runs keras::Sequential::train_on_batch
// a few batches per call, so the page can draw between calls.
//
// Nothing here throws into the page: a function that can fail returns -1
// (or a null pointer) instead, and lab_error() then says why, in one line.
#include <emscripten/emscripten.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <map>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "lenet/lenet5.hpp"
#include "nn/activations.hpp"
#include "nn/batch.hpp"
#include "nn/context.hpp"
#include "tools/io/digit.hpp"

namespace {

// LeNet-5's weights in nn/'s shapes: biases as (1, 1, 1, c) and (1, n).
struct Weights {
    nn::Tensor W1, b1, W3, b3, W5, b5, W6, b6, W7, b7;
};

// What one forward pass leaves behind for the page to draw.
struct Forward {
    nn::Tensor x, Z1, A1, P1, Z3, A3, P3, F, Z5, A5, Z6, A6, Z7, y;
};

struct Lab {
    keras::Sequential model = keras::lenet5(keras::Input({28, 28, 1}));
    Weights w;
    nn::Passes passes = nn::Passes::fast;
    Forward f;
    nn::Tensor saliency;  // d Z7[c] / d x, (1, 28, 28, 1)
    std::string error;

    // The bundled subset: bytes as in the IDX files, pixels / 255 like tools/io/idx.
    nn::Tensor train_x, test_x;
    std::vector<int> train_labels, test_labels;
    std::vector<std::uint8_t> data_bytes;

    // Training in the page: a fresh model, its shuffled order and position.
    keras::Sequential trainee = keras::lenet5(keras::Input({28, 28, 1}));
    std::vector<std::size_t> order;
    std::size_t next = 0;
    nn::Rng shuffle{0};
    double loss_sum = 0, accuracy_sum = 0;
    int batches = 0;
    int batch_size = 32;

    nn::Tensor probabilities;  // lab_predict_test's output
};

Lab& lab() {
    static Lab the_lab;  // one page, one lab
    return the_lab;
}

nn::Tensor reshaped(nn::Tensor t, nn::Shape shape) {
    t.shape = std::move(shape);  // same values, same order: only the shape changes
    return t;
}

// The model's weights (Keras's get_weights order and layouts) in nn/'s shapes.
Weights weights_of(const keras::Sequential& model) {
    std::vector<nn::Tensor> k = model.get_weights();
    return {k[0], reshaped(k[1], {1, 1, 1, k[1].dim(0)}), k[2], reshaped(k[3], {1, 1, 1, k[3].dim(0)}),
            k[4], reshaped(k[5], {1, k[5].dim(0)}),        k[6], reshaped(k[7], {1, k[7].dim(0)}),
            k[8], reshaped(k[9], {1, k[9].dim(0)})};
}

// Runs f and turns any exception into -1 with its message kept for lab_error().
template <typename F>
int guarded(F&& f) {
    try {
        return f();
    } catch (const std::exception& e) {
        lab().error = e.what();
        return -1;
    }
}

nn::Tensor images_from_bytes(const std::uint8_t* p, int n) {
    nn::Tensor x({n, 28, 28, 1});
    for (std::size_t j = 0; j < x.size(); ++j) x.data[j] = static_cast<float>(p[j]) / 255.0f;  // as tools/io/idx
    return x;
}

}  // namespace

extern "C" {

/// @return the message of the last error, one line
EMSCRIPTEN_KEEPALIVE const char* lab_error() { return lab().error.c_str(); }

/// Loads a weights file from the page's in-memory file system into the model
/// the canvas uses (Sequential::load_weights: the format is whatever it reads).
/// @return 0, or -1 when the file is refused (the model is left unchanged)
EMSCRIPTEN_KEEPALIVE int lab_load_weights(const char* path) {
    return guarded([&] {
        Lab& L = lab();
        L.model.load_weights(path);
        L.w = weights_of(L.model);
        return 0;
    });
}

/// Chooses the passes: 1 = nn/fast/ on one thread (no threads in a page
/// opened from a file), 0 = the plain reference loop nests.
EMSCRIPTEN_KEEPALIVE void lab_set_fast(int fast) {
    Lab& L = lab();
    L.passes = fast ? nn::Passes::fast : nn::Passes::reference;
    L.model.set_passes(L.passes);
    L.trainee.set_passes(L.passes);
}

/// A buffer for @p n grey values (the canvas, or a 28x28 input) that the page fills.
EMSCRIPTEN_KEEPALIVE float* lab_buffer(int n) {
    static std::vector<float> buffer;
    buffer.assign(static_cast<std::size_t>(std::max(n, 0)), 0.0f);
    return buffer.data();
}

/// Reduces a drawing (h x w grey levels in [0, 1], row-major) the way MNIST
/// was made (tools/io/digit.hpp) and makes it the input x.
/// @return 0, or -1 when the drawing is refused
EMSCRIPTEN_KEEPALIVE int lab_set_drawing(const float* grey, int h, int w) {
    return guarded([&] {
        tools::io::GreyImage image;
        image.height = h;
        image.width = w;
        image.grey.assign(grey, grey + static_cast<std::size_t>(h) * static_cast<std::size_t>(w));
        lab().f.x = nn::Tensor({1, 28, 28, 1}, tools::io::reduce_like_mnist(image));
        return 0;
    });
}

/// Makes 784 values already reduced (28x28, light ink on dark) the input x.
EMSCRIPTEN_KEEPALIVE void lab_set_input(const float* x) { lab().f.x = nn::Tensor({1, 28, 28, 1}, {x, x + 784}); }

/// Makes test image @p k of the bundled subset the input x.
/// @return 0, or -1 when there is no such image
EMSCRIPTEN_KEEPALIVE int lab_set_test_image(int k) {
    Lab& L = lab();
    if (k < 0 || k >= static_cast<int>(L.test_labels.size())) {
        L.error = "lab_set_test_image: no test image " + std::to_string(k);
        return -1;
    }
    L.f.x = nn::gather_samples(L.test_x, {static_cast<std::size_t>(k)}, 0, 1);
    return L.test_labels[static_cast<std::size_t>(k)];
}

/// The forward pass of the comment at the top, keeping every layer's output.
/// @return the predicted class, or -1
EMSCRIPTEN_KEEPALIVE int lab_forward() {
    return guarded([&] {
        Lab& L = lab();
        Forward& f = L.f;
        const Weights& w = L.w;
        nn::Context ctx(1, L.passes);
        const nn::Activation relu = nn::Activation::relu(), linear = nn::Activation::linear();
        f.Z1 = ctx.conv_forward(f.x, w.W1, w.b1, linear, nn::Padding::same(), {1, 1});
        f.A1 = ctx.activation_forward(f.Z1, relu);
        f.P1 = ctx.pool_forward(f.A1, {2, 2}, {2, 2}, nn::PoolMode::max);
        f.Z3 = ctx.conv_forward(f.P1, w.W3, w.b3, linear, nn::Padding::valid(), {1, 1});
        f.A3 = ctx.activation_forward(f.Z3, relu);
        f.P3 = ctx.pool_forward(f.A3, {2, 2}, {2, 2}, nn::PoolMode::max);
        f.F = reshaped(f.P3, {1, 400});  // Flatten: NHWC is row-major, so only the shape changes
        f.Z5 = ctx.dense_forward(f.F, w.W5, w.b5);
        f.A5 = ctx.activation_forward(f.Z5, relu);
        f.Z6 = ctx.dense_forward(f.A5, w.W6, w.b6);
        f.A6 = ctx.activation_forward(f.Z6, relu);
        f.Z7 = ctx.dense_forward(f.A6, w.W7, w.b7);
        f.y = nn::softmax_forward(f.Z7);
        return static_cast<int>(std::max_element(f.y.data.begin(), f.y.data.end()) - f.y.data.begin());
    });
}

/// "Why this digit": d Z7[c] / d x, the gradient of class @p c's logit with
/// respect to the input image, by the backward passes in reverse order.
/// Needs lab_forward() first.
/// @return 0, or -1
EMSCRIPTEN_KEEPALIVE int lab_saliency(int c) {
    return guarded([&] {
        Lab& L = lab();
        const Forward& f = L.f;
        const Weights& w = L.w;
        nn::Context ctx(1, L.passes);
        const nn::Activation relu = nn::Activation::relu();
        nn::Tensor dZ7({1, 10});
        dZ7.data.at(static_cast<std::size_t>(c)) = 1.0f;  // d Z7[c] / d Z7 is the one-hot row of c
        nn::Tensor dA6 = ctx.dense_backward(dZ7, f.A6, w.W7, w.b7).dA_prev;
        nn::Tensor dZ6 = ctx.activation_backward(dA6, f.A6, relu);
        nn::Tensor dA5 = ctx.dense_backward(dZ6, f.A5, w.W6, w.b6).dA_prev;
        nn::Tensor dZ5 = ctx.activation_backward(dA5, f.A5, relu);
        nn::Tensor dP3 = reshaped(ctx.dense_backward(dZ5, f.F, w.W5, w.b5).dA_prev, {1, 5, 5, 16});
        nn::Tensor dA3 = ctx.pool_backward(dP3, f.A3, {2, 2}, {2, 2}, nn::PoolMode::max);
        nn::Tensor dZ3 = ctx.activation_backward(dA3, f.A3, relu);
        nn::Tensor dP1 = ctx.conv_backward(dZ3, f.P1, w.W3, w.b3, nn::Padding::valid(), {1, 1}).dA_prev;
        nn::Tensor dA1 = ctx.pool_backward(dP1, f.A1, {2, 2}, {2, 2}, nn::PoolMode::max);
        nn::Tensor dZ1 = ctx.activation_backward(dA1, f.A1, relu);
        L.saliency = ctx.conv_backward(dZ1, f.x, w.W1, w.b1, nn::Padding::same(), {1, 1}).dA_prev;
        return 0;
    });
}

/// One of the tensors above, for the page to draw (read-only).
/// @param name "x", "Z1", "A1", "P1", "Z3", "A3", "P3", "Z7", "y", "dx",
///             "W1", "b1" (the C1 kernels and biases)
/// @return its values, or null for an unknown name or an empty tensor
EMSCRIPTEN_KEEPALIVE const float* lab_tensor(const char* name) {
    Lab& L = lab();
    const std::map<std::string, const nn::Tensor*> by_name = {
        {"x", &L.f.x},   {"Z1", &L.f.Z1}, {"A1", &L.f.A1}, {"P1", &L.f.P1},      {"Z3", &L.f.Z3}, {"A3", &L.f.A3},
        {"P3", &L.f.P3}, {"Z7", &L.f.Z7}, {"y", &L.f.y},   {"dx", &L.saliency}, {"W1", &L.w.W1}, {"b1", &L.w.b1},
    };
    const auto found = by_name.find(name);
    if (found == by_name.end() || found->second->data.empty()) return nullptr;
    return found->second->data.data();
}

/// A buffer of @p bytes for the bundled subset, filled by the page and then
/// handed to lab_set_data.
EMSCRIPTEN_KEEPALIVE std::uint8_t* lab_data_buffer(int bytes) {
    lab().data_bytes.assign(static_cast<std::size_t>(std::max(bytes, 0)), 0);
    return lab().data_bytes.data();
}

/// Reads the subset from lab_data_buffer: n_train images (784 bytes each)
/// then their n_train labels, then n_test images and n_test labels.
/// @return 0, or -1 when the sizes do not add up or a label is not 0..9
EMSCRIPTEN_KEEPALIVE int lab_set_data(int n_train, int n_test) {
    Lab& L = lab();
    const std::size_t expected = 785u * static_cast<std::size_t>(std::max(n_train, 0) + std::max(n_test, 0));
    if (n_train <= 0 || n_test <= 0 || L.data_bytes.size() != expected) {
        L.error = "lab_set_data: the subset holds " + std::to_string(L.data_bytes.size()) + " bytes, expected " +
                  std::to_string(expected) + " for " + std::to_string(n_train) + " + " + std::to_string(n_test) +
                  " images";
        return -1;
    }
    const std::uint8_t* p = L.data_bytes.data();
    L.train_x = images_from_bytes(p, n_train);
    p += 784 * n_train;
    L.train_labels.assign(p, p + n_train);
    p += n_train;
    L.test_x = images_from_bytes(p, n_test);
    p += 784 * n_test;
    L.test_labels.assign(p, p + n_test);
    for (int label : L.train_labels) if (label > 9) { L.error = "lab_set_data: a training label is not 0..9"; return -1; }
    for (int label : L.test_labels) if (label > 9) { L.error = "lab_set_data: a test label is not 0..9"; return -1; }
    std::vector<std::uint8_t>().swap(L.data_bytes);
    return 0;
}

/// The model's own predict() on the first @p n test images of the subset
/// (the numbers the test compares with the native build's).
/// @return a pointer to n x 10 probabilities, or null (lab_error says why)
EMSCRIPTEN_KEEPALIVE const float* lab_predict_test(int n) {
    Lab& L = lab();
    const int r = guarded([&] {
        std::vector<std::size_t> index(static_cast<std::size_t>(L.test_x.dim(0)));
        std::iota(index.begin(), index.end(), std::size_t{0});
        L.probabilities = L.model.predict(nn::gather_samples(L.test_x, index, 0, static_cast<std::size_t>(n)));
        return 0;
    });
    return r == 0 ? L.probabilities.data.data() : nullptr;
}

/// Starts training a fresh LeNet-5 (keras::lenet5 with @p seed) on the subset.
EMSCRIPTEN_KEEPALIVE void lab_train_begin(int seed) {
    Lab& L = lab();
    L.trainee = keras::lenet5(keras::Input({28, 28, 1}), static_cast<std::uint64_t>(seed));
    L.trainee.set_threads(1);
    L.trainee.set_passes(L.passes);
    L.shuffle = nn::Rng(static_cast<std::uint64_t>(seed) + 1);
    L.order.clear();
    L.next = 0;
}

/// Runs up to @p steps mini-batches of the current epoch (a new epoch starts
/// with a new shuffled order), train_on_batch each.
/// @return the batches still left in the epoch, or -1
EMSCRIPTEN_KEEPALIVE int lab_train_steps(int steps) {
    return guarded([&] {
        Lab& L = lab();
        const std::size_t n = L.train_labels.size();
        if (n == 0) throw std::runtime_error("lab_train_steps: no training data (lab_set_data first)");
        if (L.next >= L.order.size()) {  // a new epoch: Fisher-Yates with the lab's generator
            L.order.resize(n);
            std::iota(L.order.begin(), L.order.end(), std::size_t{0});
            for (std::size_t i = n - 1; i > 0; --i) std::swap(L.order[i], L.order[L.shuffle.below(i + 1)]);
            L.next = 0;
            L.loss_sum = L.accuracy_sum = 0;
            L.batches = 0;
        }
        for (int s = 0; s < steps && L.next < n; ++s) {
            const std::size_t end = std::min(n, L.next + static_cast<std::size_t>(L.batch_size));
            std::vector<int> labels;
            for (std::size_t k = L.next; k < end; ++k) labels.push_back(L.train_labels[L.order[k]]);
            keras::Evaluation e =
                L.trainee.train_on_batch(nn::gather_samples(L.train_x, L.order, L.next, end), nn::one_hot(labels, 10));
            L.loss_sum += e.loss;
            L.accuracy_sum += e.accuracy;
            ++L.batches;
            L.next = end;
        }
        return static_cast<int>((n - L.next + static_cast<std::size_t>(L.batch_size) - 1) /
                                static_cast<std::size_t>(L.batch_size));
    });
}

/// @return the mean training loss over the current epoch's batches so far
EMSCRIPTEN_KEEPALIVE double lab_train_loss() { return lab().batches ? lab().loss_sum / lab().batches : 0.0; }
/// @return the mean training accuracy over the current epoch's batches so far
EMSCRIPTEN_KEEPALIVE double lab_train_accuracy() {
    return lab().batches ? lab().accuracy_sum / lab().batches : 0.0;
}

/// @return the trained model's accuracy on the subset's test images, or -1
EMSCRIPTEN_KEEPALIVE double lab_train_test_accuracy() {
    Lab& L = lab();
    double accuracy = -1;
    guarded([&] {
        accuracy = L.trainee.evaluate(L.test_x, nn::one_hot(L.test_labels, 10), 100).accuracy;
        return 0;
    });
    return accuracy;
}

/// Gives the canvas the trained weights (the trainee's get_weights into the model).
/// @return 0, or -1
EMSCRIPTEN_KEEPALIVE int lab_train_use() {
    return guarded([&] {
        Lab& L = lab();
        L.model.set_weights(L.trainee.get_weights());
        L.w = weights_of(L.model);
        return 0;
    });
}

/// Writes the canvas model's weights to @p path (Sequential::save_weights),
/// for the page to offer as a download.
/// @return 0, or -1
EMSCRIPTEN_KEEPALIVE int lab_save_weights(const char* path) {
    return guarded([&] {
        lab().model.save_weights(path);
        return 0;
    });
}

}  // extern "C"
