// Keras-style layers: each forward and backward is one call into nn/.
//
//   Conv2D     A = act(conv_forward(A_prev, W, b))     dZ = activation_backward(dA, A); conv_backward(dZ, ...)
//   Pooling2D  A = pool_forward(A_prev)                 dA_prev = pool_backward(dA, A_prev)
// (conv, pool, dense and activation backward through their threaded *_fast
// variants, writing into tensors the layer keeps: forward_kept, backward_kept)
//   Flatten    (m, h, w, c) -> (m, h*w*c)               dA reshaped back
//   Dense      Z = dense_forward(A_prev, W, b), A = act(Z)   dZ from dA and A; dense_backward(dZ, ...)
//   Dropout    {A, mask} = dropout_forward(A_prev)      dA_prev = dropout_backward(dA, mask)
// The returning forward and backward are the kept forms, copied.
#include "lenet/keras/layers.hpp"

#include <algorithm>
#include <utility>

#include "nn/fast/activations.hpp"
#include "nn/fast/conv_backward.hpp"
#include "nn/fast/conv_forward.hpp"
#include "nn/fast/dense.hpp"
#include "nn/dropout.hpp"
#include "nn/errors.hpp"
#include "nn/init.hpp"
#include "nn/fast/pool.hpp"

namespace keras {

std::string batch_shape_str(const nn::Shape& shape) {
    std::string s = "(None";
    for (int d : shape) s += ", " + std::to_string(d);
    return s + ")";
}

Input::Input(nn::Shape shape_) : shape(std::move(shape_)) {
    bool positive = !shape.empty();
    for (int d : shape) positive = positive && d > 0;
    nn::require(positive, "Input", "shape must have positive extents, got " + nn::shape_str(shape));
}

// ---------------------------------------------------------------- initializers

namespace {

Initializer::Kind parse_initializer(const std::string& name) {
    if (name == "glorot_uniform") return Initializer::Kind::glorot_uniform;
    if (name == "he_normal") return Initializer::Kind::he_normal;
    if (name == "zeros") return Initializer::Kind::zeros;
    throw std::invalid_argument("Initializer: unknown name '" + name +
                                "'; known: glorot_uniform, he_normal, zeros");
}

}  // namespace

Initializer::Initializer(const char* name) : Initializer(std::string(name)) {}

Initializer::Initializer(const std::string& name) : kind_(parse_initializer(name)) {}

Initializer::Initializer(Kind kind, std::optional<std::uint64_t> seed) : kind_(kind) {
    if (seed) rng_ = std::make_shared<nn::Rng>(*seed);
}

nn::Tensor Initializer::operator()(const nn::Shape& shape, nn::Rng& model_rng) const {
    nn::Rng& rng = rng_ ? *rng_ : model_rng;
    switch (kind_) {
        case Kind::glorot_uniform: return nn::glorot_uniform(shape, rng);
        case Kind::he_normal: return nn::he_normal(shape, rng);
        case Kind::zeros: break;
    }
    return nn::zeros(shape);
}

std::string Initializer::name() const {
    switch (kind_) {
        case Kind::glorot_uniform: return "glorot_uniform";
        case Kind::he_normal: return "he_normal";
        case Kind::zeros: break;
    }
    return "zeros";
}

// ----------------------------------------------------------------- activations

LayerActivation LayerActivation::parse(const std::string& name, const char* fn) {
    LayerActivation a;
    if (name == "softmax") {
        a.softmax = true;
    } else if (name.empty() || name == "linear" || name == "relu" || name == "tanh" || name == "sigmoid") {
        a.elementwise = nn::Activation::parse(name.empty() ? "linear" : name, fn);
    } else {
        throw std::invalid_argument(std::string(fn) + ": unknown activation '" + name +
                                    "'; known: linear, relu, tanh, sigmoid, softmax");
    }
    return a;
}

std::string LayerActivation::name() const { return softmax ? "softmax" : elementwise.name(); }

// ---------------------------------------------------------------------- Layer

std::vector<const nn::Tensor*> Layer::weights() const {
    std::vector<nn::Tensor*> w = const_cast<Layer*>(this)->weights();  // the same list, read-only
    return {w.begin(), w.end()};
}

std::size_t Layer::count_params() const {
    std::size_t n = 0;
    for (const nn::Tensor* w : weights()) n += w->size();
    return n;
}

const nn::Tensor& Layer::forward_kept(const nn::Tensor& A_prev, bool training, nn::Rng& rng) {
    A_ = forward(A_prev, training, rng);
    return A_;
}

nn::Tensor& Layer::backward_kept(nn::Tensor& dA, const nn::Tensor& A_prev, const nn::Tensor& A) {
    dA_prev_ = backward(dA, A_prev, A);
    return dA_prev_;
}

nn::Tensor KeptLayer::forward(const nn::Tensor& A_prev, bool training, nn::Rng& rng) {
    return forward_kept(A_prev, training, rng);
}

nn::Tensor KeptLayer::backward(const nn::Tensor& dA, const nn::Tensor& A_prev, const nn::Tensor& A) {
    nn::Tensor dA_copy = dA;  // backward_kept may consume its dA (an activation turns it into dZ)
    return backward_kept(dA_copy, A_prev, A);
}

nn::fast::ThreadPool& Layer::pool() const {
    nn::require(pool_ != nullptr, class_name().c_str(), "the layer runs on its model's threads; add it to a Sequential first");
    return *pool_;
}

namespace {

// Refuses a non-positive size with the layer and argument in the message.
void require_positive(Size2 s, const char* fn, const char* arg) {
    nn::require(s.h > 0 && s.w > 0, fn,
                std::string(arg) + " must be positive, got (" + std::to_string(s.h) + ", " + std::to_string(s.w) +
                    ")");
}

// Refuses an input that is not one image (h, w, c).
void require_image(const nn::Shape& input_shape, const char* fn) {
    nn::require(input_shape.size() == 3, fn,
                "expects input of shape (None, h, w, c) but got " + batch_shape_str(input_shape));
}

// The output geometry of a window of size k with stride s over one image,
// validated by nn::make_geometry (which throws, naming @p fn, when it does not fit).
nn::Geometry image_geometry(const char* fn, const nn::Shape& input_shape, Size2 k, nn::Padding pad, Size2 s) {
    return nn::make_geometry(fn, {1, input_shape[0], input_shape[1], input_shape[2]}, k.h, k.w, pad, {s.h, s.w});
}

// dA becomes dZ = dA * act'(Z), in place (a linear activation leaves it as it is).
void activation_backward_in_place(nn::Tensor& dA, const nn::Tensor& A, nn::Activation act, nn::fast::ThreadPool& pool) {
    if (act.kind != nn::Activation::Kind::linear) dA = nn::fast::activation_backward(dA, A, act, pool);
}

}  // namespace

// --------------------------------------------------------------------- Conv2D

Conv2D::Conv2D(int filters, Size2 kernel_size, Size2 strides, const std::string& padding,
               const std::string& activation, Initializer kernel_initializer)
    : filters_(filters),
      kernel_size_(kernel_size),
      strides_(strides),
      activation_(LayerActivation::parse(activation, "Conv2D")),
      kernel_initializer_(std::move(kernel_initializer)) {
    nn::require(filters > 0, "Conv2D", "filters must be positive, got " + std::to_string(filters));
    require_positive(kernel_size, "Conv2D", "kernel_size");
    require_positive(strides, "Conv2D", "strides");
    nn::require(padding == "valid" || padding == "same", "Conv2D",
                "unknown padding '" + padding + "'; known: valid, same");
    nn::require(!activation_.softmax, "Conv2D", "activation 'softmax' needs a 2-D output; use it in Dense");
    padding_ = padding == "same" ? nn::Padding::same() : nn::Padding::valid();
}

std::unique_ptr<Layer> Conv2D::clone() const {
    auto copy = std::make_unique<Conv2D>(*this);
    copy->W_ = copy->b_ = copy->A_ = nn::Tensor();
    copy->grads_ = nn::ConvGrads();
    copy->output_shape_.clear();
    return copy;
}

void Conv2D::build(const nn::Shape& input_shape, nn::Rng& model_rng) {
    require_image(input_shape, "Conv2D");
    nn::Geometry g = image_geometry("Conv2D", input_shape, kernel_size_, padding_, strides_);
    W_ = kernel_initializer_({kernel_size_.h, kernel_size_.w, input_shape[2], filters_}, model_rng);
    b_ = nn::zeros({1, 1, 1, filters_});
    output_shape_ = {g.h, g.w, filters_};
}

const nn::Tensor& Conv2D::forward_kept(const nn::Tensor& A_prev, bool, nn::Rng&) {
    A_ = nn::fast::conv_forward(A_prev, W_, b_, activation_.elementwise, padding_, {strides_.h, strides_.w}, pool());
    return A_;
}

nn::Tensor& Conv2D::backward_kept(nn::Tensor& dA, const nn::Tensor& A_prev, const nn::Tensor& A) {
    return backward_into(dA, A_prev, A, input_gradient());
}

nn::Tensor& Conv2D::backward_into(nn::Tensor& dA, const nn::Tensor& A_prev, const nn::Tensor& A,
                                  bool need_dA_prev) {
    activation_backward_in_place(dA, A, activation_.elementwise, pool());  // dA is now dZ
    grads_ = nn::fast::conv_backward(dA, A_prev, W_, b_, padding_, {strides_.h, strides_.w}, pool(), need_dA_prev);
    return grads_.dA_prev;
}

nn::Tensor Conv2D::backward(const nn::Tensor& dA, const nn::Tensor& A_prev, const nn::Tensor& A) {
    nn::Tensor dZ = dA;  // backward_into turns its dA into dZ
    return backward_into(dZ, A_prev, A, true);
}

// ------------------------------------------------------------------ Pooling2D

Pooling2D::Pooling2D(nn::PoolMode mode, Size2 pool_size, std::optional<Size2> strides, const std::string& padding)
    : mode_(mode), pool_size_(pool_size), strides_(strides.value_or(pool_size)) {
    const char* fn = mode == nn::PoolMode::max ? "MaxPooling2D" : "AveragePooling2D";
    require_positive(pool_size_, fn, "pool_size");
    require_positive(strides_, fn, "strides");
    nn::require(padding == "valid", fn,
                "padding '" + padding + "' is not supported; known: valid (nn::pool_forward does not pad)");
}

void Pooling2D::build(const nn::Shape& input_shape, nn::Rng&) {
    const std::string fn = class_name();
    require_image(input_shape, fn.c_str());
    nn::Geometry g = image_geometry(fn.c_str(), input_shape, pool_size_, nn::Padding::valid(), strides_);
    output_shape_ = {g.h, g.w, input_shape[2]};
}

const nn::Tensor& Pooling2D::forward_kept(const nn::Tensor& A_prev, bool, nn::Rng&) {
    A_ = nn::fast::pool_forward(A_prev, {pool_size_.h, pool_size_.w}, {strides_.h, strides_.w}, mode_, pool());
    return A_;
}

nn::Tensor& Pooling2D::backward_kept(nn::Tensor& dA, const nn::Tensor& A_prev, const nn::Tensor&) {
    dA_prev_ = nn::fast::pool_backward(dA, A_prev, {pool_size_.h, pool_size_.w}, {strides_.h, strides_.w}, mode_,
                                       pool());
    return dA_prev_;
}

std::unique_ptr<Layer> MaxPooling2D::clone() const {
    auto copy = std::make_unique<MaxPooling2D>(*this);
    copy->A_ = copy->dA_prev_ = nn::Tensor();
    copy->output_shape_.clear();
    return copy;
}

std::unique_ptr<Layer> AveragePooling2D::clone() const {
    auto copy = std::make_unique<AveragePooling2D>(*this);
    copy->A_ = copy->dA_prev_ = nn::Tensor();
    copy->output_shape_.clear();
    return copy;
}

// -------------------------------------------------------------------- Flatten

std::unique_ptr<Layer> Flatten::clone() const { return std::make_unique<Flatten>(); }

void Flatten::build(const nn::Shape& input_shape, nn::Rng&) {
    output_shape_ = {static_cast<int>(nn::shape_size(input_shape))};
}

const nn::Tensor& Flatten::forward_kept(const nn::Tensor& A_prev, bool, nn::Rng&) {
    // NHWC is row-major, so (m, h, w, c) and (m, h*w*c) hold the same values in the same order.
    nn::require(A_prev.rank() >= 1 && A_prev.size() == static_cast<std::size_t>(A_prev.dim(0)) * output_shape_[0],
                "Flatten", [&] {
                    return "expects A_prev of shape " + batch_shape_str(output_shape_) + " once flattened, got " +
                           A_prev.shape_str();
                });
    A_ = nn::Tensor({A_prev.dim(0), output_shape_[0]}, A_prev.data);
    return A_;
}

nn::Tensor& Flatten::backward_kept(nn::Tensor& dA, const nn::Tensor& A_prev, const nn::Tensor&) {
    nn::require(dA.size() == A_prev.size(), "Flatten", [&] {
        return "dA " + dA.shape_str() + " does not hold as many values as A_prev " + A_prev.shape_str();
    });
    dA_prev_ = nn::Tensor(A_prev.shape, dA.data);
    return dA_prev_;
}

// ---------------------------------------------------------------------- Dense

Dense::Dense(int units, const std::string& activation, Initializer kernel_initializer)
    : units_(units),
      activation_(LayerActivation::parse(activation, "Dense")),
      kernel_initializer_(std::move(kernel_initializer)) {
    nn::require(units > 0, "Dense", "units must be positive, got " + std::to_string(units));
}

std::unique_ptr<Layer> Dense::clone() const {
    auto copy = std::make_unique<Dense>(*this);
    copy->W_ = copy->b_ = copy->Z_ = copy->dZ_ = copy->A_ = nn::Tensor();
    copy->grads_ = nn::DenseGrads();
    copy->output_shape_.clear();
    return copy;
}

void Dense::build(const nn::Shape& input_shape, nn::Rng& model_rng) {
    nn::require(input_shape.size() == 1, "Dense",
                "expects input of shape (None, n_in) but got " + batch_shape_str(input_shape) +
                    "; add Flatten() before it");
    W_ = kernel_initializer_({input_shape[0], units_}, model_rng);
    b_ = nn::zeros({1, units_});
    output_shape_ = {units_};
}

const nn::Tensor& Dense::forward_logits(const nn::Tensor& A_prev) {
    Z_ = nn::fast::dense_forward(A_prev, W_, b_, pool());
    return Z_;
}

const nn::Tensor& Dense::forward_kept(const nn::Tensor& A_prev, bool, nn::Rng&) {
    forward_logits(A_prev);
    if (activation_.softmax) {
        // Only predict and evaluate get here for the output layer (fit's loss reads the logits); a (m, units) tensor.
        A_ = nn::softmax_forward(Z_);
        return A_;
    }
    if (activation_.elementwise.kind == nn::Activation::Kind::linear) return Z_;
    A_ = Z_;  // Z stays readable through logits()
    activation_.elementwise.apply(A_.data.data(), A_.size());
    return A_;
}

nn::Tensor& Dense::backward_kept(nn::Tensor& dA, const nn::Tensor& A_prev, const nn::Tensor& A) {
    if (activation_.softmax) {
        dZ_ = nn::softmax_backward(dA, A);
        return backward_from_logits(dZ_, A_prev);
    }
    activation_backward_in_place(dA, A, activation_.elementwise, pool());  // dA is now dZ
    return backward_from_logits(dA, A_prev);
}

nn::Tensor& Dense::backward_from_logits(const nn::Tensor& dZ, const nn::Tensor& A_prev) {
    grads_ = nn::fast::dense_backward(dZ, A_prev, W_, b_, pool());
    return grads_.dA_prev;
}

// -------------------------------------------------------------------- Dropout

Dropout::Dropout(float rate) : rate_(rate) {
    nn::require(rate >= 0.0f && rate < 1.0f, "Dropout", "rate must be in [0, 1), got " + std::to_string(rate));
}

std::unique_ptr<Layer> Dropout::clone() const { return std::make_unique<Dropout>(rate_); }

void Dropout::build(const nn::Shape& input_shape, nn::Rng&) { output_shape_ = input_shape; }

const nn::Tensor& Dropout::forward_kept(const nn::Tensor& A_prev, bool training, nn::Rng& rng) {
    dropped_ = training;
    if (!training) return A_prev;  // the identity: no copy
    nn::DropoutResult r = nn::dropout_forward(A_prev, rate_, rng);
    A_ = std::move(r.A);
    mask_ = std::move(r.mask);
    return A_;
}

nn::Tensor& Dropout::backward_kept(nn::Tensor& dA, const nn::Tensor&, const nn::Tensor&) {
    nn::require(dropped_, "Dropout", "backward needs a forward in training mode first");
    dA_prev_ = nn::dropout_backward(dA, mask_);
    return dA_prev_;
}

}  // namespace keras
