// Keras-style layers: each forward and backward is a call into nn/ by the
// course's names, on the context the model passes in.
//
//   Conv2D     A = ctx.conv_forward(A_prev, W, b, act)         dZ = ctx.activation_backward(dA, A); ctx.conv_backward(dZ, ...)
//   Pooling2D  A = ctx.pool_forward(A_prev)                    dA_prev = ctx.pool_backward(dA, A_prev)
//   Flatten    (m, h, w, c) -> (m, h*w*c)                      dA reshaped back
//   Dense      Z = ctx.dense_forward(A_prev, W, b), A = act(Z)  dZ from dA and A; ctx.dense_backward(dZ, ...)
//   Dropout    {A, mask} = dropout_forward(A_prev)             dA_prev = dropout_backward(dA, mask)
#include "lenet/keras/layers.hpp"

#include <utility>

#include "nn/dropout.hpp"
#include "nn/errors.hpp"
#include "nn/init.hpp"

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

// The output geometry of a kh x kw window with stride s over one image,
// validated by nn::make_geometry (which throws, naming @p fn, when it does not fit).
nn::Geometry image_geometry(const char* fn, const nn::Shape& input_shape, int kh, int kw, nn::Padding pad,
                            nn::Stride s) {
    return nn::make_geometry(fn, {1, input_shape[0], input_shape[1], input_shape[2]}, kh, kw, pad, s);
}

}  // namespace

// --------------------------------------------------------------------- Conv2D

Conv2D::Conv2D(int filters, Size2 kernel_size, Size2 strides, const std::string& padding,
               const std::string& activation, Initializer kernel_initializer)
    : filters_(filters),
      kernel_size_(kernel_size),
      strides_{strides.h, strides.w},
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
    copy->W_ = copy->b_ = copy->dW_ = copy->db_ = nn::Tensor();
    copy->output_shape_.clear();
    return copy;
}

void Conv2D::build(const nn::Shape& input_shape, nn::Rng& model_rng) {
    require_image(input_shape, "Conv2D");
    nn::Geometry g = image_geometry("Conv2D", input_shape, kernel_size_.h, kernel_size_.w, padding_, strides_);
    W_ = kernel_initializer_({kernel_size_.h, kernel_size_.w, input_shape[2], filters_}, model_rng);
    b_ = nn::zeros({1, 1, 1, filters_});
    output_shape_ = {g.h, g.w, filters_};
}

nn::Tensor Conv2D::forward(const nn::Tensor& A_prev, bool, nn::Context& ctx, nn::Rng&) {
    return ctx.conv_forward(A_prev, W_, b_, activation_.elementwise, padding_, strides_);
}

nn::Tensor Conv2D::backward(const nn::Tensor& dA, const nn::Tensor& A_prev, const nn::Tensor& A, nn::Context& ctx) {
    const nn::Tensor dZ = ctx.activation_backward(dA, A, activation_.elementwise);
    nn::ConvGrads g = ctx.conv_backward(dZ, A_prev, W_, b_, padding_, strides_, needs_input_gradient());
    dW_ = std::move(g.dW);
    db_ = std::move(g.db);
    return std::move(g.dA_prev);
}

// ------------------------------------------------------------------ Pooling2D

Pooling2D::Pooling2D(nn::PoolMode mode, Size2 pool_size, std::optional<Size2> strides, const std::string& padding)
    : mode_(mode), pool_size_{pool_size.h, pool_size.w} {
    const std::string fn = class_name();
    const Size2 s = strides.value_or(pool_size);
    require_positive(pool_size, fn.c_str(), "pool_size");
    require_positive(s, fn.c_str(), "strides");
    nn::require(padding == "valid", fn.c_str(),
                "padding '" + padding + "' is not supported; known: valid (nn::pool_forward does not pad)");
    strides_ = {s.h, s.w};
}

std::string Pooling2D::class_name() const { return mode_ == nn::PoolMode::max ? "MaxPooling2D" : "AveragePooling2D"; }

std::string Pooling2D::base_name() const {
    return mode_ == nn::PoolMode::max ? "max_pooling2d" : "average_pooling2d";
}

std::unique_ptr<Layer> Pooling2D::clone() const {
    return std::make_unique<Pooling2D>(mode_, Size2(pool_size_.kh, pool_size_.kw), Size2(strides_.sh, strides_.sw),
                                       "valid");
}

void Pooling2D::build(const nn::Shape& input_shape, nn::Rng&) {
    const std::string fn = class_name();
    require_image(input_shape, fn.c_str());
    nn::Geometry g =
        image_geometry(fn.c_str(), input_shape, pool_size_.kh, pool_size_.kw, nn::Padding::valid(), strides_);
    output_shape_ = {g.h, g.w, input_shape[2]};
}

nn::Tensor Pooling2D::forward(const nn::Tensor& A_prev, bool, nn::Context& ctx, nn::Rng&) {
    return ctx.pool_forward(A_prev, pool_size_, strides_, mode_);
}

nn::Tensor Pooling2D::backward(const nn::Tensor& dA, const nn::Tensor& A_prev, const nn::Tensor&, nn::Context& ctx) {
    return ctx.pool_backward(dA, A_prev, pool_size_, strides_, mode_);
}

// -------------------------------------------------------------------- Flatten

std::unique_ptr<Layer> Flatten::clone() const { return std::make_unique<Flatten>(); }

void Flatten::build(const nn::Shape& input_shape, nn::Rng&) {
    output_shape_ = {static_cast<int>(nn::shape_size(input_shape))};
}

nn::Tensor Flatten::forward(const nn::Tensor& A_prev, bool, nn::Context&, nn::Rng&) {
    // NHWC is row-major, so (m, h, w, c) and (m, h*w*c) hold the same values in the same order.
    nn::require(A_prev.rank() >= 1 && A_prev.size() == static_cast<std::size_t>(A_prev.dim(0)) * output_shape_[0],
                "Flatten", [&] {
                    return "expects A_prev of shape " + batch_shape_str(output_shape_) + " once flattened, got " +
                           A_prev.shape_str();
                });
    return nn::Tensor({A_prev.dim(0), output_shape_[0]}, A_prev.data);
}

nn::Tensor Flatten::backward(const nn::Tensor& dA, const nn::Tensor& A_prev, const nn::Tensor&, nn::Context&) {
    nn::require(dA.size() == A_prev.size(), "Flatten", [&] {
        return "dA " + dA.shape_str() + " does not hold as many values as A_prev " + A_prev.shape_str();
    });
    return nn::Tensor(A_prev.shape, dA.data);
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
    copy->W_ = copy->b_ = copy->dW_ = copy->db_ = nn::Tensor();
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

nn::Tensor Dense::forward(const nn::Tensor& A_prev, bool, nn::Context& ctx, nn::Rng&) {
    const nn::Tensor Z = forward_logits(A_prev, ctx);
    return activation_.softmax ? nn::softmax_forward(Z) : ctx.activation_forward(Z, activation_.elementwise);
}

nn::Tensor Dense::backward(const nn::Tensor& dA, const nn::Tensor& A_prev, const nn::Tensor& A, nn::Context& ctx) {
    const nn::Tensor dZ = activation_.softmax ? nn::softmax_backward(dA, A)
                                              : ctx.activation_backward(dA, A, activation_.elementwise);
    return backward_from_logits(dZ, A_prev, ctx);
}

nn::Tensor Dense::forward_logits(const nn::Tensor& A_prev, nn::Context& ctx) {
    return ctx.dense_forward(A_prev, W_, b_);
}

nn::Tensor Dense::backward_from_logits(const nn::Tensor& dZ, const nn::Tensor& A_prev, nn::Context& ctx) {
    nn::DenseGrads g = ctx.dense_backward(dZ, A_prev, W_, b_);
    dW_ = std::move(g.dW);
    db_ = std::move(g.db);
    return std::move(g.dA_prev);
}

// -------------------------------------------------------------------- Dropout

Dropout::Dropout(float rate) : rate_(rate) {
    nn::require(rate >= 0.0f && rate < 1.0f, "Dropout", "rate must be in [0, 1), got " + std::to_string(rate));
}

std::unique_ptr<Layer> Dropout::clone() const { return std::make_unique<Dropout>(rate_); }

void Dropout::build(const nn::Shape& input_shape, nn::Rng&) { output_shape_ = input_shape; }

nn::Tensor Dropout::forward(const nn::Tensor& A_prev, bool training, nn::Context&, nn::Rng& rng) {
    if (!training) {
        mask_ = nn::Tensor();
        return A_prev;
    }
    nn::DropoutResult r = nn::dropout_forward(A_prev, rate_, rng);
    mask_ = std::move(r.mask);
    return std::move(r.A);
}

nn::Tensor Dropout::backward(const nn::Tensor& dA, const nn::Tensor&, const nn::Tensor&, nn::Context&) {
    nn::require(mask_.rank() > 0, "Dropout", "backward needs a forward in training mode first");
    return nn::dropout_backward(dA, mask_);
}

}  // namespace keras
