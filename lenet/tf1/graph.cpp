// The graph: nodes in the order they were built, unique names, the variable
// list, and the three value sources (placeholder, constant, Variable).
//
//   placeholder  Kind::placeholder, no inputs, value from feed_dict
//   constant     forward returns a copy of the stored value
//   Variable     <name> (VariableV2) reads state.variables[<name>];
//                <name>/Initializer (constant) -> <name>/Assign (effect:
//                state.variables[<name>] = initial value)
//   init         NoOp after every Assign; clears optimizer slots
#include "lenet/tf1/graph.hpp"

#include <utility>

#include "nn/init.hpp"

namespace tf1 {

std::string dtype_name(DType dtype) {
    switch (dtype) {
        case DType::float32: return "float32";
        case DType::int64: return "int64";
        case DType::bool_: return "bool";
    }
    return "unknown";
}

std::string shape_text(const nn::Shape& shape) {
    std::string s = "(";
    for (std::size_t k = 0; k < shape.size(); ++k) {
        if (k) s += ", ";
        s += shape[k] < 0 ? "?" : std::to_string(shape[k]);
    }
    return s + (shape.size() == 1 ? ",)" : ")");
}

bool shape_fits(const nn::Shape& value, const nn::Shape& pattern) {
    if (value.size() != pattern.size()) return false;
    for (std::size_t k = 0; k < value.size(); ++k)
        if (pattern[k] >= 0 && pattern[k] != value[k]) return false;
    return true;
}

namespace {

const OutputSpec& spec(const Graph* graph, int node, int index) {
    if (!graph) throw ValueError("an empty Tensor handle (it refers to no graph)");
    return graph->node(node).outputs.at(static_cast<std::size_t>(index));
}

}  // namespace

std::string Tensor::name() const {
    if (!graph_) return "<empty>";
    return graph_->node(node_).name + ":" + std::to_string(index_);
}
const nn::Shape& Tensor::shape() const { return spec(graph_, node_, index_).shape; }
DType Tensor::dtype() const { return spec(graph_, node_, index_).dtype; }
std::string Tensor::str() const {
    if (!graph_) return "Tensor(<empty>)";
    return "Tensor(\"" + name() + "\", shape=" + shape_text(shape()) + ", dtype=" + dtype_name(dtype()) + ")";
}

std::string Operation::name() const { return graph_ ? graph_->node(node_).name : "<empty>"; }

std::string Graph::unique_name(const std::string& base) {
    std::string name = base;
    for (int k = 1; names_.count(name); ++k) name = base + "_" + std::to_string(k);
    names_.insert(name);
    return name;
}

void require_member(const Graph& graph, const Tensor& t, const std::string& what) {
    if (!t.graph()) throw ValueError(what + " is an empty Tensor handle (it refers to no graph)");
    if (t.graph() != &graph) throw ValueError(what + " " + t.str() + " is not an element of this graph.");
}

int Graph::add_node(Node node) {
    for (const Tensor& t : node.inputs) {
        if (t.graph() != this)
            throw ValueError(node.op + " \"" + node.name + "\": input " + t.str() +
                             " must be from the same graph as the op's other inputs.");
        if (t.index() >= static_cast<int>(this->node(t.node()).outputs.size()))
            throw ValueError(node.op + " \"" + node.name + "\": input " + t.name() + " does not exist");
    }
    for (int c : node.control_inputs)
        if (c < 0 || c >= size()) throw ValueError(node.op + " \"" + node.name + "\": bad control input");
    node.name = unique_name(node.name.empty() ? node.op : node.name);
    nodes_.push_back(std::move(node));
    return size() - 1;
}

void Graph::add_variable(int variable, int initializer) {
    variables_.push_back(variable);
    initializers_.push_back(initializer);
}

std::vector<Tensor> Graph::global_variables() {
    std::vector<Tensor> out;
    for (int v : variables_) out.emplace_back(this, v);
    return out;
}

Tensor placeholder(Graph& graph, const nn::Shape& shape, const std::string& name, DType dtype) {
    for (int d : shape)
        if (d < -1) throw ValueError("placeholder \"" + name + "\": bad shape " + shape_text(shape));
    Node n;
    n.kind = Node::Kind::placeholder;
    n.op = "Placeholder";
    n.name = name;
    n.outputs = {{shape, dtype}};
    return Tensor(&graph, graph.add_node(std::move(n)));
}

Tensor constant(Graph& graph, const nn::Tensor& value, const std::string& name) {
    Node n;
    n.op = "Const";
    n.name = name;
    n.outputs = {{value.shape, DType::float32}};
    n.forward = [value](const Inputs&, nn::Context&) { return std::vector<nn::Tensor>{value}; };
    return Tensor(&graph, graph.add_node(std::move(n)));
}

Initializer he_normal_initializer() {
    return [](const nn::Shape& shape, nn::Rng& rng) { return nn::he_normal(shape, rng); };
}
Initializer glorot_uniform_initializer() {
    return [](const nn::Shape& shape, nn::Rng& rng) { return nn::glorot_uniform(shape, rng); };
}
Initializer zeros_initializer() {
    return [](const nn::Shape& shape, nn::Rng&) { return nn::zeros(shape); };
}
Initializer constant_initializer(const nn::Tensor& value) {
    return [value](const nn::Shape&, nn::Rng&) { return value; };
}

Variable::Variable(Graph& graph, const nn::Shape& shape, const Initializer& initializer, const std::string& name) {
    for (int d : shape)
        if (d <= 0) throw ValueError("Variable \"" + name + "\": every extent must be known and positive, got " +
                                     shape_text(shape));
    nn::Tensor initial = initializer(shape, graph.rng());
    if (initial.shape != shape)
        throw ValueError("Variable \"" + name + "\": the initializer gave shape " + shape_text(initial.shape) +
                         " for shape " + shape_text(shape));
    Node read;
    read.kind = Node::Kind::variable;
    read.op = "VariableV2";
    read.name = name;
    read.outputs = {{shape, DType::float32}};
    const int id = graph.add_node(std::move(read));
    value_ = Tensor(&graph, id);
    const std::string base = graph.node(id).name;
    Tensor init_value = constant(graph, initial, base + "/Initializer");

    Node assign;
    assign.op = "Assign";
    assign.name = base + "/Assign";
    assign.inputs = {init_value};
    assign.effect = [id](State& state, int, const Inputs& X, nn::Context&) { state.variables[id] = *X[0]; };
    initializer_ = Operation(&graph, graph.add_node(std::move(assign)));
    graph.add_variable(id, initializer_.node());
}

std::string Variable::name() const { return value_.graph()->node(value_.node()).name; }

Operation global_variables_initializer(Graph& graph) {
    Node init;
    init.op = "NoOp";
    init.name = "init";
    init.control_inputs = graph.initializers();
    init.effect = [](State& state, int, const Inputs&, nn::Context&) { state.adam.clear(); };
    return Operation(&graph, graph.add_node(std::move(init)));
}

}  // namespace tf1
