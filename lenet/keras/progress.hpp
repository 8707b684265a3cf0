// The progress line Keras's fit prints (tf.keras 2.x Progbar), one epoch at a time:
//
//   verbose=1, at the end:   1563/1563 [==============================] - 3s 2ms/step - loss: 0.1775 - accuracy: 0.9459
//   verbose=1, during:         32/1563 [>.............................] - ETA: 41s - loss: 0.9123 - accuracy: 0.7012
//   verbose=2, at the end:   1563/1563 - 3s - loss: 0.1775 - accuracy: 0.9459
//
// On a terminal the line is redrawn in place (a carriage return) at most every 0.05 s;
// otherwise only the final line of each epoch is written. Values print as
// %.4f, or %.4e when |value| <= 1e-3. Whether the output is a terminal is the
// caller's knowledge (isatty is not standard C++), so it comes in Console.
#pragma once

#include <chrono>
#include <cstddef>
#include <iostream>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace keras {

/// Where fit writes its progress, and whether that stream is a terminal
/// (then the line is updated in place).
struct Console {
    /// @param out         the stream to write to
    /// @param is_terminal true to redraw the line in place with a carriage return
    Console(std::ostream& out = std::cout, bool is_terminal = false) : out(&out), is_terminal(is_terminal) {}
    std::ostream* out;  ///< the stream (never null)
    bool is_terminal;   ///< redraw in place?
};

/// One value on the progress line, e.g. {"loss", 0.1775}.
using Metric = std::pair<std::string, double>;

/// A value as Keras prints it: "0.1775", or "1.2340e-04" when |v| <= 1e-3.
/// @param v the metric value
/// @return four decimals, fixed or in scientific notation
std::string format_value(double v);

/// The counter and bar, e.g. "  32/1563 [>.............................]":
/// the counter is right-aligned to the width of @p target, and the bar has 30
/// cells, int(30 * current / target) of them done ('>' marks the head until
/// the end).
/// @param current steps done, 0 <= current <= target
/// @param target  steps in the epoch, positive
/// @return the counter and bar, without anything after the closing ']'
std::string progress_bar(int current, int target);

/// The line for verbose=1, without a carriage return or newline.
/// @param current  steps done
/// @param target   steps in the epoch
/// @param elapsed  seconds since the epoch began
/// @param finalize true for the end-of-epoch form (" - 3s 2ms/step"), false
///                 for the running form with an ETA
/// @param values   the metrics in order
/// @return the bar, the time (or ETA) and " - name: value" for each metric
std::string progress_line(int current, int target, double elapsed, bool finalize, const std::vector<Metric>& values);

/// The end-of-epoch line for verbose=2, e.g. "1563/1563 - 3s - loss: 0.1775".
/// @param target  steps in the epoch
/// @param elapsed seconds the epoch took
/// @param values  the metrics in order
/// @return the line, without a newline
std::string progress_line_brief(int target, double elapsed, const std::vector<Metric>& values);

/// The progress display of one epoch.
class Progbar {
public:
    /// Starts the clock.
    /// @param console where to write
    /// @param target  steps in the epoch, positive
    /// @param verbose 0 (silent), 1 (bar) or 2 (one line per epoch)
    Progbar(Console console, int target, int verbose);
    /// After step @p current: redraws the running line (terminal and verbose=1 only,
    /// at most every 0.05 s).
    /// @param current steps done
    /// @param values  the running metrics
    void update(int current, const std::vector<Metric>& values);
    /// The end-of-epoch line, then a newline.
    /// @param values every metric of the epoch, validation included
    void finish(const std::vector<Metric>& values);

private:
    double seconds_since_start() const;

    Console console_;
    int target_;
    int verbose_;
    std::chrono::steady_clock::time_point start_;
    double last_draw_ = -1.0;   // seconds since start of the last redraw
    std::size_t last_width_ = 0;  // length of the line on screen, to blank what is left of it
};

}  // namespace keras
