// Keras-style layers over the nn/ passes: Input, Conv2D, MaxPooling2D,
// AveragePooling2D, Flatten, Dense, Dropout, and the kernel initializers.
//
// A layer is a description until a model builds it: build() learns the
// input shape (without the batch axis), checks it, draws the weights and
// fixes the output shape. Then forward() maps A_prev (m, ...) to A (m, ...)
// and backward() maps dA to dA_prev, keeping dW and db for the optimizer:
//
//   Conv2D              A = act(conv(A_prev, W) + b)   W (kh, kw, c_prev, filters), b (1, 1, 1, filters)
//   MaxPooling2D        A = max over each window       no weights
//   AveragePooling2D    A = mean over each window      no weights
//   Flatten             (m, h, w, c) -> (m, h*w*c)     no weights, row-major order as Keras
//   Dense               A = act(A_prev · W + b)        W (n_in, units), b (1, units)
//   Dropout             A = A_prev * mask / (1 - rate) in training, A = A_prev otherwise
//
// Every computation is one call by the course's name on the nn::Context the
// model passes in (ctx.conv_forward, ctx.pool_backward, ...); the context
// decides whether the reference loop nests or the fast threaded ones run.
// Layers take and return plain tensors. Shapes in messages are written as
// Keras prints them: (None, 28, 28, 6).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nn/activations.hpp"
#include "nn/context.hpp"
#include "nn/geometry.hpp"
#include "nn/pool_forward.hpp"
#include "nn/rng.hpp"
#include "nn/tensor.hpp"

namespace keras {

/// A shape with the batch axis first, as Keras prints it: "(None, 28, 28, 6)".
/// @param shape the shape of one sample (without the batch axis)
/// @return the text, "None" standing for the batch size
std::string batch_shape_str(const nn::Shape& shape);

/// The input of a model: the shape of one sample, e.g. Input({28, 28, 1}).
struct Input {
    /// @param shape one sample's shape, every extent positive
    /// @throws std::invalid_argument when the shape is empty or an extent is not positive
    explicit Input(nn::Shape shape);
    nn::Shape shape;  ///< one sample's shape, without the batch axis
};

/// A height-and-width pair (kernel size, strides, pool size); a single number
/// means the same for both, as in Keras.
struct Size2 {
    /// Both extents equal.
    /// @param k the height and the width
    Size2(int k) : h(k), w(k) {}  // NOLINT: implicit on purpose, Conv2D(6, 5) reads like Keras
    /// Height and width apart.
    /// @param h rows
    /// @param w columns
    Size2(int h, int w) : h(h), w(w) {}
    int h;  ///< rows
    int w;  ///< columns
};

/// A kernel initializer: the distribution (from nn/init.hpp) and the random
/// source it draws from. Copies share that source, so one HeNormal(0) given
/// to several layers draws their kernels one after the other, in the order
/// the model builds them. Without a seed, the initializer draws from the
/// model's own generator (seeded with the model's seed): Keras draws from a
/// global one, and plaincnn has no globals.
class Initializer {
public:
    /// The distributions available.
    enum class Kind { glorot_uniform, he_normal, zeros };

    /// By name, drawing from the model's generator.
    /// @param name "glorot_uniform", "he_normal" or "zeros"
    /// @throws std::invalid_argument listing the known names
    Initializer(const char* name);         // NOLINT: implicit, as Keras accepts strings
    /// By name, as above.
    /// @param name "glorot_uniform", "he_normal" or "zeros"
    Initializer(const std::string& name);  // NOLINT: implicit, as Keras accepts strings
    /// A distribution and where it draws from.
    /// @param kind the distribution
    /// @param seed seeds its own generator; empty = draw from the model's generator
    Initializer(Kind kind, std::optional<std::uint64_t> seed);

    /// Draws a tensor.
    /// @param shape     kernel (kh, kw, c_prev, c_new) or (n_in, n_out), or any shape for zeros
    /// @param model_rng the model's generator, used when this initializer has no seed
    /// @return a tensor of shape @p shape from this distribution
    nn::Tensor operator()(const nn::Shape& shape, nn::Rng& model_rng) const;

    /// @return the Keras name of the distribution, e.g. "he_normal"
    std::string name() const;

private:
    Kind kind_;
    std::shared_ptr<nn::Rng> rng_;  // null: draw from the model's generator
};

/// Glorot-uniform, Keras's default kernel initializer.
struct GlorotUniform : Initializer {
    /// @param seed its own generator's seed; none = the model's generator
    explicit GlorotUniform(std::optional<std::uint64_t> seed = std::nullopt) : Initializer(Kind::glorot_uniform, seed) {}
};

/// He-normal (truncated), as keras.initializers.HeNormal.
struct HeNormal : Initializer {
    /// @param seed its own generator's seed; none = the model's generator
    explicit HeNormal(std::optional<std::uint64_t> seed = std::nullopt) : Initializer(Kind::he_normal, seed) {}
};

/// All zeros, Keras's default bias initializer.
struct Zeros : Initializer {
    /// Zeros need no random numbers.
    Zeros() : Initializer(Kind::zeros, std::nullopt) {}
};

/// A layer's activation: one of nn's elementwise functions, or softmax
/// (rows of a 2-D output only).
struct LayerActivation {
    /// Parses an activation's Keras name.
    /// @param name "linear" (or "", Keras's None), "relu", "tanh", "sigmoid" or "softmax"
    /// @param fn   the layer type for the message, e.g. "Dense"
    /// @return the activation
    /// @throws std::invalid_argument listing the known names
    static LayerActivation parse(const std::string& name, const char* fn);
    bool softmax = false;  ///< softmax over each row instead of @ref elementwise
    nn::Activation elementwise = nn::Activation::linear();  ///< used when softmax is false
    /// @return the Keras name, e.g. "relu"
    std::string name() const;
};


/// The interface every layer implements: Keras's build() and call() (here
/// forward()), the backward pass, the weights with their gradients, and the
/// names summary() prints. A model owns its layers, builds them in order and
/// calls forward/backward with its nn::Context; users construct the concrete
/// layers below and hand them to Sequential.
class Layer {
public:
    virtual ~Layer() = default;

    /// @return the Keras class name shown by summary(), e.g. "MaxPooling2D"
    virtual std::string class_name() const = 0;
    /// @return the stem of the layer's name, e.g. "max_pooling2d"
    virtual std::string base_name() const = 0;
    /// @return a fresh, unbuilt copy of this layer's configuration
    virtual std::unique_ptr<Layer> clone() const = 0;

    /// Checks @p input_shape, draws the weights, fixes output_shape().
    /// Nothing changes (and no random number is drawn) when it throws.
    /// @param input_shape one sample's input shape (no batch axis)
    /// @param model_rng   the model's generator, for initializers without a seed
    /// @throws std::invalid_argument naming the layer and both shapes when the input does not fit
    virtual void build(const nn::Shape& input_shape, nn::Rng& model_rng) = 0;

    /// The layer's output for a batch (Keras's call()).
    /// @param A_prev   (m, input shape)
    /// @param training true inside fit (Dropout drops only then)
    /// @param ctx      runs the passes
    /// @param rng      the generator Dropout draws its masks from
    /// @return A, (m, output shape)
    virtual nn::Tensor forward(const nn::Tensor& A_prev, bool training, nn::Context& ctx, nn::Rng& rng) = 0;

    /// dA_prev from dA, storing the weight gradients (see gradients()).
    /// @param dA     gradient of the loss with respect to this layer's output A
    /// @param A_prev the input of the matching forward()
    /// @param A      the output of the matching forward()
    /// @param ctx    runs the passes
    /// @return dA_prev, shaped like A_prev; a layer may leave it empty (rank 0)
    ///         when needs_input_gradient() is false
    virtual nn::Tensor backward(const nn::Tensor& dA, const nn::Tensor& A_prev, const nn::Tensor& A,
                                nn::Context& ctx) = 0;

    /// @return the trainable weights in Keras's get_weights() order (kernel, bias); none by default
    virtual std::vector<nn::Tensor*> weights() { return {}; }
    /// @return the same weights, read-only
    std::vector<const nn::Tensor*> weights() const;
    /// @return the names of weights(), e.g. {"kernel", "bias"}
    virtual std::vector<std::string> weight_names() const { return {}; }
    /// @return the gradients of the last backward(), matching weights()
    virtual std::vector<const nn::Tensor*> gradients() const { return {}; }

    /// @return the number of trainable values
    std::size_t count_params() const;
    /// @return the name the model gave the layer ("" before it is added), e.g. "conv2d_1"
    const std::string& name() const { return name_; }
    /// @return one sample's output shape (empty before build())
    const nn::Shape& output_shape() const { return output_shape_; }
    /// Autodiff pruning: whether anything reads this layer's dA_prev.
    /// Sequential says no for its layers up to and including the first one
    /// with weights: no layer before them learns, so nothing needs the
    /// gradient with respect to their input (the images, for LeNet-5's C1,
    /// whose conv backward then skips that half of its work). True for a
    /// layer outside a model.
    /// @return false when backward() may leave dA_prev empty
    bool needs_input_gradient() const { return needs_input_gradient_; }

protected:
    /// Only the concrete layers construct.
    Layer() = default;
    /// Copies the configuration.
    Layer(const Layer&) = default;
    /// Copies the configuration.
    /// @return this layer
    Layer& operator=(const Layer&) = default;
    nn::Shape output_shape_;  ///< set by build()

private:
    friend class Sequential;
    std::string name_;
    bool needs_input_gradient_ = true;  // set by Sequential::add
};

/// 2-D convolution, keras.layers.Conv2D: A = act(conv(A_prev, W) + b) by
/// ctx.conv_forward; backward is ctx.activation_backward (dA to dZ) then
/// ctx.conv_backward, which skips dA_prev when needs_input_gradient() is
/// false. Input (h, w, c), weights {kernel, bias}.
class Conv2D : public Layer {
public:
    /// @param filters            output channels c_new, positive
    /// @param kernel_size        (kh, kw)
    /// @param strides            (sh, sw)
    /// @param padding            "valid" (Keras's default) or "same"
    /// @param activation         "linear"/"" (default), "relu", "tanh" or "sigmoid"
    /// @param kernel_initializer Glorot-uniform by default; biases start at zero
    /// @throws std::invalid_argument on a non-positive size or an unknown name
    Conv2D(int filters, Size2 kernel_size, Size2 strides = 1, const std::string& padding = "valid",
           const std::string& activation = "", Initializer kernel_initializer = GlorotUniform());

    std::string class_name() const override { return "Conv2D"; }
    std::string base_name() const override { return "conv2d"; }
    std::unique_ptr<Layer> clone() const override;
    void build(const nn::Shape& input_shape, nn::Rng& model_rng) override;
    nn::Tensor forward(const nn::Tensor& A_prev, bool training, nn::Context& ctx, nn::Rng& rng) override;
    nn::Tensor backward(const nn::Tensor& dA, const nn::Tensor& A_prev, const nn::Tensor& A,
                        nn::Context& ctx) override;
    std::vector<nn::Tensor*> weights() override { return {&W_, &b_}; }
    std::vector<std::string> weight_names() const override { return {"kernel", "bias"}; }
    std::vector<const nn::Tensor*> gradients() const override { return {&dW_, &db_}; }

private:
    int filters_;
    Size2 kernel_size_;
    nn::Stride strides_;
    nn::Padding padding_;
    LayerActivation activation_;
    Initializer kernel_initializer_;
    nn::Tensor W_, b_, dW_, db_;
};

/// Max or average pooling without padding, by ctx.pool_forward and
/// ctx.pool_backward: the one body of keras.layers.MaxPooling2D and
/// keras.layers.AveragePooling2D, which only choose the mode (and with it
/// the class name). Input (h, w, c).
class Pooling2D : public Layer {
public:
    /// @param mode      max or avg
    /// @param pool_size (kh, kw)
    /// @param strides   (sh, sw); none = pool_size, as in Keras
    /// @param padding   "valid" only (nn::pool_forward does not pad)
    /// @throws std::invalid_argument on a non-positive size or another padding
    Pooling2D(nn::PoolMode mode, Size2 pool_size, std::optional<Size2> strides, const std::string& padding);

    /// @return "MaxPooling2D" or "AveragePooling2D"
    std::string class_name() const final;
    /// @return "max_pooling2d" or "average_pooling2d"
    std::string base_name() const final;
    std::unique_ptr<Layer> clone() const override;
    void build(const nn::Shape& input_shape, nn::Rng& model_rng) override;
    nn::Tensor forward(const nn::Tensor& A_prev, bool training, nn::Context& ctx, nn::Rng& rng) override;
    nn::Tensor backward(const nn::Tensor& dA, const nn::Tensor& A_prev, const nn::Tensor& A,
                        nn::Context& ctx) override;

private:
    nn::PoolMode mode_;
    nn::Window pool_size_;
    nn::Stride strides_;
};

/// keras.layers.MaxPooling2D.
struct MaxPooling2D : Pooling2D {
    /// @param pool_size (kh, kw), 2x2 by default
    /// @param strides   (sh, sw); none = pool_size
    /// @param padding   "valid" only
    explicit MaxPooling2D(Size2 pool_size = 2, std::optional<Size2> strides = std::nullopt,
                          const std::string& padding = "valid")
        : Pooling2D(nn::PoolMode::max, pool_size, strides, padding) {}
};

/// keras.layers.MaxPool2D, the same class under its short name.
using MaxPool2D = MaxPooling2D;

/// keras.layers.AveragePooling2D.
struct AveragePooling2D : Pooling2D {
    /// @param pool_size (kh, kw), 2x2 by default
    /// @param strides   (sh, sw); none = pool_size
    /// @param padding   "valid" only
    explicit AveragePooling2D(Size2 pool_size = 2, std::optional<Size2> strides = std::nullopt,
                              const std::string& padding = "valid")
        : Pooling2D(nn::PoolMode::avg, pool_size, strides, padding) {}
};

/// keras.layers.Flatten: (m, h, w, c) -> (m, h*w*c), any input shape; the
/// values keep their order (NHWC is row-major), only the shape changes.
class Flatten : public Layer {
public:
    std::string class_name() const override { return "Flatten"; }
    std::string base_name() const override { return "flatten"; }
    std::unique_ptr<Layer> clone() const override;
    void build(const nn::Shape& input_shape, nn::Rng& model_rng) override;
    nn::Tensor forward(const nn::Tensor& A_prev, bool training, nn::Context& ctx, nn::Rng& rng) override;
    nn::Tensor backward(const nn::Tensor& dA, const nn::Tensor& A_prev, const nn::Tensor& A,
                        nn::Context& ctx) override;
};

/// keras.layers.Dense: A = act(Z), Z = A_prev · W + b on (m, n_in) inputs,
/// by ctx.dense_forward then the activation (or the softmax of each row).
/// The backward turns dA into dZ (ctx.activation_backward, or
/// nn::softmax_backward) and hands it to backward_from_logits(). A loss
/// fused with the softmax reads the logits Z alone: it calls
/// forward_logits() and backward_from_logits() directly. A 4-D input is
/// refused at build() with both shapes (add Flatten first). Weights {kernel, bias}.
class Dense : public Layer {
public:
    /// @param units              n_out, positive
    /// @param activation         "linear"/"" (default), "relu", "tanh", "sigmoid" or "softmax"
    /// @param kernel_initializer Glorot-uniform by default; biases start at zero
    /// @throws std::invalid_argument on a non-positive size or an unknown name
    explicit Dense(int units, const std::string& activation = "", Initializer kernel_initializer = GlorotUniform());

    std::string class_name() const override { return "Dense"; }
    std::string base_name() const override { return "dense"; }
    std::unique_ptr<Layer> clone() const override;
    void build(const nn::Shape& input_shape, nn::Rng& model_rng) override;
    nn::Tensor forward(const nn::Tensor& A_prev, bool training, nn::Context& ctx, nn::Rng& rng) override;
    nn::Tensor backward(const nn::Tensor& dA, const nn::Tensor& A_prev, const nn::Tensor& A,
                        nn::Context& ctx) override;
    /// The logits Z = A_prev · W + b, before the activation (ctx.dense_forward).
    /// @param A_prev (m, n_in)
    /// @param ctx    runs the pass
    /// @return Z, (m, units)
    nn::Tensor forward_logits(const nn::Tensor& A_prev, nn::Context& ctx);
    /// The backward from the gradient with respect to the logits Z
    /// (ctx.dense_backward), storing dW and db.
    /// @param dZ     (m, units)
    /// @param A_prev the input of the matching forward
    /// @param ctx    runs the pass
    /// @return dA_prev, (m, n_in)
    nn::Tensor backward_from_logits(const nn::Tensor& dZ, const nn::Tensor& A_prev, nn::Context& ctx);
    /// @return the activation this layer applies
    const LayerActivation& activation() const { return activation_; }
    std::vector<nn::Tensor*> weights() override { return {&W_, &b_}; }
    std::vector<std::string> weight_names() const override { return {"kernel", "bias"}; }
    std::vector<const nn::Tensor*> gradients() const override { return {&dW_, &db_}; }

private:
    int units_;
    LayerActivation activation_;
    Initializer kernel_initializer_;
    nn::Tensor W_, b_, dW_, db_;
};

/// keras.layers.Dropout: in training, each value is zeroed with probability
/// @p rate and the rest scaled by 1 / (1 - rate) (nn::dropout_forward); in
/// predict and evaluate it passes its input through unchanged. The mask of
/// the last training forward is what its backward applies to dA.
class Dropout : public Layer {
public:
    /// @param rate fraction dropped, in [0, 1)
    /// @throws std::invalid_argument when rate is outside [0, 1)
    explicit Dropout(float rate);

    std::string class_name() const override { return "Dropout"; }
    std::string base_name() const override { return "dropout"; }
    std::unique_ptr<Layer> clone() const override;
    void build(const nn::Shape& input_shape, nn::Rng& model_rng) override;
    nn::Tensor forward(const nn::Tensor& A_prev, bool training, nn::Context& ctx, nn::Rng& rng) override;
    nn::Tensor backward(const nn::Tensor& dA, const nn::Tensor& A_prev, const nn::Tensor& A,
                        nn::Context& ctx) override;

private:
    float rate_;
    nn::Tensor mask_;  // of the last forward in training; empty otherwise
};

}  // namespace keras
