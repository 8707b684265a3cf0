// AdamOptimizer::minimize: gradients of the loss, then an op whose effect
// is one nn::Adam step on the session's variables, with the gradients as inputs.
#include "lenet/tf1/optimizer.hpp"

#include <utility>

#include "lenet/tf1/gradients.hpp"
#include "nn/fast/adam.hpp"

namespace tf1 {

Operation AdamOptimizer::minimize(const Tensor& loss, std::vector<Tensor> var_list, const std::string& name) const {
    if (!loss.graph()) throw ValueError("minimize: loss is an empty Tensor handle (it refers to no graph)");
    Graph& g = *loss.graph();
    if (var_list.empty()) var_list = g.global_variables();
    if (var_list.empty()) throw ValueError("minimize: the graph has no variables to optimize");
    std::vector<int> ids;
    std::vector<std::string> names;
    for (const Tensor& v : var_list) {
        require_member(g, v, "minimize: var_list entry");
        if (g.node(v.node()).kind != Node::Kind::variable)
            throw ValueError("minimize: var_list entry " + v.str() + " is not a Variable");
        ids.push_back(v.node());
        names.push_back(g.node(v.node()).name);
    }
    Node apply;
    apply.op = "ApplyAdam";
    apply.name = name;
    apply.inputs = gradients(loss, var_list);
    apply.effect = [ids, names, config = config_](State& state, int self, const Inputs& grads,
                                                  const SessionConfig& session) {
        std::vector<nn::Tensor*> params;
        for (std::size_t k = 0; k < ids.size(); ++k) {
            auto it = state.variables.find(ids[k]);
            if (it == state.variables.end())
                throw FailedPreconditionError("Attempting to use uninitialized value " + names[k]);
            params.push_back(&it->second);
        }
        nn::Adam& adam = state.adam.try_emplace(self, config).first->second;
        const std::vector<const nn::Tensor*> g(grads.begin(), grads.end());
        if (session.pool && !session.reference_passes)
            nn::fast::adam_step(adam, params, g, *session.pool);  // the same numbers, shared out between the session's threads
        else
            adam.step(params, g);
    };
    return Operation(&g, g.add_node(std::move(apply)));
}

}  // namespace tf1
