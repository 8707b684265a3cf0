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

namespace nn {

/// Text from a user or a file made safe to quote in a one-line message: a
/// control byte (below 0x20, or 0x7f) becomes "\xHH", so it can neither break
/// the line nor drive the terminal, and text longer than @p max_bytes is cut
/// there, with the full length said, e.g. "aaaa... (5000 bytes)". Bytes from
/// 0x80 up are kept, so UTF-8 names read as written.
/// @param text       the text to quote, e.g. a token from a file header
/// @param max_bytes  how many bytes of @p text to show at most
/// @return the escaped and possibly cut text
inline std::string excerpt(const std::string& text, std::size_t max_bytes = 40) {
    static const char hex[] = "0123456789abcdef";
    std::string out;
    const std::size_t shown = text.size() > max_bytes ? max_bytes : text.size();
    for (std::size_t k = 0; k < shown; ++k) {
        const unsigned char c = static_cast<unsigned char>(text[k]);
        if (c < 0x20 || c == 0x7f) {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    if (shown < text.size()) out += "... (" + std::to_string(text.size()) + " bytes)";
    return out;
}

}  // namespace nn
