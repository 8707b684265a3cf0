// tf.gradients: at build time, find the nodes on a path from some x to the
// loss; at run time, walk them in reverse graph order, calling each op's
// backward and summing the contributions that reach each input:
//
//   dL/dL = 1;   for Y = f(X) from the loss backwards:  dL/dX_j += backward_j(dL/dY, X, Y)
//
// Buffers: each backward writes dX_j into the tensor it wrote in the previous
// run, kept by the session in the gradients node's Scratch (one slot per step
// and input), and skips dX_j when input j leads to no x (ctx.wants). A sum of
// contributions builds up in the first one's slot; each output swaps buffers
// with its slot, so nothing returned is ever written again.
#include "lenet/tf1/gradients.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "nn/reduce.hpp"

namespace tf1 {

namespace {
using Key = std::pair<int, int>;  // (node, output index)
Key key(const Tensor& t) { return {t.node(), t.index()}; }

// One backward call of the walk; tensors by their position among the gradients node's inputs.
struct Step {
    int id;                       // the node whose backward runs
    std::size_t y;                // its output Y (dY is dL/dY)
    std::vector<std::size_t> in;  // its inputs X
    std::vector<char> wanted;     // wanted[j]: input j leads to an x, so its gradient is needed
};
}  // namespace

std::vector<Tensor> gradients(const Tensor& loss, const std::vector<Tensor>& xs, const std::string& name) {
    if (!loss.graph()) throw ValueError("gradients: loss is an empty Tensor handle (it refers to no graph)");
    Graph& g = *loss.graph();
    if (loss.dtype() != DType::float32) throw ValueError("gradients: loss " + loss.str() + " must be float32");
    const int L = loss.node();
    std::vector<char> leads(L + 1, 0), on(L + 1, 0);  // indexed by node id
    for (const Tensor& x : xs) {
        require_member(g, x, "gradients: x");
        if (x.node() <= L) leads[x.node()] = 1;
    }
    // leads[id]: node id is an x, or a differentiable op with an input that leads to an x.
    for (int id = 0; id <= L; ++id)
        for (const Tensor& t : g.node(id).inputs) leads[id] |= g.node(id).backward && leads[t.node()];
    // on[id]: leads to an x and is reached from the loss through such nodes. The
    // walk lists, loss first, those that pass a gradient on; the gradients node's
    // inputs are every value their backwards read.
    std::vector<int> walk;
    std::vector<Tensor> inputs;
    std::map<Key, std::size_t> pos;
    auto need = [&](const Tensor& t) {
        if (pos.emplace(key(t), inputs.size()).second) inputs.push_back(t);
    };
    on[L] = leads[L];
    for (int id = L; id >= 0; --id) {
        if (!on[id] || !g.node(id).backward) continue;
        walk.push_back(id);
        need(Tensor(&g, id));
        for (const Tensor& t : g.node(id).inputs) {
            on[t.node()] |= leads[t.node()];
            need(t);
        }
    }
    Node n;
    for (const Tensor& x : xs) {
        if (x.node() > L || !on[x.node()])
            throw ValueError("gradients: " + loss.str() + " does not depend on " + x.str() + " through differentiable ops");
        need(x);
        n.outputs.push_back({x.shape(), DType::float32});
    }
    need(loss);
    n.op = "Gradients";
    n.name = name;
    n.inputs = inputs;

    // The walk with every tensor named by its position among the node's inputs.
    std::vector<Step> steps;
    for (int id : walk) {
        Step s{id, pos.at({id, 0}), {}, {}};
        for (const Tensor& t : g.node(id).inputs) {
            s.in.push_back(pos.at(key(t)));
            s.wanted.push_back(leads[t.node()]);
        }
        steps.push_back(std::move(s));
    }
    std::vector<std::size_t> x_pos;
    for (const Tensor& x : xs) x_pos.push_back(pos.at(key(x)));

    // The walk, at run time: dL/dL = 1, then each node's backward in reverse graph order.
    n.forward = [&g, steps, x_pos, loss_pos = pos.at(key(loss))](const Inputs& X, const OpContext& ctx) {
        // kept[w][j] holds dX_j of step w, kept from the previous run for the backward to write
        // into; kept.back()[0] holds dL/dL. Each dL/dt stays in the slot where it was made.
        Scratch local;
        Scratch& kept = ctx.scratch ? *ctx.scratch : local;
        kept.resize(steps.size() + 1);
        for (std::size_t w = 0; w < steps.size(); ++w) kept[w].resize(steps[w].in.size());
        kept.back().resize(1);
        std::vector<nn::Tensor*> grad(X.size(), nullptr);  // dL/d(input p), once something reached it
        nn::Tensor& seed = kept.back()[0];
        nn::resize_output(seed, X[loss_pos]->shape);
        std::fill(seed.data.begin(), seed.data.end(), 1.0f);
        grad[loss_pos] = &seed;

        OpContext backward_ctx = ctx;
        backward_ctx.scratch = nullptr;
        Inputs in;
        for (std::size_t w = 0; w < steps.size(); ++w) {
            const Step& s = steps[w];
            const nn::Tensor* dY = grad[s.y];
            if (!dY) continue;
            in.clear();
            for (std::size_t p : s.in) in.push_back(X[p]);
            backward_ctx.kept = &kept[w];
            backward_ctx.wanted = &s.wanted;
            std::vector<nn::Tensor> dX = g.node(s.id).backward(*dY, in, *X[s.y], backward_ctx);
            for (std::size_t j = 0; j < dX.size(); ++j) {
                if (dX[j].data.empty()) continue;
                nn::Tensor& slot = kept[w][j];
                slot = std::move(dX[j]);  // kept for the next run even when not wanted
                if (!s.wanted[j]) continue;
                nn::Tensor*& sum = grad[s.in[j]];
                if (!sum) sum = &slot;
                else nn::add_into(*sum, slot);  // several consumers: add their contributions
            }
        }
        // Each output takes its gradient's buffer; the slot gets the buffer the output had
        // in the previous run, if the session kept it (it does not keep a fetched one).
        std::vector<nn::Tensor> out;
        out.reserve(x_pos.size());
        for (std::size_t k = 0; k < x_pos.size(); ++k) {
            const std::size_t p = x_pos[k];
            nn::Tensor o = ctx.take_output(k);
            const std::size_t first = static_cast<std::size_t>(
                std::find(x_pos.begin(), x_pos.end(), p) - x_pos.begin());
            if (first < k) {
                o = out[first];  // the same x twice: its gradient is already handed out
            } else if (grad[p]) {
                std::swap(o, *grad[p]);
            } else {  // zeros if nothing arrived
                nn::resize_output(o, X[p]->shape);
                std::fill(o.data.begin(), o.data.end(), 0.0f);
            }
            out.push_back(std::move(o));
        }
        return out;
    };
    const int id = g.add_node(std::move(n));
    std::vector<Tensor> result;
    for (std::size_t k = 0; k < xs.size(); ++k) result.emplace_back(&g, id, static_cast<int>(k));
    return result;
}

}  // namespace tf1
