// tf.train.Saver: writes a session's variables to one file and reads them
// back, so a trained graph can be kept and used again.
//
//   saver = tf.train.Saver()            (after the model is built)
//   saver.save(sess, "lenet5.npz")      one .npz, an entry per variable, named
//                                       as the variable: "conv2d/kernel", ...
//   saver.restore(sess, "lenet5.npz")   sets every variable from the file
//
// TF writes its own checkpoint files; here the file is the .npz of
// tools/io/weights.hpp, the same file keras::Sequential::save_weights
// writes, so a file saved by one front-end restores into the other.
// Like TF's Saver, the constructor adds its restore ops to the graph: one
// placeholder "save/<variable>" and one "save/Assign" per variable, and a
// "save/restore_all" NoOp that runs them all. restore() feeds the file's
// values to the placeholders and runs it, after checking every entry first,
// so a refused file leaves every variable as it was.
#pragma once

#include <string>
#include <vector>

#include "lenet/tf1/graph.hpp"
#include "lenet/tf1/session.hpp"

namespace tf1 {

/// tf.train.Saver over every variable of a graph (tf.global_variables()).
class Saver {
public:
    /// Adds the restore ops for the variables built so far.
    /// @param graph the graph whose variables are saved and restored
    explicit Saver(Graph& graph);

    /// Writes every variable's value in @p sess to @p path, atomically, as an
    /// .npz with one entry per variable (biases stored 1-D, as TF keeps them).
    /// @param sess a session of the graph, its variables initialised
    /// @param path the file to write
    /// @return @p path, as TF's save returns the checkpoint's path
    /// @throws FailedPreconditionError when a variable is uninitialised
    /// @throws std::runtime_error naming the file when it cannot be written
    std::string save(Session& sess, const std::string& path) const;

    /// Sets every variable in @p sess from the file at @p path: entries are
    /// matched by name, each must have the variable's shape, and the file
    /// may hold nothing else. Works on a fresh session too (it initialises).
    /// @param sess a session of the graph
    /// @param path an .npz from save() or keras::Sequential::save_weights
    /// @throws std::runtime_error naming the file and the reason (for a
    ///         mismatch: the entry, its shape and the expected one); the
    ///         variables are then unchanged.
    void restore(Session& sess, const std::string& path) const;

private:
    std::vector<Tensor> variables_;  // the variables' read tensors, in build order
    std::vector<Tensor> feeds_;      // save/<variable>: one placeholder each
    Operation restore_all_;          // save/restore_all
};

}  // namespace tf1
