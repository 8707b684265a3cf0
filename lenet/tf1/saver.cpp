// tf.train.Saver: save reads every variable with one Session::run and writes
// the .npz; restore checks the file against the variables (names, shapes),
// then feeds its values to the save/ placeholders and runs save/restore_all.
#include "lenet/tf1/saver.hpp"

#include <utility>

#include "tools/io/weights.hpp"

namespace tf1 {

namespace {

// The variable's name and its shape as the file stores it.
tools::io::NamedTensor stored(const Tensor& variable, nn::Tensor value) {
    const std::string name = variable.graph()->node(variable.node()).name;
    const nn::Shape shape = tools::io::stored_shape(name, variable.shape());
    return {name, nn::Tensor(shape, std::move(value.data))};
}

}  // namespace

Saver::Saver(Graph& graph) : variables_(graph.global_variables()) {
    Node restore_all;
    for (const Tensor& v : variables_) {
        const int id = v.node();
        const Tensor value = placeholder(graph, v.shape(), "save/" + graph.node(id).name);
        Node assign;
        assign.op = "Assign";
        assign.name = "save/Assign";
        assign.inputs = {value};
        assign.effect = [id](State& state, int, const Inputs& X, nn::Context&) { state.variables[id] = *X[0]; };
        restore_all.control_inputs.push_back(graph.add_node(std::move(assign)));
        feeds_.push_back(value);
    }
    restore_all.op = "NoOp";
    restore_all.name = "save/restore_all";
    restore_all_ = Operation(&graph, graph.add_node(std::move(restore_all)));
}

std::string Saver::save(Session& sess, const std::string& path) const {
    std::vector<Fetch> fetches(variables_.begin(), variables_.end());
    std::vector<nn::Tensor> values = sess.run(fetches);
    std::vector<tools::io::NamedTensor> entries;
    for (std::size_t k = 0; k < variables_.size(); ++k) entries.push_back(stored(variables_[k], std::move(values[k])));
    tools::io::write_weights_file(path, entries);
    return path;
}

void Saver::restore(Session& sess, const std::string& path) const {
    std::vector<tools::io::NamedTensor> expected;
    for (const Tensor& v : variables_) expected.push_back(stored(v, nn::Tensor(v.shape())));
    const std::vector<nn::Tensor> values = tools::io::read_weights_file(path, expected);  // all checked here
    std::vector<nn::Tensor> shaped;  // back to the variables' own shapes (a bias (6) -> (1, 1, 1, 6))
    for (std::size_t k = 0; k < values.size(); ++k) shaped.emplace_back(variables_[k].shape(), values[k].data);
    FeedDict feed;
    for (std::size_t k = 0; k < shaped.size(); ++k) feed.emplace_back(feeds_[k], shaped[k]);
    sess.run(restore_all_, feed);
}

}  // namespace tf1
