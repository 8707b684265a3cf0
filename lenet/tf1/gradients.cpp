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
//
// The gradients node's inputs are only the forward values some backward reads
// (Node::backward_reads): a conv's output, read by its relu and by no
// backward, then has one reader, and the relu acts on it in place.
#include "lenet/tf1/gradients.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "nn/reduce.hpp"

namespace tf1 {

namespace {
using Key = std::pair<int, int>;  // (node, output index)
Key key(const Tensor& t) { return {t.node(), t.index()}; }

constexpr std::size_t kUnread = static_cast<std::size_t>(-1);

// One backward call of the walk. Every tensor on the walk has an index (where
// the loss gradient with respect to it builds up); a value the backward reads
// also has a position among the gradients node's inputs (kUnread if not).
struct Step {
    int id;                             // the node whose backward runs
    std::size_t y_index, y_pos;         // its output Y (dY is dL/dY)
    std::vector<std::size_t> in_index;  // its inputs X
    std::vector<std::size_t> in_pos;    // (the same inputs)
    std::vector<char> wanted;           // wanted[j]: input j leads to an x, so its gradient is needed
};

bool reads_inputs(BackwardReads r) { return r == BackwardReads::inputs_and_output || r == BackwardReads::inputs; }
bool reads_output(BackwardReads r) { return r == BackwardReads::inputs_and_output || r == BackwardReads::output; }
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
    // walk (steps) lists, loss first, those that pass a gradient on; the gradients
    // node's inputs are the values their backwards read, and the xs and the loss.
    std::vector<Tensor> inputs;
    std::map<Key, std::size_t> index, pos;
    auto index_of = [&](const Tensor& t) { return index.emplace(key(t), index.size()).first->second; };
    auto read = [&](const Tensor& t) {
        if (pos.emplace(key(t), inputs.size()).second) inputs.push_back(t);
        return pos.at(key(t));
    };
    std::vector<Step> steps;
    on[L] = leads[L];
    for (int id = L; id >= 0; --id) {
        const Node& node = g.node(id);
        if (!on[id] || !node.backward) continue;
        const Tensor y(&g, id);
        Step s{id, index_of(y), reads_output(node.backward_reads) ? read(y) : kUnread, {}, {}, {}};
        for (const Tensor& t : node.inputs) {
            on[t.node()] |= leads[t.node()];
            s.in_index.push_back(index_of(t));
            s.in_pos.push_back(reads_inputs(node.backward_reads) ? read(t) : kUnread);
            s.wanted.push_back(leads[t.node()]);
        }
        steps.push_back(std::move(s));
    }
    Node n;
    std::vector<std::size_t> x_index, x_pos;
    for (const Tensor& x : xs) {
        if (x.node() > L || !on[x.node()])
            throw ValueError("gradients: " + loss.str() + " does not depend on " + x.str() + " through differentiable ops");
        x_index.push_back(index_of(x));
        x_pos.push_back(read(x));  // for its shape, when no gradient reaches it
        n.outputs.push_back({x.shape(), DType::float32});
    }
    const std::size_t loss_index = index_of(loss), loss_pos = read(loss);
    n.op = "Gradients";
    n.name = name;
    n.inputs = inputs;

    // The walk, at run time: dL/dL = 1, then each node's backward in reverse graph order.
    const std::size_t tensors = index.size();
    n.forward = [&g, steps, x_index, x_pos, loss_index, loss_pos, tensors](const Inputs& X, const OpContext& ctx) {
        // kept[w][j] holds dX_j of step w, kept from the previous run for the backward to write
        // into; kept.back()[0] holds dL/dL. Each dL/dt stays in the slot where it was made.
        Scratch local;
        Scratch& kept = ctx.scratch ? *ctx.scratch : local;
        kept.resize(steps.size() + 1);
        for (std::size_t w = 0; w < steps.size(); ++w) kept[w].resize(steps[w].in_index.size());
        kept.back().resize(1);
        std::vector<nn::Tensor*> grad(tensors, nullptr);  // dL/d(tensor i), once something reached it
        nn::Tensor& seed = kept.back()[0];
        seed = nn::Tensor(X[loss_pos]->shape, 1.0f);
        grad[loss_index] = &seed;

        OpContext backward_ctx = ctx;
        backward_ctx.scratch = nullptr;
        const nn::Tensor unread;  // the Y of a backward that does not read it
        Inputs in;
        for (std::size_t w = 0; w < steps.size(); ++w) {
            const Step& s = steps[w];
            const nn::Tensor* dY = grad[s.y_index];
            if (!dY) continue;
            in.clear();
            for (std::size_t p : s.in_pos) in.push_back(p == kUnread ? nullptr : X[p]);
            backward_ctx.kept = &kept[w];
            backward_ctx.wanted = &s.wanted;
            const nn::Tensor& Y = s.y_pos == kUnread ? unread : *X[s.y_pos];
            std::vector<nn::Tensor> dX = g.node(s.id).backward(*dY, in, Y, backward_ctx);
            for (std::size_t j = 0; j < dX.size(); ++j) {
                if (dX[j].data.empty()) continue;
                nn::Tensor& slot = kept[w][j];
                slot = std::move(dX[j]);  // kept for the next run even when not wanted
                if (!s.wanted[j]) continue;
                nn::Tensor*& sum = grad[s.in_index[j]];
                if (!sum) sum = &slot;
                else nn::add_into(*sum, slot);  // several consumers: add their contributions
            }
        }
        // Each output takes its gradient's buffer; the slot gets the buffer the output had
        // in the previous run, if the session kept it (it does not keep a fetched one).
        std::vector<nn::Tensor> out;
        out.reserve(x_pos.size());
        for (std::size_t k = 0; k < x_pos.size(); ++k) {
            const std::size_t p = x_index[k];
            nn::Tensor o = ctx.take_output(k);
            const std::size_t first = static_cast<std::size_t>(
                std::find(x_index.begin(), x_index.end(), p) - x_index.begin());
            if (first < k) {
                o = out[first];  // the same x twice: its gradient is already handed out
            } else if (grad[p]) {
                std::swap(o, *grad[p]);
            } else {  // zeros if nothing arrived
                o = nn::Tensor(X[x_pos[k]]->shape);
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
