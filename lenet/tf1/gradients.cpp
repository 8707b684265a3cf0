// tf.gradients: at build time, find the nodes on a path from some x to the
// loss; at run time, walk them in reverse graph order, calling each op's
// backward and summing the contributions that reach each input:
//
//   dL/dL = 1;   for Y = f(X) from the loss backwards:  dL/dX_j += backward_j(dL/dY, X, Y)
#include "lenet/tf1/gradients.hpp"

#include <map>
#include <set>
#include <utility>

#include "nn/reduce.hpp"

namespace tf1 {

namespace {
using Key = std::pair<int, int>;  // (node, output index)
Key key(const Tensor& t) { return {t.node(), t.index()}; }
}  // namespace

std::vector<Tensor> gradients(const Tensor& loss, const std::vector<Tensor>& xs, const std::string& name) {
    if (!loss.graph()) throw ValueError("gradients: loss is an empty Tensor handle (it refers to no graph)");
    Graph& g = *loss.graph();
    if (loss.dtype() != DType::float32) throw ValueError("gradients: loss " + loss.str() + " must be float32");
    const int L = loss.node();
    std::set<Key> x_keys;
    std::vector<char> leads(L + 1, 0), on(L + 1, 0);  // indexed by node id
    for (const Tensor& x : xs) {
        require_member(g, x, "gradients: x");
        x_keys.insert(key(x));
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

    // The walk, at run time: dL/dL = 1, then each node's backward in reverse graph order.
    n.forward = [&g, walk, pos, leads, x_keys, loss, xs](const Inputs& X, const SessionConfig& config) {
        auto val = [&](const Tensor& t) -> const nn::Tensor& { return *X[pos.at(key(t))]; };
        std::map<Key, nn::Tensor> grad;  // dL/dt for every tensor t reached so far
        grad[key(loss)] = nn::Tensor(val(loss).shape, 1.0f);
        for (int id : walk) {
            auto dY = grad.find({id, 0});
            if (dY == grad.end()) continue;
            const Node& node = g.node(id);
            Inputs in;
            for (const Tensor& t : node.inputs) in.push_back(&val(t));
            std::vector<nn::Tensor> dX = node.backward(dY->second, in, val(Tensor(&g, id)), config);
            if (!x_keys.count(dY->first)) grad.erase(dY);  // no one reads it again
            for (std::size_t j = 0; j < dX.size(); ++j) {
                const Tensor& t = node.inputs[j];
                if (dX[j].data.empty() || !leads[t.node()]) continue;
                auto [sum, fresh] = grad.try_emplace(key(t));
                if (fresh) sum->second = std::move(dX[j]);
                else nn::add_into(sum->second, dX[j]);  // several consumers: add their contributions
            }
        }
        std::vector<nn::Tensor> out;
        for (const Tensor& x : xs) {
            auto it = grad.find(key(x));
            out.push_back(it != grad.end() ? it->second : nn::Tensor(val(x).shape));  // zeros if nothing arrived
        }
        return out;
    };
    const int id = g.add_node(std::move(n));
    std::vector<Tensor> result;
    for (std::size_t k = 0; k < xs.size(); ++k) result.emplace_back(&g, id, static_cast<int>(k));
    return result;
}

}  // namespace tf1
