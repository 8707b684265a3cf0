// AdamOptimizer::minimize: gradients of the loss, then an op whose effect
// is one nn::Adam step on the session's variables, with the gradients as inputs.
#include "lenet/tf1/optimizer.hpp"

#include <utility>

#include "lenet/tf1/gradients.hpp"

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
    apply.effect = [ids, names, config = config_](State& state, int self, const Inputs& grads, nn::Context& ctx) {
        std::vector<nn::Tensor*> params;
        for (std::size_t k = 0; k < ids.size(); ++k) {
            auto it = state.variables.find(ids[k]);
            if (it == state.variables.end())
                throw FailedPreconditionError("Attempting to use uninitialized value " + names[k]);
            params.push_back(&it->second);
        }
        nn::Adam& adam = state.adam.try_emplace(self, config).first->second;
        ctx.adam_step(adam, params, grads);
    };
    return Operation(&g, g.add_node(std::move(apply)));
}

}  // namespace tf1
