// tf.Session: runs the part of a graph that some fetches need.
//
//   sess.run(fetches, feed_dict)
//     1. every fetch and feed key must belong to the session's graph, and
//        every fed value must fit its tensor's static shape;
//     2. walk back from the fetches through inputs and control inputs,
//        stopping at fed tensors: those nodes are "needed";
//     3. evaluate the needed nodes once each, in graph order (every input is
//        an earlier node), with the passes of the session's nn::Context; a
//        value is let go as soon as its last consumer has run;
//     4. return the fetched values in fetch order; an Operation (the train
//        op, the initializer) gives an empty tensor, as TF returns None.
// Feeding a tensor that is not a placeholder overrides it, as in TF: its
// producer does not run unless something else needs it.
#pragma once

#include <string>
#include <vector>

#include "lenet/tf1/graph.hpp"
#include "nn/context.hpp"
#include "nn/tensor.hpp"

namespace tf1 {

/// One thing to fetch: a tensor (its value is returned) or an operation (run
/// for its effect; returns an empty tensor). Converts from both, and from a
/// Variable (its value).
class Fetch {
public:
    /// Fetch a tensor's value.
    /// @param t the tensor
    Fetch(const Tensor& t) : tensor_(t) {}  // NOLINT: implicit, so {loss, accuracy} reads like TF
    /// Fetch a variable's value.
    /// @param v the variable
    Fetch(const Variable& v) : tensor_(v.value()) {}  // NOLINT: implicit, as above
    /// Run an operation.
    /// @param op the operation
    Fetch(const Operation& op) : tensor_(op.graph(), op.node(), -1) {}  // NOLINT: implicit, as above
    /// @return the tensor, or (with index -1) the operation's node
    const Tensor& target() const { return tensor_; }
    /// @return true for an operation
    bool is_operation() const { return tensor_.index() < 0; }

private:
    Tensor tensor_;
};

/// One feed_dict entry: the tensor to override and its value. The value is
/// read in place, not copied, so it must outlive the run call.
struct Feed {
    /// Feed @p value for @p key.
    /// @param key   the tensor to override
    /// @param value its value, read in place during the run
    Feed(const Tensor& key, const nn::Tensor& value) : key(key), value(&value) {}
    /// Feed @p value for a variable (overrides its stored value for one run).
    /// @param key   the variable
    /// @param value its value, read in place during the run
    Feed(const Variable& key, const nn::Tensor& value) : key(key.value()), value(&value) {}
    Tensor key;                ///< the placeholder (or any tensor) to override
    const nn::Tensor* value;   ///< its value for this run
};

/// The feed_dict of a run: {{x, X_batch}, {y, Y_batch}}.
using FeedDict = std::vector<Feed>;

/// How a session runs the ops (tf.ConfigProto): which nn/ passes and how many threads.
struct SessionConfig {
    int intra_op_parallelism_threads = 0;  ///< threads for the fast passes; 0 = all cores, as in TF
    bool reference_passes = false;         ///< true: the plain nn/ loop nests, on one thread
};

/// A session over one graph; keeps the variables' values between runs.
/// Not copyable: its nn::Context owns the threads the ops run on.
class Session {
public:
    /// A session for @p graph, with every variable uninitialised.
    /// @param graph  the graph to run
    /// @param config passes and threads for the ops
    /// @throws std::invalid_argument when the thread count is negative
    explicit Session(Graph& graph, SessionConfig config = {});

    /// Evaluates @p fetches given @p feed_dict (see the top of this file).
    /// @param fetches   tensors and operations, in the order the results come back
    /// @param feed_dict values overriding tensors for this run
    /// @return one tensor per fetch; empty (no values) for an operation
    /// @throws ValueError when a fetch or feed key belongs to another graph
    ///         or is empty, or a fed value does not fit the tensor's shape.
    /// @throws InvalidArgumentError when a needed placeholder is not fed
    ///         (naming it, its dtype and its shape).
    /// @throws FailedPreconditionError when a needed variable is uninitialised.
    /// @throws std::invalid_argument from an nn/ pass when run-time shapes clash.
    std::vector<nn::Tensor> run(const std::vector<Fetch>& fetches, const FeedDict& feed_dict = {});

    /// run() with one tensor: its value.
    /// @param fetch     the tensor to evaluate
    /// @param feed_dict values overriding tensors for this run
    /// @return the tensor's value
    nn::Tensor run(const Tensor& fetch, const FeedDict& feed_dict = {});
    /// run() with one variable: its value.
    /// @param fetch     the variable to read
    /// @param feed_dict values overriding tensors for this run
    /// @return the variable's value
    nn::Tensor run(const Variable& fetch, const FeedDict& feed_dict = {});
    /// run() with one operation: runs it, returns nothing (as TF's None).
    /// @param fetch     the operation to run
    /// @param feed_dict values overriding tensors for this run
    void run(const Operation& fetch, const FeedDict& feed_dict = {});

    /// @return the names of the nodes the last run evaluated, in order (fed ones excluded)
    const std::vector<std::string>& last_run() const { return last_run_; }
    /// @return the session's graph
    Graph& graph() const { return *graph_; }
    /// @return the configuration the session was made with
    const SessionConfig& config() const { return config_; }
    /// @return the context the ops run their passes on (reference or fast, and its threads)
    const nn::Context& context() const { return context_; }

private:
    Graph* graph_;
    SessionConfig config_;
    nn::Context context_;
    State state_;
    std::vector<std::string> last_run_;
};

}  // namespace tf1
