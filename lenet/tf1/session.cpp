// Session::run: check the fetches and feeds, mark the nodes the fetches need
// (stopping at fed tensors), evaluate those once each in graph order, and
// hand back the fetched values in fetch order.
//
// Values: a fed tensor and a variable are read in place (a pointer to the
// feed or to the session's State); an op's outputs are owned by the run and
// let go once every needed consumer has run, unless they are fetched.
#include "lenet/tf1/session.hpp"

#include <stdexcept>
#include <utility>

namespace tf1 {

Session::Session(Graph& graph, SessionConfig config)
    : graph_(&graph),
      config_(config),
      context_(config.intra_op_parallelism_threads,
               config.reference_passes ? nn::Passes::reference : nn::Passes::fast) {}

namespace {

// Throws ValueError unless @p f names a node (and, for a tensor, an output) of @p graph.
void check_fetch(const Graph& graph, const Fetch& f) {
    const Tensor& t = f.target();
    if (!t.graph()) throw ValueError("fetch is an empty handle (it refers to no graph)");
    if (f.is_operation()) {
        if (t.graph() != &graph)
            throw ValueError("Operation \"" + t.graph()->node(t.node()).name + "\" is not an element of this graph.");
        return;
    }
    require_member(graph, t, "Fetch argument");
}

// The fed values by node id (null = not fed), after checking each key and shape.
std::vector<const nn::Tensor*> fed_values(const Graph& g, const FeedDict& feed_dict) {
    std::vector<const nn::Tensor*> fed(static_cast<std::size_t>(g.size()), nullptr);
    for (const Feed& f : feed_dict) {
        require_member(g, f.key, "Cannot interpret feed_dict key as Tensor:");
        if (g.node(f.key.node()).outputs.size() != 1)
            throw ValueError("Cannot feed " + f.key.name() + ": only single-output nodes can be fed");
        if (!shape_fits(f.value->shape, f.key.shape()))
            throw ValueError("Cannot feed value of shape " + shape_text(f.value->shape) + " for Tensor '" +
                             f.key.name() + "', which has shape '" + shape_text(f.key.shape()) + "'");
        fed[static_cast<std::size_t>(f.key.node())] = f.value;
    }
    return fed;
}

// needed[id]: the fetches need node id; the walk back stops at fed nodes.
std::vector<char> needed_nodes(const Graph& g, const std::vector<Fetch>& fetches,
                               const std::vector<const nn::Tensor*>& fed) {
    std::vector<char> needed(static_cast<std::size_t>(g.size()), 0);
    std::vector<int> stack;
    for (const Fetch& f : fetches) stack.push_back(f.target().node());
    while (!stack.empty()) {
        const int id = stack.back();
        stack.pop_back();
        if (needed[id]) continue;
        needed[id] = 1;
        if (fed[id]) continue;
        for (const Tensor& t : g.node(id).inputs) stack.push_back(t.node());
        for (int c : g.node(id).control_inputs) stack.push_back(c);
    }
    return needed;
}

// The values of one run by node id: read in place (fed tensors, variables) or owned (op outputs).
struct Values {
    std::vector<const nn::Tensor*> in_place;
    std::vector<std::vector<nn::Tensor>> owned;
    const nn::Tensor& of(const Tensor& t) const {
        return in_place[t.node()] ? *in_place[t.node()] : owned[t.node()][t.index()];
    }
};

// The stored value of variable @p id, or FailedPreconditionError before its initializer ran.
const nn::Tensor& variable_value(const State& state, const Node& node, int id) {
    auto it = state.variables.find(id);
    if (it == state.variables.end())
        throw FailedPreconditionError("Attempting to use uninitialized value " + node.name);
    return it->second;
}

// @p Y, after checking that it has one value per output of @p node, each fitting its static shape.
std::vector<nn::Tensor> checked(const Node& node, std::vector<nn::Tensor> Y) {
    for (std::size_t k = 0; k < node.outputs.size(); ++k)
        if (Y.size() != node.outputs.size() || !shape_fits(Y[k].shape, node.outputs[k].shape))
            throw std::logic_error(node.op + " \"" + node.name + "\" computed a value that does not fit its " +
                                   "static shape " + shape_text(node.outputs[k].shape));
    return Y;
}

}  // namespace

std::vector<nn::Tensor> Session::run(const std::vector<Fetch>& fetches, const FeedDict& feed_dict) {
    const Graph& g = *graph_;
    const int n = g.size();
    last_run_.clear();
    for (const Fetch& f : fetches) check_fetch(g, f);
    const std::vector<const nn::Tensor*> fed = fed_values(g, feed_dict);
    const std::vector<char> needed = needed_nodes(g, fetches, fed);
    // readers[id]: the needed nodes still to read node id's outputs, plus one per fetch (the caller).
    std::vector<int> readers(static_cast<std::size_t>(n), 0);
    for (const Fetch& f : fetches) ++readers[f.target().node()];
    for (int id = 0; id < n; ++id)
        if (needed[id] && !fed[id])
            for (const Tensor& t : g.node(id).inputs) ++readers[t.node()];

    Values values{std::vector<const nn::Tensor*>(fed.size()), std::vector<std::vector<nn::Tensor>>(fed.size())};
    for (int id = 0; id < n; ++id) {
        if (!needed[id]) continue;
        if (fed[id]) {
            values.in_place[id] = fed[id];
            continue;
        }
        const Node& node = g.node(id);
        last_run_.push_back(node.name);
        if (node.kind == Node::Kind::placeholder)
            throw InvalidArgumentError("You must feed a value for placeholder tensor '" + node.name + "' with dtype " +
                                       dtype_name(node.outputs[0].dtype) + " and shape " +
                                       shape_text(node.outputs[0].shape));
        if (node.kind == Node::Kind::variable) {
            values.in_place[id] = &variable_value(state_, node, id);
            continue;
        }
        Inputs X;
        for (const Tensor& t : node.inputs) X.push_back(&values.of(t));
        if (node.effect) node.effect(state_, id, X, context_);
        if (node.forward) values.owned[id] = checked(node, node.forward(X, context_));
        for (const Tensor& t : node.inputs)
            if (--readers[t.node()] == 0) values.owned[t.node()].clear();  // its last reader has run: let it go
    }
    std::vector<nn::Tensor> results;
    for (const Fetch& f : fetches) results.push_back(f.is_operation() ? nn::Tensor() : values.of(f.target()));
    return results;
}

nn::Tensor Session::run(const Tensor& fetch, const FeedDict& feed_dict) {
    return std::move(run(std::vector<Fetch>{fetch}, feed_dict)[0]);
}

nn::Tensor Session::run(const Variable& fetch, const FeedDict& feed_dict) { return run(fetch.value(), feed_dict); }

void Session::run(const Operation& fetch, const FeedDict& feed_dict) { run(std::vector<Fetch>{fetch}, feed_dict); }

}  // namespace tf1
