// The graph ops: for each, the static shape it produces, then its forward
// and its backward, each a call into nn/ or into the session's nn::Context.
// A backward receives dY (the loss gradient with respect to the op's output
// Y), the input values X and Y, and which inputs need a gradient; it returns
// one gradient per input in input order ({} = none).
//
//   conv2d   Z = conv(x, W) + b        dx, dW, db = conv_backward(dZ, x, W, b)
//   max_pool Z = max over windows       dx = pool_backward(dZ, x)
//   dense    Z = x · W + b             dx, dW, db = dense_backward(dZ, x, W, b)
//   act      A = act(Z)                 dZ = activation_backward(dA, A)
//   loss     L = mean xent(y, z)        dz = dL (softmax(z) - y) / m
//   mean     L = (1/N) sum x            dx = dL / N
// Shapes are NHWC, -1 for an extent known only at run time. Every op
// returns fresh tensors; the context decides how conv, pool, dense and the
// activation's backward are computed (the reference loop nests or the fast ones).
#include "lenet/tf1/ops.hpp"

#include <algorithm>
#include <utility>

#include "nn/context.hpp"
#include "nn/loss.hpp"
#include "nn/reduce.hpp"

namespace tf1 {

namespace {

// The graph of @p x, or a ValueError naming @p fn for an empty handle.
Graph& graph_of(const Tensor& x, const std::string& fn) {
    if (!x.graph()) throw ValueError(fn + ": the input is an empty Tensor handle (it refers to no graph)");
    return *x.graph();
}

// Throws ValueError "<fn>: <arg> must be ..., got <shape>" unless @p ok.
void require(bool ok, const std::string& fn, const std::string& message) {
    if (!ok) throw ValueError(fn + ": " + message);
}

// "x (?, 28, 28, 1)" for messages.
std::string arg(const char* name, const Tensor& t) { return std::string(name) + " " + shape_text(t.shape()); }

void require_float(const std::string& fn, const char* name, const Tensor& t) {
    require(t.dtype() == DType::float32, fn, std::string(name) + " must be float32, got " + dtype_name(t.dtype()));
}

bool known(const nn::Shape& shape) {
    return std::all_of(shape.begin(), shape.end(), [](int d) { return d >= 0; });
}

// The gradients of an op, moved into a list in input order.
template <typename... T>
std::vector<nn::Tensor> list(T&&... t) {
    std::vector<nn::Tensor> v;
    v.reserve(sizeof...(t));
    (v.push_back(std::forward<T>(t)), ...);
    return v;
}

// Adds a single-output op whose inputs all belong to the first input's graph.
Tensor add_op(const std::string& op, const std::string& name, std::vector<Tensor> inputs, OutputSpec out,
              std::function<nn::Tensor(const Inputs&, nn::Context&)> forward, Backward backward = {}) {
    Graph& g = graph_of(inputs.at(0), op);
    Node n;
    n.op = op;
    n.name = name;
    n.inputs = std::move(inputs);
    n.outputs = {std::move(out)};
    n.forward = [f = std::move(forward)](const Inputs& X, nn::Context& ctx) { return list(f(X, ctx)); };
    n.backward = std::move(backward);
    return Tensor(&g, g.add_node(std::move(n)));
}

// A scalar (shape ()) holding @p value.
nn::Tensor scalar(double value) { return nn::Tensor(nn::Shape{}, {static_cast<float>(value)}); }

// Output height and width of a window over (h, w), or -1s when either is unknown.
std::pair<int, int> window_out(const char* fn, const nn::Shape& x, int kh, int kw, nn::Padding padding,
                               nn::Stride strides) {
    if (x[1] < 0 || x[2] < 0) return {-1, -1};
    nn::Geometry geo = nn::make_geometry(fn, {1, x[1], x[2], std::max(x[3], 1)}, kh, kw, padding, strides);
    return {geo.h, geo.w};
}

std::string activation_op(nn::Activation activation) {
    switch (activation.kind) {
        case nn::Activation::Kind::relu: return "Relu";
        case nn::Activation::Kind::tanh: return "Tanh";
        case nn::Activation::Kind::sigmoid: return "Sigmoid";
        case nn::Activation::Kind::linear: return "Identity";
    }
    return "Identity";
}

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& kernel, const Tensor& bias, nn::Padding padding, nn::Stride strides,
              const std::string& name) {
    const std::string fn = "conv2d";
    graph_of(x, fn);
    require(x.shape().size() == 4, fn, arg("x", x) + " must be rank 4 (m, h, w, c)");
    require(kernel.shape().size() == 4 && known(kernel.shape()), fn,
            arg("kernel", kernel) + " must be a known (kh, kw, c_prev, c_new)");
    const nn::Shape& xs = x.shape();
    const nn::Shape& ks = kernel.shape();
    require(xs[3] < 0 || xs[3] == ks[2], fn,
            "kernel has c_prev=" + std::to_string(ks[2]) + " but x has " + std::to_string(xs[3]) + " channels (" +
                arg("x", x) + ", " + arg("kernel", kernel) + ")");
    require(bias.shape() == nn::Shape{1, 1, 1, ks[3]}, fn,
            arg("bias", bias) + " must be (1, 1, 1, " + std::to_string(ks[3]) + ")");
    for (const Tensor* t : {&x, &kernel, &bias}) require_float(fn, "every input", *t);
    auto [h, w] = window_out("conv2d", xs, ks[0], ks[1], padding, strides);

    return add_op(
        "Conv2D", name, {x, kernel, bias}, {{xs[0], h, w, ks[3]}},
        [=](const Inputs& X, nn::Context& ctx) {
            return ctx.conv_forward(*X[0], *X[1], *X[2], nn::Activation::linear(), padding, strides);
        },
        [=](const nn::Tensor& dZ, const Inputs& X, const nn::Tensor&, const std::vector<bool>& needed,
            nn::Context& ctx) {
            // No dx for an input that needs no gradient (the images): TF prunes Conv2DBackpropInput too.
            nn::ConvGrads g = ctx.conv_backward(dZ, *X[0], *X[1], *X[2], padding, strides, needed[0]);
            return list(std::move(g.dA_prev), std::move(g.dW), std::move(g.db));
        });
}

Tensor max_pool(const Tensor& x, nn::Window ksize, nn::Stride strides, const std::string& name) {
    const std::string fn = "max_pool";
    graph_of(x, fn);
    require(x.shape().size() == 4, fn, arg("x", x) + " must be rank 4 (m, h, w, c)");
    require_float(fn, "x", x);
    const nn::Shape& xs = x.shape();
    auto [h, w] = window_out("max_pool", xs, ksize.kh, ksize.kw, nn::Padding::valid(), strides);

    return add_op(
        "MaxPool", name, {x}, {{xs[0], h, w, xs[3]}},
        [=](const Inputs& X, nn::Context& ctx) { return ctx.pool_forward(*X[0], ksize, strides, nn::PoolMode::max); },
        [=](const nn::Tensor& dZ, const Inputs& X, const nn::Tensor&, const std::vector<bool>&, nn::Context& ctx) {
            return list(ctx.pool_backward(dZ, *X[0], ksize, strides, nn::PoolMode::max));
        });
}

Tensor flatten(const Tensor& x, const std::string& name) {
    const std::string fn = "flatten";
    graph_of(x, fn);
    const nn::Shape& xs = x.shape();
    require(xs.size() >= 2 && known(nn::Shape(xs.begin() + 1, xs.end())), fn,
            arg("x", x) + " must be (m, d1, ..., dk) with d1..dk known");
    int n = 1;
    for (std::size_t k = 1; k < xs.size(); ++k) n *= xs[k];

    return add_op(
        "Reshape", name, {x}, {{xs[0], n}, x.dtype()},
        [n](const Inputs& X, nn::Context&) { return nn::Tensor({X[0]->dim(0), n}, X[0]->data); },
        [xs](const nn::Tensor& dY, const Inputs&, const nn::Tensor&, const std::vector<bool>&, nn::Context&) {
            nn::Shape shape = xs;  // x's shape, known but for the batch
            shape[0] = dY.dim(0);
            return list(nn::Tensor(std::move(shape), dY.data));
        });
}

Tensor dense(const Tensor& x, const Tensor& kernel, const Tensor& bias, const std::string& name) {
    const std::string fn = "dense";
    graph_of(x, fn);
    require(x.shape().size() == 2, fn, arg("x", x) + " must be rank 2 (m, n_in)");
    require(kernel.shape().size() == 2 && known(kernel.shape()), fn,
            arg("kernel", kernel) + " must be a known (n_in, n_out)");
    const nn::Shape& ks = kernel.shape();
    require(x.shape()[1] < 0 || x.shape()[1] == ks[0], fn,
            "kernel has n_in=" + std::to_string(ks[0]) + " but x has " + std::to_string(x.shape()[1]) +
                " columns (" + arg("x", x) + ", " + arg("kernel", kernel) + ")");
    require(bias.shape() == nn::Shape{1, ks[1]}, fn, arg("bias", bias) + " must be (1, " + std::to_string(ks[1]) + ")");
    for (const Tensor* t : {&x, &kernel, &bias}) require_float(fn, "every input", *t);

    return add_op(
        "Dense", name, {x, kernel, bias}, {{x.shape()[0], ks[1]}},
        [](const Inputs& X, nn::Context& ctx) { return ctx.dense_forward(*X[0], *X[1], *X[2]); },
        [](const nn::Tensor& dZ, const Inputs& X, const nn::Tensor&, const std::vector<bool>&, nn::Context& ctx) {
            nn::DenseGrads g = ctx.dense_backward(dZ, *X[0], *X[1], *X[2]);
            return list(std::move(g.dA_prev), std::move(g.dW), std::move(g.db));
        });
}

Tensor activation(const Tensor& x, nn::Activation activation, const std::string& name) {
    const std::string op = activation_op(activation);
    graph_of(x, op);
    require_float(op, "x", x);
    return add_op(
        op, name.empty() ? op : name, {x}, {x.shape()},
        [activation](const Inputs& X, nn::Context& ctx) { return ctx.activation_forward(*X[0], activation); },
        [activation](const nn::Tensor& dA, const Inputs&, const nn::Tensor& A, const std::vector<bool>&,
                     nn::Context& ctx) {
            return list(ctx.activation_backward(dA, A, activation));
        });
}

Tensor relu(const Tensor& x, const std::string& name) { return activation(x, nn::Activation::relu(), name); }

Tensor softmax(const Tensor& logits, const std::string& name) {
    const std::string fn = "softmax";
    graph_of(logits, fn);
    require(logits.shape().size() == 2, fn, arg("logits", logits) + " must be rank 2 (m, n)");
    require_float(fn, "logits", logits);
    return add_op(
        "Softmax", name, {logits}, {logits.shape()},
        [](const Inputs& X, nn::Context&) { return nn::softmax_forward(*X[0]); },
        [](const nn::Tensor& dA, const Inputs&, const nn::Tensor& A, const std::vector<bool>&, nn::Context&) {
            return list(nn::softmax_backward(dA, A));
        });
}

Tensor softmax_cross_entropy(const Tensor& onehot_labels, const Tensor& logits, const std::string& name) {
    const std::string fn = "softmax_cross_entropy";
    graph_of(logits, fn);
    require(logits.shape().size() == 2, fn, arg("logits", logits) + " must be rank 2 (m, n_classes)");
    require(shape_fits(logits.shape(), onehot_labels.shape()) || shape_fits(onehot_labels.shape(), logits.shape()),
            fn, "onehot_labels and logits must have the same shape (" + arg("onehot_labels", onehot_labels) + ", " +
                    arg("logits", logits) + ")");
    require_float(fn, "onehot_labels", onehot_labels);
    require_float(fn, "logits", logits);

    return add_op(
        "SoftmaxCrossEntropy", name, {onehot_labels, logits}, {nn::Shape{}},
        [](const Inputs& X, nn::Context&) { return scalar(nn::softmax_cross_entropy(*X[1], *X[0])); },
        [](const nn::Tensor& dL, const Inputs& X, const nn::Tensor&, const std::vector<bool>&, nn::Context&) {
            return list(nn::Tensor(), nn::scale(nn::softmax_cross_entropy_backward(*X[1], *X[0]), dL.data[0]));
        });
}

Tensor argmax(const Tensor& x, int axis, const std::string& name) {
    const std::string fn = "argmax";
    graph_of(x, fn);
    const int rank = static_cast<int>(x.shape().size());
    require(rank >= 1 && (axis == rank - 1 || axis == -1), fn,
            "only the last axis is supported, got axis " + std::to_string(axis) + " for " + arg("x", x));
    return add_op("ArgMax", name, {x}, {nn::Shape(x.shape().begin(), x.shape().end() - 1), DType::int64},
                  [](const Inputs& X, nn::Context&) { return nn::argmax_last(*X[0]); });
}

Tensor equal(const Tensor& a, const Tensor& b, const std::string& name) {
    const std::string fn = "equal";
    graph_of(a, fn);
    const nn::Shape& as = a.shape();
    const nn::Shape& bs = b.shape();
    bool fits = as.size() == bs.size();
    nn::Shape out = as;
    for (std::size_t k = 0; fits && k < as.size(); ++k) {
        fits = as[k] < 0 || bs[k] < 0 || as[k] == bs[k];
        out[k] = std::max(as[k], bs[k]);
    }
    require(fits, fn, "a and b must have the same shape (" + arg("a", a) + ", " + arg("b", b) + ")");
    return add_op("Equal", name, {a, b}, {out, DType::bool_},
                  [](const Inputs& X, nn::Context&) { return nn::equal(*X[0], *X[1]); });
}

Tensor cast(const Tensor& x, DType dtype, const std::string& name) {
    const std::string fn = "cast";
    graph_of(x, fn);
    require(dtype == DType::float32 || dtype == x.dtype(), fn,
            "cannot cast " + dtype_name(x.dtype()) + " to " + dtype_name(dtype) + " (only to float32 or to itself)");
    Backward backward;
    if (x.dtype() == DType::float32 && dtype == DType::float32)
        backward = [](const nn::Tensor& dY, const Inputs&, const nn::Tensor&, const std::vector<bool>&,
                      nn::Context&) {
            return list(dY);
        };
    return add_op("Cast", name, {x}, {x.shape(), dtype}, [](const Inputs& X, nn::Context&) { return *X[0]; },
                  backward);
}

Tensor reduce_mean(const Tensor& x, const std::string& name) {
    const std::string fn = "reduce_mean";
    graph_of(x, fn);
    require_float(fn, "x", x);
    return add_op(
        "Mean", name, {x}, {nn::Shape{}},
        [](const Inputs& X, nn::Context&) { return scalar(nn::mean(*X[0])); },
        [](const nn::Tensor& dL, const Inputs& X, const nn::Tensor&, const std::vector<bool>&, nn::Context&) {
            return list(nn::Tensor(X[0]->shape, dL.data[0] / static_cast<float>(X[0]->size())));
        });
}

Tensor one_hot(const Tensor& indices, int depth, const std::string& name) {
    const std::string fn = "one_hot";
    graph_of(indices, fn);
    require(depth > 0, fn, "depth must be positive, got " + std::to_string(depth));
    nn::Shape out = indices.shape();
    out.push_back(depth);
    return add_op("OneHot", name, {indices}, {out},
                  [depth](const Inputs& X, nn::Context&) { return nn::one_hot_indices(*X[0], depth); });
}

namespace layers {

namespace {

// The activation after a layer's bias, skipped when it is linear.
Tensor activate(const Tensor& z, nn::Activation act, const std::string& scope) {
    if (act.kind == nn::Activation::Kind::linear) return z;
    return activation(z, act, scope + "/" + activation_op(act));
}

}  // namespace

Tensor conv2d(const Tensor& inputs, int filters, nn::Window kernel_size, nn::Padding padding,
              nn::Activation activation, const Initializer& kernel_initializer, nn::Stride strides,
              const std::string& name) {
    Graph& g = graph_of(inputs, "layers.conv2d");
    require(inputs.shape().size() == 4 && inputs.shape()[3] > 0, "layers.conv2d",
            arg("inputs", inputs) + " must be (m, h, w, c) with c known");
    require(filters > 0, "layers.conv2d", "filters must be positive, got " + std::to_string(filters));
    const std::string scope = g.unique_name(name);
    Variable kernel(g, {kernel_size.kh, kernel_size.kw, inputs.shape()[3], filters}, kernel_initializer,
                    scope + "/kernel");
    Variable bias(g, {1, 1, 1, filters}, zeros_initializer(), scope + "/bias");
    return activate(tf1::conv2d(inputs, kernel, bias, padding, strides, scope + "/Conv2D"), activation, scope);
}

Tensor max_pooling2d(const Tensor& inputs, nn::Window pool_size, nn::Stride strides, const std::string& name) {
    const std::string scope = graph_of(inputs, "layers.max_pooling2d").unique_name(name);
    return max_pool(inputs, pool_size, strides, scope + "/MaxPool");
}

Tensor flatten(const Tensor& inputs, const std::string& name) {
    const std::string scope = graph_of(inputs, "layers.flatten").unique_name(name);
    return tf1::flatten(inputs, scope + "/Reshape");
}

Tensor dense(const Tensor& inputs, int units, nn::Activation activation, const Initializer& kernel_initializer,
             const std::string& name) {
    Graph& g = graph_of(inputs, "layers.dense");
    require(inputs.shape().size() == 2 && inputs.shape()[1] > 0, "layers.dense",
            arg("inputs", inputs) + " must be (m, n_in) with n_in known");
    require(units > 0, "layers.dense", "units must be positive, got " + std::to_string(units));
    const std::string scope = g.unique_name(name);
    Variable kernel(g, {inputs.shape()[1], units}, kernel_initializer, scope + "/kernel");
    Variable bias(g, {1, units}, zeros_initializer(), scope + "/bias");
    return activate(tf1::dense(inputs, kernel, bias, scope + "/MatMul"), activation, scope);
}

}  // namespace layers

}  // namespace tf1
