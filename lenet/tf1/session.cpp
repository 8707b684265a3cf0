// Session::run: check the fetches and feeds, mark the nodes the fetches need
// (stopping at fed tensors), evaluate those once each in graph order, and
// hand back the fetched values in fetch order.
//
// Values: a fed tensor and a variable are read in place (a pointer to the
// feed or to the session's State); an op's outputs are owned here and, as
// soon as every needed consumer has run (unless they are fetched), moved to
// kept_ for the node to write into at the next run. Fetched values are moved
// (or copied) to the caller, so nothing the caller holds is ever reused.
#include "lenet/tf1/session.hpp"

#include <memory>
#include <stdexcept>
#include <utility>

namespace tf1 {

Session::Session(Graph& graph, SessionConfig config) : graph_(&graph), config_(std::move(config)) {
    if (!config_.pool && !config_.reference_passes)
        config_.pool = std::make_shared<nn::fast::ThreadPool>(config_.intra_op_parallelism_threads);
    context_ = OpContext(config_);
}

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

}  // namespace

std::vector<nn::Tensor> Session::run(const std::vector<Fetch>& fetches, const FeedDict& feed_dict) {
    const Graph& g = *graph_;
    const int n = g.size();
    last_run_.clear();

    // 1. Check the fetches and the feeds.
    for (const Fetch& f : fetches) check_fetch(g, f);
    std::vector<const nn::Tensor*> fed(static_cast<std::size_t>(n), nullptr);
    for (const Feed& f : feed_dict) {
        require_member(g, f.key, "Cannot interpret feed_dict key as Tensor:");
        if (g.node(f.key.node()).outputs.size() != 1)
            throw ValueError("Cannot feed " + f.key.name() + ": only single-output nodes can be fed");
        if (!shape_fits(f.value->shape, f.key.shape()))
            throw ValueError("Cannot feed value of shape " + shape_text(f.value->shape) + " for Tensor '" +
                             f.key.name() + "', which has shape '" + shape_text(f.key.shape()) + "'");
        fed[static_cast<std::size_t>(f.key.node())] = f.value;
    }

    // 2. Mark what the fetches need; a fed node needs nothing upstream.
    std::vector<char> needed(static_cast<std::size_t>(n), 0), fetched(static_cast<std::size_t>(n), 0);
    std::vector<int> stack;
    for (const Fetch& f : fetches) {
        stack.push_back(f.target().node());
        fetched[static_cast<std::size_t>(f.target().node())] = 1;
    }
    while (!stack.empty()) {
        const int id = stack.back();
        stack.pop_back();
        if (needed[static_cast<std::size_t>(id)]) continue;
        needed[static_cast<std::size_t>(id)] = 1;
        if (fed[static_cast<std::size_t>(id)]) continue;
        for (const Tensor& t : g.node(id).inputs) stack.push_back(t.node());
        for (int c : g.node(id).control_inputs) stack.push_back(c);
    }
    // How many needed nodes still have to read each node's outputs.
    std::vector<int> uses(static_cast<std::size_t>(n), 0);
    for (int id = 0; id < n; ++id)
        if (needed[static_cast<std::size_t>(id)] && !fed[static_cast<std::size_t>(id)])
            for (const Tensor& t : g.node(id).inputs) ++uses[static_cast<std::size_t>(t.node())];

    // 3. Evaluate the needed nodes in graph order.
    kept_.resize(static_cast<std::size_t>(n));  // the graph may have grown since the last run
    scratch_.resize(static_cast<std::size_t>(n));
    std::vector<std::vector<nn::Tensor>> owned(static_cast<std::size_t>(n));
    std::vector<const nn::Tensor*> external(static_cast<std::size_t>(n), nullptr);
    auto value = [&](const Tensor& t) -> const nn::Tensor& {
        const std::size_t id = static_cast<std::size_t>(t.node());
        return external[id] ? *external[id] : owned[id][static_cast<std::size_t>(t.index())];
    };
    for (int id = 0; id < n; ++id) {
        const std::size_t i = static_cast<std::size_t>(id);
        if (!needed[i]) continue;
        if (fed[i]) {
            external[i] = fed[i];
            continue;
        }
        const Node& node = g.node(id);
        last_run_.push_back(node.name);
        if (node.kind == Node::Kind::placeholder)
            throw InvalidArgumentError("You must feed a value for placeholder tensor '" + node.name + "' with dtype " +
                                       dtype_name(node.outputs[0].dtype) + " and shape " +
                                       shape_text(node.outputs[0].shape));
        if (node.kind == Node::Kind::variable) {
            auto it = state_.variables.find(id);
            if (it == state_.variables.end())
                throw FailedPreconditionError("Attempting to use uninitialized value " + node.name);
            external[i] = &it->second;
            continue;
        }
        Inputs X;
        for (const Tensor& t : node.inputs) X.push_back(&value(t));
        if (node.effect) node.effect(state_, id, X, config_);
        if (node.forward) {
            // Inputs this node reads last, owned here and not fetched: the op may take their storage.
            std::vector<nn::Tensor*> movable(node.inputs.size(), nullptr);
            for (std::size_t j = 0; j < node.inputs.size(); ++j) {
                const std::size_t in = static_cast<std::size_t>(node.inputs[j].node());
                const std::size_t k = static_cast<std::size_t>(node.inputs[j].index());
                if (!external[in] && !fetched[in] && uses[in] == 1 && k < owned[in].size()) movable[j] = &owned[in][k];
            }
            context_.kept = &kept_[i];
            context_.scratch = &scratch_[i];
            context_.movable = &movable;
            owned[i] = node.forward(X, context_);
            context_.movable = nullptr;
        }
        for (std::size_t k = 0; k < node.outputs.size(); ++k)
            if (owned[i].size() != node.outputs.size() || !shape_fits(owned[i][k].shape, node.outputs[k].shape))
                throw std::logic_error(node.op + " \"" + node.name + "\" computed a value that does not fit its " +
                                       "static shape " + shape_text(node.outputs[k].shape));
        for (const Tensor& t : node.inputs) {
            const std::size_t in = static_cast<std::size_t>(t.node());
            if (--uses[in] == 0 && !fetched[in]) {
                kept_[in] = std::move(owned[in]);  // for the node's next run to write into
                owned[in].clear();
            }
        }
    }

    // 4. The fetched values in fetch order; the last fetch of an owned value takes it.
    std::vector<nn::Tensor> results;
    results.reserve(fetches.size());
    for (std::size_t k = 0; k < fetches.size(); ++k) {
        const Tensor& t = fetches[k].target();
        if (fetches[k].is_operation()) {
            results.emplace_back();
            continue;
        }
        bool fetched_again = false;
        for (std::size_t l = k + 1; l < fetches.size(); ++l)
            fetched_again = fetched_again || (fetches[l].target().node() == t.node() &&
                                              fetches[l].target().index() == t.index());
        const std::size_t id = static_cast<std::size_t>(t.node());
        if (!external[id] && !fetched_again)
            results.push_back(std::move(owned[id][static_cast<std::size_t>(t.index())]));
        else
            results.push_back(value(t));
    }
    // What is still owned was not handed over (outputs nobody fetched, moved-from
    // tensors): keep it for the next run.
    for (int id = 0; id < n; ++id)
        if (!owned[static_cast<std::size_t>(id)].empty())
            kept_[static_cast<std::size_t>(id)] = std::move(owned[static_cast<std::size_t>(id)]);
    return results;
}

nn::Tensor Session::run(const Tensor& fetch, const FeedDict& feed_dict) {
    return std::move(run(std::vector<Fetch>{fetch}, feed_dict)[0]);
}

nn::Tensor Session::run(const Variable& fetch, const FeedDict& feed_dict) { return run(fetch.value(), feed_dict); }

void Session::run(const Operation& fetch, const FeedDict& feed_dict) { run(std::vector<Fetch>{fetch}, feed_dict); }

}  // namespace tf1
