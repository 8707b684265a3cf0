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
// Every computation is one call into nn/ (conv, pool and dense through the
// *_fast variants, which split the work across the model's ThreadPool and match the
// reference passes within float rounding). A layer keeps its output A, its
// dA_prev and its gradients dW, db as members, and the passes write into
// them (nn/'s "into" forms): once the first training step has run, a step
// allocates no tensor. Sequential calls forward_kept() and backward_kept(),
// which return references to those kept tensors; forward() and backward()
// are the same passes returning fresh copies, the simplest thing for a
// custom layer to implement (the built-in layers get them from KeptLayer). Shapes in messages are written as Keras prints
// them: (None, 28, 28, 6).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nn/activations.hpp"
#include "nn/conv_backward.hpp"
#include "nn/dense.hpp"
#include "nn/geometry.hpp"
#include "nn/fast/thread_pool.hpp"
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

/// The interface every layer implements. A model owns its layers, builds
/// them in order, and calls forward/backward; users construct the concrete
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

    /// The layer's output for a batch, as a new tensor. A custom layer may
    /// implement only this and backward() (the kept forms then keep their
    /// results); the built-in layers return a copy of forward_kept().
    /// @param A_prev   (m, input shape)
    /// @param training true inside fit (Dropout drops only then)
    /// @param rng      the generator Dropout draws its masks from
    /// @return A, (m, output shape)
    virtual nn::Tensor forward(const nn::Tensor& A_prev, bool training, nn::Rng& rng) = 0;

    /// dA_prev from dA as a new tensor, storing the weight gradients (see
    /// gradients()); for the built-in layers, backward_kept() on a copy of
    /// dA, always computing dA_prev.
    /// @param dA     gradient of the loss with respect to this layer's output A
    /// @param A_prev the input of the matching forward()
    /// @param A      the output of the matching forward()
    /// @return dA_prev, shaped like A_prev
    virtual nn::Tensor backward(const nn::Tensor& dA, const nn::Tensor& A_prev, const nn::Tensor& A) = 0;

    /// The layer's output for a batch, written into a tensor the layer keeps:
    /// what Sequential calls at every step, so that a step allocates nothing
    /// once the shapes are known. By default it keeps forward()'s result.
    /// @param A_prev   (m, input shape); it must stay unchanged until the matching backward_kept()
    /// @param training true inside fit (Dropout drops only then)
    /// @param rng      the generator Dropout draws its masks from
    /// @return A, (m, output shape), valid until the layer's next forward_kept()
    ///         (a Dropout outside training returns A_prev itself)
    virtual const nn::Tensor& forward_kept(const nn::Tensor& A_prev, bool training, nn::Rng& rng);

    /// dA_prev from dA, written into a tensor the layer keeps, storing the
    /// weight gradients (see gradients()). By default it keeps backward()'s result.
    /// @param dA     gradient of the loss with respect to A; consumed: the layer
    ///               may overwrite it (an activation's backward turns it into dZ in place)
    /// @param A_prev the input of the matching forward_kept()
    /// @param A      what the matching forward_kept() returned
    /// @return dA_prev, shaped like A_prev, valid until the layer's next
    ///         backward_kept() (the layer before may consume it in turn); left
    ///         empty (rank 0) by a layer that can skip it when input_gradient() is false
    virtual nn::Tensor& backward_kept(nn::Tensor& dA, const nn::Tensor& A_prev, const nn::Tensor& A);

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
    /// Sets the threads the layer's passes run on; the model calls it with its own pool.
    /// @param pool the model's pool; it must outlive the layer's use in the model
    void set_pool(nn::fast::ThreadPool* pool) { pool_ = pool; }
    /// Whether the model reads this layer's dA_prev. Sequential says no for
    /// its layers up to and including the first one with weights: no layer
    /// before them has weights, so nothing needs the gradient with respect to
    /// their input (the images, for LeNet-5's C1, which then skips that half
    /// of its backward). True for a layer outside a model.
    /// @return false when backward_kept() may skip dA_prev
    bool input_gradient() const { return input_gradient_; }

protected:
    /// Only the concrete layers construct.
    Layer() = default;
    /// Copies the configuration (clone() clears what build() made).
    Layer(const Layer&) = default;
    /// Copies the configuration.
    /// @return this layer
    Layer& operator=(const Layer&) = default;
    nn::Shape output_shape_;  ///< set by build()
    nn::fast::ThreadPool* pool_ = nullptr;  ///< the model's pool, where the nn/*_fast passes run
    nn::Tensor A_;        ///< the kept output of forward_kept()
    nn::Tensor dA_prev_;  ///< the kept result of backward_kept() (Conv2D and Dense keep theirs in their grads)
    /// @return the model's pool
    /// @throws std::invalid_argument when the layer is in no model
    nn::fast::ThreadPool& pool() const;

private:
    friend class Sequential;
    std::string name_;
    bool input_gradient_ = true;  // set by Sequential::add, see input_gradient()
};

/// The built-in layers' base: they implement the kept forms, and forward()
/// and backward() return copies of what those keep, backward() always
/// computing dA_prev. A custom layer derives from Layer instead.
class KeptLayer : public Layer {
public:
    /// forward_kept(), returned as a copy.
    /// @param A_prev   (m, input shape)
    /// @param training true inside fit
    /// @param rng      the generator Dropout draws its masks from
    /// @return A, (m, output shape)
    nn::Tensor forward(const nn::Tensor& A_prev, bool training, nn::Rng& rng) override;
    /// backward_kept() on a copy of @p dA, returned as a copy.
    /// @param dA     gradient of the loss with respect to A
    /// @param A_prev the input of the matching forward()
    /// @param A      the output of the matching forward()
    /// @return dA_prev, shaped like A_prev
    nn::Tensor backward(const nn::Tensor& dA, const nn::Tensor& A_prev, const nn::Tensor& A) override;
    /// Layer::forward_kept(), which each built-in layer implements.
    /// @param A_prev   (m, input shape)
    /// @param training true inside fit
    /// @param rng      the generator Dropout draws its masks from
    /// @return A, kept by the layer
    const nn::Tensor& forward_kept(const nn::Tensor& A_prev, bool training, nn::Rng& rng) override = 0;
    /// Layer::backward_kept(), which each built-in layer implements.
    /// @param dA     gradient of the loss with respect to A; consumed
    /// @param A_prev the input of the matching forward_kept()
    /// @param A      what the matching forward_kept() returned
    /// @return dA_prev, kept by the layer
    nn::Tensor& backward_kept(nn::Tensor& dA, const nn::Tensor& A_prev, const nn::Tensor& A) override = 0;

protected:
    /// Only the concrete layers construct.
    KeptLayer() = default;
};

/// 2-D convolution, keras.layers.Conv2D: A = act(conv(A_prev, W) + b), by
/// nn::conv_forward_fast; backward is nn::activation_backward_fast (dA turns
/// into dZ in place) then nn::conv_backward_fast, which skips dA_prev when
/// input_gradient() is false. Input (h, w, c), weights {kernel, bias}.
class Conv2D : public KeptLayer {
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
    /// As KeptLayer's, but computing dA_prev even where backward_kept() skips it.
    /// @param dA     gradient of the loss with respect to A
    /// @param A_prev the input of the matching forward()
    /// @param A      the output of the matching forward()
    /// @return dA_prev, shaped like A_prev
    nn::Tensor backward(const nn::Tensor& dA, const nn::Tensor& A_prev, const nn::Tensor& A) override;
    const nn::Tensor& forward_kept(const nn::Tensor& A_prev, bool training, nn::Rng& rng) override;
    nn::Tensor& backward_kept(nn::Tensor& dA, const nn::Tensor& A_prev, const nn::Tensor& A) override;
    std::vector<nn::Tensor*> weights() override { return {&W_, &b_}; }
    std::vector<std::string> weight_names() const override { return {"kernel", "bias"}; }
    std::vector<const nn::Tensor*> gradients() const override { return {&grads_.dW, &grads_.db}; }

private:
    int filters_;
    Size2 kernel_size_, strides_;
    nn::Padding padding_;
    LayerActivation activation_;
    Initializer kernel_initializer_;
    nn::Tensor W_, b_;
    nn::ConvGrads grads_;  // dA_prev, dW, db of the last backward, kept from step to step

    // The backward into grads_, dA turning into dZ in place; @p need_dA_prev says whether dA_prev is computed.
    nn::Tensor& backward_into(nn::Tensor& dA, const nn::Tensor& A_prev, const nn::Tensor& A, bool need_dA_prev);
};

/// Max or average pooling without padding (the base of the two Keras
/// layers), by nn::pool_forward_fast and nn::pool_backward_fast. Input (h, w, c).
class Pooling2D : public KeptLayer {
public:
    /// @param mode      max or avg
    /// @param pool_size (kh, kw)
    /// @param strides   (sh, sw); none = pool_size, as in Keras
    /// @param padding   "valid" only (nn::pool_forward does not pad)
    /// @throws std::invalid_argument on a non-positive size or another padding
    Pooling2D(nn::PoolMode mode, Size2 pool_size, std::optional<Size2> strides, const std::string& padding);

    void build(const nn::Shape& input_shape, nn::Rng& model_rng) override;
    const nn::Tensor& forward_kept(const nn::Tensor& A_prev, bool training, nn::Rng& rng) override;
    nn::Tensor& backward_kept(nn::Tensor& dA, const nn::Tensor& A_prev, const nn::Tensor& A) override;

private:
    nn::PoolMode mode_;
    Size2 pool_size_, strides_;
};

/// keras.layers.MaxPooling2D.
class MaxPooling2D : public Pooling2D {
public:
    /// @param pool_size (kh, kw), 2x2 by default
    /// @param strides   (sh, sw); none = pool_size
    /// @param padding   "valid" only
    explicit MaxPooling2D(Size2 pool_size = 2, std::optional<Size2> strides = std::nullopt,
                          const std::string& padding = "valid")
        : Pooling2D(nn::PoolMode::max, pool_size, strides, padding) {}
    std::string class_name() const override { return "MaxPooling2D"; }
    std::string base_name() const override { return "max_pooling2d"; }
    std::unique_ptr<Layer> clone() const override;
};

/// keras.layers.MaxPool2D, the same class under its short name.
using MaxPool2D = MaxPooling2D;

/// keras.layers.AveragePooling2D.
class AveragePooling2D : public Pooling2D {
public:
    /// @param pool_size (kh, kw), 2x2 by default
    /// @param strides   (sh, sw); none = pool_size
    /// @param padding   "valid" only
    explicit AveragePooling2D(Size2 pool_size = 2, std::optional<Size2> strides = std::nullopt,
                              const std::string& padding = "valid")
        : Pooling2D(nn::PoolMode::avg, pool_size, strides, padding) {}
    std::string class_name() const override { return "AveragePooling2D"; }
    std::string base_name() const override { return "average_pooling2d"; }
    std::unique_ptr<Layer> clone() const override;
};

/// keras.layers.Flatten: (m, h, w, c) -> (m, h*w*c), any input shape; the
/// values keep their order (NHWC is row-major), only the shape changes. A
/// Tensor owns its values, so A and dA_prev are kept copies (a few dozen
/// kilobytes for LeNet-5, against taking over a neighbour's storage).
class Flatten : public KeptLayer {
public:
    std::string class_name() const override { return "Flatten"; }
    std::string base_name() const override { return "flatten"; }
    std::unique_ptr<Layer> clone() const override;
    void build(const nn::Shape& input_shape, nn::Rng& model_rng) override;
    const nn::Tensor& forward_kept(const nn::Tensor& A_prev, bool training, nn::Rng& rng) override;
    nn::Tensor& backward_kept(nn::Tensor& dA, const nn::Tensor& A_prev, const nn::Tensor& A) override;
};

/// keras.layers.Dense: A = act(A_prev · W + b) on (m, n_in) inputs, by
/// nn::dense_forward_fast into the kept logits Z, then the activation on a
/// kept copy of Z (a linear Dense returns Z itself) or the softmax. The
/// backward is nn::activation_backward_fast (dA turns into dZ in place), or
/// nn::softmax_backward, then nn::dense_backward_fast; it always computes
/// dA_prev (nn/ has no dense backward without it). A loss fused with the
/// softmax uses forward_logits() and backward_from_logits() instead. A 4-D
/// input is refused at build() with both shapes (add Flatten first).
/// Weights {kernel, bias}.
class Dense : public KeptLayer {
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
    const nn::Tensor& forward_kept(const nn::Tensor& A_prev, bool training, nn::Rng& rng) override;
    nn::Tensor& backward_kept(nn::Tensor& dA, const nn::Tensor& A_prev, const nn::Tensor& A) override;
    /// Only the logits Z = A_prev · W + b, into the kept Z: the forward of a
    /// layer whose softmax is fused with the loss, which reads Z alone.
    /// @param A_prev (m, n_in)
    /// @return Z, (m, units), the same as logits()
    const nn::Tensor& forward_logits(const nn::Tensor& A_prev);
    /// nn::dense_backward_fast from the gradient with respect to the logits Z,
    /// for a loss fused with the softmax (softmax cross-entropy).
    /// @param dZ     (m, units)
    /// @param A_prev the input of the matching forward
    /// @return dA_prev, (m, n_in), kept by the layer until its next backward
    nn::Tensor& backward_from_logits(const nn::Tensor& dZ, const nn::Tensor& A_prev);
    /// @return Z = A_prev · W + b of the last forward, before the activation
    const nn::Tensor& logits() const { return Z_; }
    /// @return the activation this layer applies
    const LayerActivation& activation() const { return activation_; }
    std::vector<nn::Tensor*> weights() override { return {&W_, &b_}; }
    std::vector<std::string> weight_names() const override { return {"kernel", "bias"}; }
    std::vector<const nn::Tensor*> gradients() const override { return {&grads_.dW, &grads_.db}; }

private:
    int units_;
    LayerActivation activation_;
    Initializer kernel_initializer_;
    nn::Tensor W_, b_;
    nn::Tensor Z_;          // the logits of the last forward
    nn::Tensor dZ_;         // softmax_backward's result, when the softmax is not fused with the loss
    nn::DenseGrads grads_;  // dA_prev, dW, db of the last backward, kept from step to step
};

/// keras.layers.Dropout: in training, each value is zeroed with probability
/// @p rate and the rest scaled by 1 / (1 - rate) (nn::dropout_forward); in
/// predict and evaluate it passes its input through unchanged (forward_kept
/// returns A_prev itself). nn/dropout has no into-forms, so in training the
/// kept A, mask and dA_prev are replaced by fresh tensors at every step.
class Dropout : public KeptLayer {
public:
    /// @param rate fraction dropped, in [0, 1)
    /// @throws std::invalid_argument when rate is outside [0, 1)
    explicit Dropout(float rate);

    std::string class_name() const override { return "Dropout"; }
    std::string base_name() const override { return "dropout"; }
    std::unique_ptr<Layer> clone() const override;
    void build(const nn::Shape& input_shape, nn::Rng& model_rng) override;
    const nn::Tensor& forward_kept(const nn::Tensor& A_prev, bool training, nn::Rng& rng) override;
    nn::Tensor& backward_kept(nn::Tensor& dA, const nn::Tensor& A_prev, const nn::Tensor& A) override;

private:
    float rate_;
    bool dropped_ = false;  // whether the last forward() dropped (training)
    nn::Tensor mask_;
};

}  // namespace keras
