// Keras's progress line (tf.keras 2.x Progbar):
//   bar   = "%*d/%d [" + "=" * (done - 1) + (">" or "=") + "." * (30 - done) + "]",  done = int(30 current / target)
//   end   = bar + " - %.0fs" elapsed + " %.0fms/step" + " - name: value" ...
//   run   = bar + " - ETA: ..." + " - name: value" ...
#include "lenet/keras/progress.hpp"

#include <cmath>
#include <cstdio>

namespace keras {

namespace {

// printf into a std::string (every format here is short).
template <typename... Args>
std::string format(const char* fmt, Args... args) {
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, args...);
    return buf;
}

// " - loss: 0.1775 - accuracy: 0.9459"
std::string format_values(const std::vector<Metric>& values) {
    std::string s;
    for (const Metric& v : values) s += " - " + v.first + ": " + format_value(v.second);
    return s;
}

// Keras's time per step: " 2ms/step", " 850us/step" or " 3s/step".
std::string format_step_time(double seconds) {
    if (seconds >= 1.0 || seconds == 0.0) return format(" %.0fs/step", seconds);
    if (seconds >= 1e-3) return format(" %.0fms/step", seconds * 1e3);
    return format(" %.0fus/step", seconds * 1e6);
}

// Keras's ETA: "1:02:03", "2:03" or "41s" (whole seconds, truncated).
std::string format_eta(double seconds) {
    const long s = static_cast<long>(seconds);
    if (seconds > 3600) return format("%ld:%02ld:%02ld", s / 3600, (s % 3600) / 60, s % 60);
    if (seconds > 60) return format("%ld:%02ld", s / 60, s % 60);
    return format("%lds", s);
}

}  // namespace

std::string format_value(double v) { return format(std::fabs(v) > 1e-3 ? "%.4f" : "%.4e", v); }

std::string progress_bar(int current, int target) {
    const int digits = static_cast<int>(std::to_string(target).size());
    std::string bar = format("%*d/%d [", digits, current, target);
    const int width = 30;
    const int done = static_cast<int>(static_cast<long long>(width) * current / target);
    if (done > 0) bar += std::string(static_cast<std::size_t>(done - 1), '=') + (current < target ? ">" : "=");
    return bar + std::string(static_cast<std::size_t>(width - done), '.') + "]";
}

std::string progress_line(int current, int target, double elapsed, bool finalize, const std::vector<Metric>& values) {
    const double per_step = current > 0 ? elapsed / current : 0.0;
    std::string info = finalize ? format(" - %.0fs", elapsed) + format_step_time(per_step)
                                : " - ETA: " + format_eta(per_step * (target - current));
    return progress_bar(current, target) + info + format_values(values);
}

std::string progress_line_brief(int target, double elapsed, const std::vector<Metric>& values) {
    return format("%d/%d", target, target) + format(" - %.0fs", elapsed) + format_values(values);
}

Progbar::Progbar(Console console, int target, int verbose)
    : console_(console), target_(target), verbose_(verbose), start_(std::chrono::steady_clock::now()) {}

double Progbar::seconds_since_start() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progbar::update(int current, const std::vector<Metric>& values) {
    if (verbose_ != 1 || !console_.is_terminal || current >= target_) return;
    const double now = seconds_since_start();
    if (last_draw_ >= 0.0 && now - last_draw_ < 0.05) return;
    last_draw_ = now;
    std::string line = progress_line(current, target_, now, false, values);
    const std::size_t width = line.size();
    if (width < last_width_) line += std::string(last_width_ - width, ' ');  // blank the old tail
    last_width_ = width;
    *console_.out << '\r' << line << std::flush;
}

void Progbar::finish(const std::vector<Metric>& values) {
    if (verbose_ == 0) return;
    const double elapsed = seconds_since_start();
    std::string line = verbose_ == 1 ? progress_line(target_, target_, elapsed, true, values)
                                     : progress_line_brief(target_, elapsed, values);
    if (console_.is_terminal && verbose_ == 1) {
        if (line.size() < last_width_) line += std::string(last_width_ - line.size(), ' ');
        line = '\r' + line;
    }
    *console_.out << line << '\n' << std::flush;
}

}  // namespace keras
