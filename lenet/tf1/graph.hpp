// The TensorFlow-1-style graph: nodes that describe a computation, built
// first and run later by a tf1::Session (lenet/tf1/session.hpp).
//
// A Graph is a list of nodes. Each node has an op type ("Conv2D"), a unique
// name ("conv2d/Conv2D"), its inputs (outputs of earlier nodes, so the list
// is already in topological order), and for each output a static shape in
// which -1 stands for a dimension not known until run time (TF's None, shown
// as "?"). A tf1::Tensor is a handle to one output ("conv2d/Conv2D:0"); a
// tf1::Operation is a handle to a node run for its effect (the train op, the
// initializer). Values live in the Session, never in the graph, except the
// constants a node was built with.
//
// Sources of values: placeholder() (fed at run time), constant(), and
// Variable (kept by the session between runs, set by its initializer). The
// initial values are drawn when the Variable is built, from the graph's own
// nn::Rng seeded by set_random_seed (tf.set_random_seed), so a seed fixes
// every initial weight.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "nn/adam.hpp"
#include "nn/rng.hpp"
#include "nn/tensor.hpp"
#include "nn/fast/thread_pool.hpp"

namespace tf1 {

class Graph;

/// tf.errors.InvalidArgumentError: a run-time argument is wrong (an unfed placeholder).
class InvalidArgumentError : public std::invalid_argument {
public:
    /// @param what the message
    explicit InvalidArgumentError(const std::string& what) : std::invalid_argument(what) {}
};

/// tf.errors.FailedPreconditionError: the session is not ready (an uninitialised variable).
class FailedPreconditionError : public std::runtime_error {
public:
    /// @param what the message
    explicit FailedPreconditionError(const std::string& what) : std::runtime_error(what) {}
};

/// Python's ValueError as TF raises it: a feed of the wrong shape, a tensor
/// from another graph, a bad argument while building.
class ValueError : public std::invalid_argument {
public:
    /// @param what the message
    explicit ValueError(const std::string& what) : std::invalid_argument(what) {}
};

/// The element type a tensor stands for. Values are always stored as float
/// (nn::Tensor); the dtype says how to read them: int64 and bool values are
/// whole numbers (0 and 1 for bool), as tf.argmax and tf.equal produce.
enum class DType { float32, int64, bool_ };

/// The name TensorFlow prints for a dtype.
/// @param dtype the element type
/// @return "float32", "int64" or "bool"
std::string dtype_name(DType dtype);

/// A static shape as TF prints it: "(?, 28, 28, 1)", "(5,)", "()"; -1 is "?".
/// @param shape the static shape, -1 for an unknown extent
/// @return the text, with a trailing comma for rank 1 as in a Python tuple
std::string shape_text(const nn::Shape& shape);

/// True when a value of shape @p value fits the static shape @p pattern
/// (same rank, equal extents except where the pattern has -1).
/// @param value   the shape of an actual value, e.g. one fed through feed_dict
/// @param pattern the static shape it must fit, -1 matching any extent
/// @return true when every known extent of @p pattern matches
bool shape_fits(const nn::Shape& value, const nn::Shape& pattern);

/// A symbolic tensor: output @p index of one node of a graph. Cheap to copy;
/// the graph must outlive it.
class Tensor {
public:
    /// An empty handle that refers to no graph.
    Tensor() = default;
    /// A handle to one output of a node.
    /// @param graph the graph holding the node
    /// @param node  the node's id
    /// @param index which of its outputs
    Tensor(Graph* graph, int node, int index = 0) : graph_(graph), node_(node), index_(index) {}

    /// @return the graph, or nullptr for an empty handle
    Graph* graph() const { return graph_; }
    /// @return the producing node's id (its position in the graph)
    int node() const { return node_; }
    /// @return which output of that node
    int index() const { return index_; }
    /// @return the tensor's name, e.g. "conv2d/Relu:0"
    std::string name() const;
    /// @return the static shape; -1 marks an extent unknown until run time
    /// @throws ValueError for an empty handle
    const nn::Shape& shape() const;
    /// @return the element type
    /// @throws ValueError for an empty handle
    DType dtype() const;
    /// @return the tensor as TF prints it: Tensor("x:0", shape=(?, 3), dtype=float32)
    std::string str() const;

private:
    Graph* graph_ = nullptr;
    int node_ = -1;
    int index_ = 0;
};

/// A node run for its effect (the train op, an initializer), as tf.Operation.
class Operation {
public:
    /// An empty handle that refers to no graph.
    Operation() = default;
    /// A handle to a node run for its effect.
    /// @param graph the graph holding the node
    /// @param node  the node's id
    Operation(Graph* graph, int node) : graph_(graph), node_(node) {}
    /// @return the graph, or nullptr for an empty handle
    Graph* graph() const { return graph_; }
    /// @return the node's id (its position in the graph)
    int node() const { return node_; }
    /// @return the node's name, e.g. "Adam" or "init"
    std::string name() const;

private:
    Graph* graph_ = nullptr;
    int node_ = -1;
};

/// What a Session keeps between runs: variable values and optimizer slots,
/// each under the node id of the variable or of the train op that owns it.
struct State {
    std::map<int, nn::Tensor> variables;  ///< by VariableV2 node id; absent = uninitialised
    std::map<int, nn::Adam> adam;         ///< by train-op node id: Adam's m, v and step count
};

/// How a session runs the ops (tf.ConfigProto): which nn/ passes and how many threads.
struct SessionConfig {
    int intra_op_parallelism_threads = 0;  ///< threads for conv, pool and dense; 0 = all cores, as in TF
    bool reference_passes = false;         ///< true: the plain nn/ loop nests instead of the nn/*_fast variants
    /// The kept threads conv, pool and dense run on. Empty: the Session starts
    /// one of intra_op_parallelism_threads threads. Copies of a config (and of
    /// a Session) share it, so they must not run at the same time.
    std::shared_ptr<nn::fast::ThreadPool> pool = nullptr;
};

/// Pointers to the values of a node's inputs, in the node's input order.
using Inputs = std::vector<const nn::Tensor*>;

/// Tensors a Session keeps for one node between runs, for a node that needs
/// more than its outputs (the gradients node keeps each backward's dX here).
using Scratch = std::vector<std::vector<nn::Tensor>>;

/// What a Session hands an op besides its inputs (TF's OpKernelContext): the
/// config, the tensors the op's outputs used in the previous run, and, for a
/// backward, which inputs need a gradient. A session runs the same ops at
/// every mini-batch, so an op that takes its previous output and writes into
/// it with an nn/ into-form allocates nothing after the first run. Derived
/// from SessionConfig so that ops which need only the config may take a
/// `const SessionConfig&`.
struct OpContext : SessionConfig {
    /// The tensors output k had in an earlier run, by k; null or short = none kept.
    std::vector<nn::Tensor>* kept = nullptr;
    /// Kept by the session for this node between runs; null = none (see Scratch).
    Scratch* scratch = nullptr;
    /// For a backward: wanted[j] != 0 when input j needs a gradient; null = every input.
    const std::vector<char>* wanted = nullptr;
    /// For a forward: movable[j] is input j's tensor when this op is its last
    /// reader in the run and nobody fetched it; null = not movable (see movable_input()).
    const std::vector<nn::Tensor*>* movable = nullptr;

    /// The context of a session run with @p config, nothing kept yet.
    /// @param config the session's passes and threads
    explicit OpContext(SessionConfig config = {}) : SessionConfig(std::move(config)) {}

    /// Takes output @p k's tensor from an earlier run (TF's allocate_output):
    /// its values are stale and its shape is old, so pass it to an nn/
    /// into-form (nn::resize_output) that overwrites every value.
    /// @param k the output's index
    /// @return the kept tensor, or an empty one when none is kept
    nn::Tensor take_output(std::size_t k) const {
        if (!kept || k >= kept->size()) return nn::Tensor();
        return std::move((*kept)[k]);
    }
    /// Input @p j's tensor, when the op may take its storage instead of
    /// copying it (TF's buffer forwarding): a relu or a reshape then works in
    /// place. The op must leave a tensor in its place, which the session keeps
    /// for the input's own node to write into next run: its own previous
    /// output (take_output()), swapped in, so that the two nodes pass two
    /// buffers back and forth and neither allocates.
    /// @param j an input's index
    /// @return the input's tensor, or null when another reader still needs it
    nn::Tensor* movable_input(std::size_t j) const {
        return movable && j < movable->size() ? (*movable)[j] : nullptr;
    }
    /// @param j an input's index
    /// @return false when no gradient for input @p j is needed (a backward may skip computing it)
    bool wants(std::size_t j) const { return !wanted || j >= wanted->size() || (*wanted)[j]; }
};

/// Computes a node's outputs from its inputs (one tensor per output); it may
/// write them into the tensors ctx.take_output(k) gives back.
using Forward = std::function<std::vector<nn::Tensor>(const Inputs& X, const OpContext& ctx)>;
/// The gradient of a single-output node: from dY (the loss gradient with
/// respect to the output Y) and the forward values, one tensor per input;
/// an empty tensor (no values) means "no gradient flows to that input".
/// ctx.take_output(j) gives back the tensor dX_j had in the previous run,
/// and ctx.wants(j) says whether dX_j is needed at all. Only the values the
/// node's backward_reads names are given: the others are null inputs and an
/// empty Y.
using Backward = std::function<std::vector<nn::Tensor>(const nn::Tensor& dY, const Inputs& X, const nn::Tensor& Y,
                                                       const OpContext& ctx)>;
/// A node's effect on the session's state; @p self is the node's own id, and
/// @p config the session's passes and threads (ApplyAdam updates on its pool).
using Effect = std::function<void(State& state, int self, const Inputs& X, const SessionConfig& config)>;

/// One output of a node: its static shape and element type.
struct OutputSpec {
    nn::Shape shape;               ///< -1 where unknown until run time
    DType dtype = DType::float32;  ///< element type
};

/// The forward values a node's backward reads, besides dY. TF's gradient
/// functions declare the same: a value that no backward reads is not kept for
/// the gradients node, so its last forward reader may take its storage (a
/// relu then acts in place on its conv's output instead of copying it).
enum class BackwardReads {
    inputs_and_output,  ///< X and Y (the safe default)
    inputs,             ///< X only (conv, pool, dense: Y is not needed)
    output,             ///< Y only (an activation's derivative from A)
    none                ///< dY alone (a cast)
};

/// One node of the graph.
struct Node {
    /// How a Session obtains the node's value.
    enum class Kind {
        placeholder,  ///< must be fed
        variable,     ///< read from the session's State
        op            ///< computed by forward, or run for its effect
    };
    Kind kind = Kind::op;                  ///< see Kind
    std::string op;                        ///< op type, e.g. "Conv2D"
    std::string name;                      ///< unique name, e.g. "conv2d/Conv2D"
    std::vector<Tensor> inputs;            ///< data inputs, all from earlier nodes
    std::vector<int> control_inputs;       ///< earlier nodes that must run first (tf.control_dependencies)
    std::vector<OutputSpec> outputs;       ///< none for an Operation
    Forward forward;                       ///< for ops with outputs
    Backward backward;                     ///< empty when no gradient flows through the op
    /// What backward reads; it gets null inputs and an empty Y for the rest.
    BackwardReads backward_reads = BackwardReads::inputs_and_output;
    Effect effect;                         ///< for ops run for their effect
};

/// A computation graph (tf.Graph). Not copyable: handles point into it.
class Graph {
public:
    /// An empty graph.
    /// @param seed where the random source for initial values starts
    explicit Graph(std::uint64_t seed = 0) : rng_(seed) {}
    Graph(const Graph&) = delete;             ///< handles point into the graph
    Graph& operator=(const Graph&) = delete;  ///< handles point into the graph

    /// tf.set_random_seed: restarts the random source that initial values are drawn from.
    /// @param seed the new starting point
    void set_random_seed(std::uint64_t seed) { rng_ = nn::Rng(seed); }
    /// @return the random source initializers draw from, in the order variables are built
    nn::Rng& rng() { return rng_; }

    /// Reserves a name, as TF names nodes and scopes.
    /// @param base the name wanted
    /// @return @p base if it is free, else the first free one of base_1, base_2, ...
    std::string unique_name(const std::string& base);

    /// Appends a node after checking that every input and control input is
    /// an earlier node of this graph; its name (the op type when empty) is
    /// made unique with unique_name().
    /// @param node the node, its inputs referring to this graph
    /// @return the node's id
    /// @throws ValueError naming the input when it belongs to another graph
    ///         ("must be from the same graph") or is an empty handle.
    int add_node(Node node);

    /// @param id a node id, 0 <= id < size()
    /// @return the node
    const Node& node(int id) const { return nodes_.at(static_cast<std::size_t>(id)); }
    /// @return the number of nodes
    int size() const { return static_cast<int>(nodes_.size()); }

    /// Registers a variable (used by the Variable constructor).
    /// @param variable    the VariableV2 node's id
    /// @param initializer the id of the Assign op that sets it
    void add_variable(int variable, int initializer);
    /// @return the variables' read tensors, in the order they were built (tf.global_variables())
    std::vector<Tensor> global_variables();
    /// @return the ids of the variables' Assign ops, in the same order
    const std::vector<int>& initializers() const { return initializers_; }

private:
    std::vector<Node> nodes_;
    std::set<std::string> names_;
    std::vector<int> variables_, initializers_;
    nn::Rng rng_;
};

/// Throws ValueError unless @p t is a tensor of @p graph; @p what names the
/// role of t in the message ("feed_dict key", "fetch").
/// @param graph the graph @p t must belong to
/// @param t     the tensor to check
/// @param what  how the message introduces @p t, e.g. "Fetch argument"
/// @throws ValueError when @p t is an empty handle or belongs to another graph.
void require_member(const Graph& graph, const Tensor& t, const std::string& what);

/// tf.placeholder: a value supplied through feed_dict at every run.
/// @param graph the graph to add it to
/// @param shape static shape; -1 for an extent given at run time (the batch)
/// @param name  node name, made unique
/// @param dtype element type, float32 by default
/// @return the placeholder's tensor
Tensor placeholder(Graph& graph, const nn::Shape& shape, const std::string& name = "Placeholder",
                   DType dtype = DType::float32);

/// tf.constant: a node that always gives @p value.
/// @param graph the graph to add it to
/// @param value the value, copied into the graph
/// @param name  node name, made unique
/// @return the constant's tensor
Tensor constant(Graph& graph, const nn::Tensor& value, const std::string& name = "Const");

/// An initializer: draws an initial value of a shape from the graph's random source.
using Initializer = std::function<nn::Tensor(const nn::Shape& shape, nn::Rng& rng)>;
/// He-normal (nn::he_normal; tf.contrib.layers.variance_scaling_initializer()).
/// @return an initializer drawing truncated-normal values with variance 2 / fan_in
Initializer he_normal_initializer();
/// Glorot-uniform (nn::glorot_uniform; tf.glorot_uniform_initializer()).
/// @return an initializer drawing from U(-limit, limit), limit = sqrt(6 / (fan_in + fan_out))
Initializer glorot_uniform_initializer();
/// All zeros (tf.zeros_initializer()); draws nothing.
/// @return an initializer giving zeros of the shape asked for
Initializer zeros_initializer();
/// A fixed value (tf.constant_initializer); the shape asked for must match.
/// @param value the value every variable built with it starts from
/// @return an initializer giving a copy of @p value
Initializer constant_initializer(const nn::Tensor& value);

/// tf.Variable: a value kept by the session between runs. Building it draws
/// the initial value at once and adds three nodes: "<name>" (VariableV2,
/// reads the value), "<name>/Initializer" (a constant holding the initial
/// value) and "<name>/Assign" (sets it). It converts to its read Tensor.
class Variable {
public:
    /// A variable of @p shape (fully known) in @p graph starting from
    /// initializer(shape, graph.rng()).
    /// @param graph       the graph to add it to
    /// @param shape       static shape, every extent known
    /// @param initializer draws the initial value
    /// @param name        node name, made unique ("conv2d/kernel")
    /// @throws ValueError when an extent is not positive or the initializer
    ///         returns a tensor of another shape.
    Variable(Graph& graph, const nn::Shape& shape, const Initializer& initializer,
             const std::string& name = "Variable");

    /// @return the read tensor, "<name>:0"
    Tensor value() const { return value_; }
    /// The read tensor, so a Variable can be passed wherever a Tensor is expected.
    operator Tensor() const { return value_; }  // NOLINT: implicit, as tf.Variable acts as a tensor
    /// @return the Assign op that sets the initial value (variable.initializer)
    Operation initializer() const { return initializer_; }
    /// @return the variable's name, e.g. "conv2d/kernel"
    std::string name() const;

private:
    Tensor value_;
    Operation initializer_;
};

/// tf.global_variables_initializer: an op "init" that runs every variable's
/// Assign built so far and resets every optimizer's slots (Adam's m, v, t).
/// @param graph the graph whose variables it initialises
/// @return the "init" op, to pass to Session::run
Operation global_variables_initializer(Graph& graph);

}  // namespace tf1
