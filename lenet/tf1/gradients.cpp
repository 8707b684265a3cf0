// tf.gradients: at build time, find the nodes on a path from some x to the
// loss; at run time, walk them in reverse graph order, calling each op's
// backward and summing the contributions that reach each input:
//
//   dL/dL = 1;   for Y = f(X) from the loss backwards:  dL/dX_j += backward_j(dL/dY, X, Y)
//
// The gradients node's inputs are the forward values on the path (every X
// and Y of the walk, the xs and the loss), so the session computes them once
// for both the loss and its gradients. A backward is told which of its
// inputs lead to no x (needed[j] false), so it may skip their gradient.
#include "lenet/tf1/gradients.hpp"

#include <map>
#include <utility>

#include "nn/reduce.hpp"

namespace tf1 {

namespace {

// One backward call of the walk: the node, and the positions of its output Y
// and of its inputs X among the gradients node's inputs.
struct Step {
    int id;
    std::size_t y;
    std::vector<std::size_t> x;
    std::vector<bool> needed;  // needed[j]: input j leads to an x, so its gradient is wanted
};

// Checks the arguments of gradients(), then gives leads[id] for the nodes up
// to the loss's: node id is an x, or a differentiable op with an input that leads to an x.
std::vector<char> leads_to(const Tensor& loss, const std::vector<Tensor>& xs) {
    if (!loss.graph()) throw ValueError("gradients: loss is an empty Tensor handle (it refers to no graph)");
    if (loss.dtype() != DType::float32) throw ValueError("gradients: loss " + loss.str() + " must be float32");
    const Graph& g = *loss.graph();
    const int L = loss.node();
    std::vector<char> leads(L + 1, 0);
    for (const Tensor& x : xs) {
        require_member(g, x, "gradients: x");
        if (x.node() <= L) leads[x.node()] = 1;
    }
    for (int id = 0; id <= L; ++id)
        for (const Tensor& t : g.node(id).inputs) leads[id] |= g.node(id).backward && leads[t.node()];
    return leads;
}

}  // namespace

std::vector<Tensor> gradients(const Tensor& loss, const std::vector<Tensor>& xs, const std::string& name) {
    const std::vector<char> leads = leads_to(loss, xs);
    Graph& g = *loss.graph();
    const int L = loss.node();
    Node n;  // the gradients node; input(t) is t's position among its inputs
    std::map<std::pair<int, int>, std::size_t> position;
    auto input = [&](const Tensor& t) {
        auto [it, added] = position.try_emplace({t.node(), t.index()}, n.inputs.size());
        if (added) n.inputs.push_back(t);
        return it->second;
    };
    const std::size_t loss_at = input(loss);
    // on[id]: node id leads to an x and is reached from the loss through such
    // nodes. The steps are those that pass a gradient on, loss first.
    std::vector<char> on(L + 1, 0);
    on[L] = leads[L];
    std::vector<Step> steps;
    for (int id = L; id >= 0; --id) {
        if (!on[id] || !g.node(id).backward) continue;
        Step s{id, input(Tensor(&g, id)), {}, {}};
        for (const Tensor& t : g.node(id).inputs) {
            on[t.node()] |= leads[t.node()];
            s.x.push_back(input(t));
            s.needed.push_back(leads[t.node()]);
        }
        steps.push_back(std::move(s));
    }
    std::vector<std::size_t> x_at;
    for (const Tensor& x : xs) {
        if (x.node() > L || !on[x.node()])
            throw ValueError("gradients: " + loss.str() + " does not depend on " + x.str() +
                             " through differentiable ops");
        x_at.push_back(input(x));
        n.outputs.push_back({x.shape(), DType::float32});
    }
    n.op = "Gradients";
    n.name = name;
    n.forward = [&g, steps, x_at, loss_at](const Inputs& X, nn::Context& ctx) {
        std::map<std::size_t, nn::Tensor> grad;  // dL/d(input p), once something has reached it
        grad.emplace(loss_at, nn::Tensor(X[loss_at]->shape, 1.0f));  // dL/dL = 1
        for (const Step& s : steps) {
            if (!grad.count(s.y)) continue;  // no gradient reached Y
            Inputs in;
            for (std::size_t p : s.x) in.push_back(X[p]);
            std::vector<nn::Tensor> dX = g.node(s.id).backward(grad.at(s.y), in, *X[s.y], s.needed, ctx);
            for (std::size_t j = 0; j < dX.size(); ++j) {
                if (!s.needed[j] || dX[j].data.empty()) continue;
                auto [sum, first] = grad.try_emplace(s.x[j], std::move(dX[j]));
                if (!first) nn::add_into(sum->second, dX[j]);  // several consumers: add their contributions
            }
        }
        std::vector<nn::Tensor> out;  // zeros for an x that no gradient reached
        for (std::size_t p : x_at) out.push_back(grad.count(p) ? grad[p] : nn::Tensor(X[p]->shape));
        return out;
    };
    const int id = g.add_node(std::move(n));
    std::vector<Tensor> result;
    for (std::size_t k = 0; k < xs.size(); ++k) result.emplace_back(&g, id, static_cast<int>(k));
    return result;
}

}  // namespace tf1
