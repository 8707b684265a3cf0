// Error messages for bad arguments.
//
// Every check in nn/ goes through require(): when the condition fails it
// throws std::invalid_argument with "function: what is wrong (shapes)", e.g.
//   conv_forward: W has c_prev=3 but A_prev has 1 channels (A_prev (2,5,5,1), W (3,3,3,4))
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace nn {

/// Throws std::invalid_argument("<fn>: <message>") unless @p ok holds.
/// @param ok       the condition that must hold
/// @param fn       name of the public function doing the check, e.g. "conv_forward"
/// @param message  what is wrong, naming the argument and the shapes involved
inline void require(bool ok, const char* fn, const std::string& message) {
    if (!ok) throw std::invalid_argument(std::string(fn) + ": " + message);
}

/// require() with a fixed message, e.g. require(ok, "f", "x must be positive"):
/// the std::string is made only if the check fails, not at every call.
/// @param ok       the condition that must hold
/// @param fn       name of the public function doing the check
/// @param message  what is wrong
inline void require(bool ok, const char* fn, const char* message) {
    if (!ok) throw std::invalid_argument(std::string(fn) + ": " + message);
}

/// require() for checks on a training step's path: the message is built only
/// if the check fails. Formatting shapes costs a few hundred nanoseconds,
/// more than the work of a small pass, so hot checks pass a lambda,
///   require(i < m, "gather_samples", [&] { return "index ... " + X.shape_str(); });
/// @param ok       the condition that must hold
/// @param fn       name of the public function doing the check
/// @param message  called as message() when @p ok is false; returns what is wrong
template <typename Message, typename = decltype(std::string(std::declval<Message&>()()))>
void require(bool ok, const char* fn, Message&& message) {
    if (!ok) throw std::invalid_argument(std::string(fn) + ": " + message());
}

}  // namespace nn
