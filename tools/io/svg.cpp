// SVG canvas, the two chart kinds, and an XML well-formedness check.
//
// Charts map data to the canvas linearly: px = left + (x - x0) / (x1 - x0) * plot_w,
// py = top + (1 - (y - y0) / (y1 - y0)) * plot_h. Ticks are multiples of a
// step of 1, 2 or 5 times a power of ten chosen to give about five ticks.
#include "tools/io/svg.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace tools::io {

namespace {

const char* const kFont = "DejaVu Sans, Verdana, sans-serif";

// Numbers in coordinates: two decimals are plenty and keep files small.
std::string num(double v) {
    std::string s = fixed(v, 2);
    while (s.find('.') != std::string::npos && (s.back() == '0' || s.back() == '.')) {
        bool dot = s.back() == '.';
        s.pop_back();
        if (dot) break;
    }
    return s == "-0" ? "0" : s;
}

// A step of 1, 2 or 5 times a power of ten giving about @p target ticks over span.
double nice_step(double span, int target) {
    double raw = span / target;
    double p = std::pow(10.0, std::floor(std::log10(raw)));
    for (double f : {1.0, 2.0, 5.0, 10.0}) {
        if (f * p >= raw) return f * p;
    }
    return 10.0 * p;
}

// Decimals that show a tick step exactly (0.05 -> 2, 20 -> 0).
int step_decimals(double step) {
    int d = 0;
    while (d < 6 && std::fabs(step * std::pow(10.0, d) - std::round(step * std::pow(10.0, d))) > 1e-9) ++d;
    return d;
}

struct Frame {
    double left, top, plot_w, plot_h;
    double x0, x1, y0, y1;
    double px(double x) const { return left + (x - x0) / (x1 - x0) * plot_w; }
    double py(double y) const { return top + (1.0 - (y - y0) / (y1 - y0)) * plot_h; }
};

// Axes, grid lines and tick labels of a frame; the x axis too if x_ticks.
void draw_axes(Svg& svg, const Frame& f, bool x_ticks) {
    double y_step = nice_step(f.y1 - f.y0, 5);
    int y_dec = step_decimals(y_step);
    for (double y = std::ceil(f.y0 / y_step - 1e-9) * y_step; y <= f.y1 + 1e-9 * y_step; y += y_step) {
        svg.line(f.left, f.py(y), f.left + f.plot_w, f.py(y), "#e3e3e3", 1.0);
        svg.text(f.left - 8, f.py(y) + 4, fixed(y, y_dec), 12, "end", "#444");
    }
    if (x_ticks) {
        double x_step = nice_step(f.x1 - f.x0, 6);
        int x_dec = step_decimals(x_step);
        for (double x = std::ceil(f.x0 / x_step - 1e-9) * x_step; x <= f.x1 + 1e-9 * x_step; x += x_step) {
            svg.line(f.px(x), f.top + f.plot_h, f.px(x), f.top + f.plot_h + 5, "#444", 1.0);
            svg.text(f.px(x), f.top + f.plot_h + 20, fixed(x, x_dec), 12, "middle", "#444");
        }
    }
    svg.line(f.left, f.top, f.left, f.top + f.plot_h, "#444", 1.0);
    svg.line(f.left, f.top + f.plot_h, f.left + f.plot_w, f.top + f.plot_h, "#444", 1.0);
}

// A minimal XML scanner for check_svg.
class XmlCheck {
public:
    XmlCheck(const std::string& text, const std::string& name) : s_(text), name_(name) {}

    int run() {
        skip_space();
        if (starts("<?xml")) skip_past("?>", "unterminated XML declaration");
        misc();
        if (at_ >= s_.size() || s_[at_] != '<') fail("expected the root element");
        std::size_t root_at = at_;
        std::string root = element();
        if (root != "svg" && root.substr(root.find(':') + 1) != "svg") {
            at_ = root_at;
            fail("the root element is <" + root + ">, not <svg>");
        }
        misc();
        if (at_ < s_.size()) fail("content after the root element");
        return elements_;
    }

private:
    [[noreturn]] void fail(const std::string& reason) const {
        throw std::runtime_error(name_ + ": byte " + std::to_string(at_) + ": " + reason);
    }
    bool starts(const char* p) const { return s_.compare(at_, std::char_traits<char>::length(p), p) == 0; }
    void skip_space() {
        while (at_ < s_.size() && (s_[at_] == ' ' || s_[at_] == '\t' || s_[at_] == '\n' || s_[at_] == '\r')) ++at_;
    }
    void skip_past(const char* end, const char* reason) {
        std::size_t k = s_.find(end, at_);
        if (k == std::string::npos) fail(reason);
        at_ = k + std::char_traits<char>::length(end);
    }
    // Comments, processing instructions and white space outside the root.
    void misc() {
        for (;;) {
            skip_space();
            if (starts("<!--")) {
                skip_past("-->", "unterminated comment");
            } else if (starts("<?")) {
                skip_past("?>", "unterminated processing instruction");
            } else if (starts("<!DOCTYPE")) {
                skip_past(">", "unterminated DOCTYPE");
            } else {
                return;
            }
        }
    }
    static bool name_start(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':' ||
               static_cast<unsigned char>(c) >= 0x80;
    }
    static bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.'; }
    std::string name() {
        std::size_t begin = at_;
        if (at_ >= s_.size() || !name_start(s_[at_])) fail("expected a name");
        while (at_ < s_.size() && name_char(s_[at_])) ++at_;
        return s_.substr(begin, at_ - begin);
    }
    // "&name;" or "&#...;" at at_.
    void reference() {
        std::size_t semi = s_.find(';', at_);
        if (semi == std::string::npos || semi - at_ > 12) fail("unterminated entity reference");
        std::string ref = s_.substr(at_ + 1, semi - at_ - 1);
        bool ok = ref == "amp" || ref == "lt" || ref == "gt" || ref == "quot" || ref == "apos";
        if (!ok && ref.size() > 1 && ref[0] == '#') {
            bool hex = ref[1] == 'x';
            std::string digits = ref.substr(hex ? 2 : 1);
            ok = !digits.empty() && std::all_of(digits.begin(), digits.end(), [hex](char c) {
                return (c >= '0' && c <= '9') || (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
            });
        }
        if (!ok) fail("unknown entity &" + ref + ";");
        at_ = semi + 1;
    }
    // One element starting at '<'; returns its name.
    std::string element() {
        ++at_;
        std::string tag = name();
        ++elements_;
        std::vector<std::string> seen;
        for (;;) {
            bool space = at_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[at_]));
            skip_space();
            if (at_ >= s_.size()) fail("unterminated start tag <" + tag + ">");
            if (starts("/>")) {
                at_ += 2;
                return tag;
            }
            if (s_[at_] == '>') {
                ++at_;
                break;
            }
            if (!space) fail("expected white space before an attribute in <" + tag + ">");
            std::string attr = name();
            if (std::find(seen.begin(), seen.end(), attr) != seen.end()) fail("duplicate attribute " + attr);
            seen.push_back(attr);
            skip_space();
            if (at_ >= s_.size() || s_[at_] != '=') fail("expected = after attribute " + attr);
            ++at_;
            skip_space();
            if (at_ >= s_.size() || (s_[at_] != '"' && s_[at_] != '\'')) fail("attribute " + attr + " is not quoted");
            char quote = s_[at_++];
            while (at_ < s_.size() && s_[at_] != quote) {
                if (s_[at_] == '<') fail("'<' inside attribute " + attr);
                if (s_[at_] == '&') {
                    reference();
                } else {
                    ++at_;
                }
            }
            if (at_ >= s_.size()) fail("unterminated attribute " + attr);
            ++at_;
        }
        content(tag);
        return tag;
    }
    // Content up to and including the end tag of @p tag.
    void content(const std::string& tag) {
        for (;;) {
            if (at_ >= s_.size()) fail("missing </" + tag + ">");
            if (starts("</")) {
                at_ += 2;
                std::size_t begin = at_;
                std::string end = name();
                if (end != tag) {
                    at_ = begin;
                    fail("</" + end + "> closes <" + tag + ">");
                }
                skip_space();
                if (at_ >= s_.size() || s_[at_] != '>') fail("unterminated end tag </" + tag + ">");
                ++at_;
                return;
            }
            if (starts("<!--")) {
                skip_past("-->", "unterminated comment");
            } else if (starts("<![CDATA[")) {
                skip_past("]]>", "unterminated CDATA section");
            } else if (starts("<?")) {
                skip_past("?>", "unterminated processing instruction");
            } else if (s_[at_] == '<') {
                element();
            } else if (s_[at_] == '&') {
                reference();
            } else {
                ++at_;
            }
        }
    }

    const std::string& s_;
    const std::string& name_;
    std::size_t at_ = 0;
    int elements_ = 0;
};

}  // namespace

std::string xml_escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string base64(const std::string& bytes) {
    const char* digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        // Three bytes make four 6-bit digits; missing bytes count as zero and become '='.
        std::uint32_t v = static_cast<std::uint8_t>(bytes[i]) << 16;
        if (i + 1 < bytes.size()) v |= static_cast<std::uint8_t>(bytes[i + 1]) << 8;
        if (i + 2 < bytes.size()) v |= static_cast<std::uint8_t>(bytes[i + 2]);
        out += digits[v >> 18 & 63];
        out += digits[v >> 12 & 63];
        out += i + 1 < bytes.size() ? digits[v >> 6 & 63] : '=';
        out += i + 2 < bytes.size() ? digits[v & 63] : '=';
    }
    return out;
}

std::string fixed(double value, int decimals) {
    std::ostringstream out;
    out.imbue(std::locale::classic());
    out.setf(std::ios::fixed);
    out.precision(decimals);
    // Values that round to zero print as "0.0", never "-0.0".
    if (std::fabs(value) < 0.5 * std::pow(10.0, -decimals)) value = 0.0;
    out << value;
    return out.str();
}

Svg::Svg(double width, double height) : width_(width), height_(height) { rect(0, 0, width, height, "#ffffff"); }

void Svg::rect(double x, double y, double w, double h, const std::string& fill, const std::string& stroke) {
    body_ += "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(w) + "\" height=\"" + num(h) +
             "\" fill=\"" + xml_escape(fill) + "\"";
    if (stroke != "none") body_ += " stroke=\"" + xml_escape(stroke) + "\"";
    body_ += "/>\n";
}

void Svg::line(double x1, double y1, double x2, double y2, const std::string& stroke, double width, bool dashed) {
    body_ += "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" + num(y2) +
             "\" stroke=\"" + xml_escape(stroke) + "\" stroke-width=\"" + num(width) + "\"" +
             (dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>\n";
}

void Svg::polyline(const std::vector<double>& x, const std::vector<double>& y, const std::string& stroke,
                   double width, bool dashed) {
    body_ += "<polyline fill=\"none\" stroke=\"" + xml_escape(stroke) + "\" stroke-width=\"" + num(width) +
             "\" stroke-linejoin=\"round\"" + (dashed ? " stroke-dasharray=\"6 4\"" : "") + " points=\"";
    for (std::size_t k = 0; k < x.size() && k < y.size(); ++k) body_ += (k ? " " : "") + num(x[k]) + "," + num(y[k]);
    body_ += "\"/>\n";
}

void Svg::polygon(const std::vector<double>& x, const std::vector<double>& y, const std::string& fill,
                  const std::string& stroke) {
    body_ += "<polygon fill=\"" + xml_escape(fill) + "\"";
    if (stroke != "none") body_ += " stroke=\"" + xml_escape(stroke) + "\" stroke-linejoin=\"round\"";
    body_ += " points=\"";
    for (std::size_t k = 0; k < x.size() && k < y.size(); ++k) body_ += (k ? " " : "") + num(x[k]) + "," + num(y[k]);
    body_ += "\"/>\n";
}

void Svg::text(double x, double y, const std::string& text, double size, const std::string& anchor,
               const std::string& fill, bool bold) {
    body_ += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" font-size=\"" + num(size) + "\" text-anchor=\"" +
             xml_escape(anchor) + "\" fill=\"" + xml_escape(fill) + "\"" + (bold ? " font-weight=\"bold\"" : "") +
             ">" + xml_escape(text) + "</text>\n";
}

void Svg::vertical_text(double x, double y, const std::string& text, double size) {
    body_ += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" font-size=\"" + num(size) +
             "\" text-anchor=\"middle\" fill=\"#222\" transform=\"rotate(-90 " + num(x) + " " + num(y) + ")\">" +
             xml_escape(text) + "</text>\n";
}

void Svg::png(double x, double y, double w, double h, const std::string& png_bytes) {
    // Nearest-neighbour scaling keeps each weight or activation a crisp square.
    body_ += "<image x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(w) + "\" height=\"" + num(h) +
             "\" preserveAspectRatio=\"none\" image-rendering=\"pixelated\" style=\"image-rendering:pixelated\"" +
             " href=\"data:image/png;base64," + base64(png_bytes) + "\"/>\n";
}

std::string Svg::str() const {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(width_) + "\" height=\"" + num(height_) +
           "\" viewBox=\"0 0 " + num(width_) + " " + num(height_) + "\" font-family=\"" + kFont + "\">\n" + body_ +
           "</svg>\n";
}

std::string line_chart(const LineChart& chart) {
    double x0 = 0, x1 = 0, y0 = chart.y_min, y1 = chart.y_max;
    bool first = true;
    double data_max = chart.y_min;
    for (const Series& s : chart.series) {
        if (s.x.empty() || s.x.size() != s.y.size()) {
            throw std::invalid_argument("line_chart: series '" + s.label + "' has " + std::to_string(s.x.size()) +
                                        " x and " + std::to_string(s.y.size()) + " y values");
        }
        for (std::size_t k = 0; k < s.x.size(); ++k) {
            x0 = first ? s.x[k] : std::min(x0, s.x[k]);
            x1 = first ? s.x[k] : std::max(x1, s.x[k]);
            data_max = std::max(data_max, s.y[k]);
            first = false;
        }
    }
    if (y1 <= y0) {
        double step = nice_step(std::max(data_max - y0, 1e-9), 5);
        y1 = y0 + std::ceil((data_max - y0) / step - 1e-9) * step;
        if (y1 <= y0) y1 = y0 + step;
    }
    x0 = std::min(x0, 0.0);  // epochs and steps read best from 0
    if (x1 <= x0) x1 = x0 + 1;
    Svg svg(chart.width, chart.height);
    Frame f{70, 50, chart.width - 100, chart.height - 110, x0, x1, y0, y1};
    svg.text(chart.width / 2, 28, chart.title, 17, "middle", "#222", true);
    draw_axes(svg, f, true);
    svg.text(f.left + f.plot_w / 2, chart.height - 18, chart.x_label, 14, "middle");
    svg.vertical_text(20, f.top + f.plot_h / 2, chart.y_label, 14);
    for (const Level& level : chart.levels) {
        if (level.y < y0 || level.y > y1) continue;
        svg.line(f.left, f.py(level.y), f.left + f.plot_w, f.py(level.y), "#888", 1.2, true);
        svg.text(f.left + f.plot_w - 4, f.py(level.y) - 6, level.label, 12, "end", "#555");
    }
    for (const Series& s : chart.series) {
        std::vector<double> px, py;
        for (std::size_t k = 0; k < s.x.size(); ++k) {
            px.push_back(f.px(s.x[k]));
            py.push_back(f.py(std::min(std::max(s.y[k], y0), y1)));  // clip to the axis
        }
        svg.polyline(px, py, s.color, 2.5, s.dashed);
        if (s.markers)
            for (std::size_t k = 0; k < px.size(); ++k) svg.rect(px[k] - 3.5, py[k] - 3.5, 7, 7, s.color);
    }
    // Legend in the top-right (or bottom-right) corner of the plot, one row per series.
    double lx = f.left + f.plot_w - 190, ly = f.top + 14;
    if (chart.legend_at_bottom) ly = f.top + f.plot_h - 22.0 * static_cast<double>(chart.series.size()) + 8;
    for (const Series& s : chart.series) {
        svg.line(lx, ly - 5, lx + 30, ly - 5, s.color, 2.5, s.dashed);
        svg.text(lx + 38, ly, s.label, 13);
        ly += 22;
    }
    return svg.str();
}

std::string bar_chart(const BarChart& chart) {
    if (chart.groups.size() != chart.bars.size() || chart.groups.empty()) {
        throw std::invalid_argument("bar_chart: " + std::to_string(chart.groups.size()) + " group captions for " +
                                    std::to_string(chart.bars.size()) + " groups of bars");
    }
    double top_value = 0;
    for (const auto& group : chart.bars) {
        if (group.empty()) throw std::invalid_argument("bar_chart: a group has no bars");
        for (const Bar& b : group) top_value = std::max({top_value, b.value, b.high});
    }
    double step = nice_step(std::max(top_value, 1e-9), 5);
    double y1 = std::ceil(top_value * 1.08 / step - 1e-9) * step;
    if (y1 <= 0) y1 = step;
    Svg svg(chart.width, chart.height);
    Frame f{70, 50, chart.width - 100, chart.height - 130, 0, 1, 0, y1};
    svg.text(chart.width / 2, 28, chart.title, 17, "middle", "#222", true);
    draw_axes(svg, f, false);
    svg.vertical_text(20, f.top + f.plot_h / 2, chart.y_label, 14);
    double group_w = f.plot_w / static_cast<double>(chart.groups.size());
    for (std::size_t g = 0; g < chart.groups.size(); ++g) {
        const auto& group = chart.bars[g];
        double bar_w = std::min(80.0, group_w * 0.8 / static_cast<double>(group.size()));
        double gx = f.left + group_w * static_cast<double>(g) + (group_w - bar_w * static_cast<double>(group.size())) / 2;
        for (std::size_t k = 0; k < group.size(); ++k) {
            const Bar& b = group[k];
            double x = gx + bar_w * static_cast<double>(k);
            svg.rect(x + 3, f.py(b.value), bar_w - 6, f.py(0) - f.py(b.value), b.color);
            if (b.high > b.low) {
                double cx = x + bar_w / 2;
                svg.line(cx, f.py(b.low), cx, f.py(b.high), "#222", 1.5);
                svg.line(cx - 6, f.py(b.low), cx + 6, f.py(b.low), "#222", 1.5);
                svg.line(cx - 6, f.py(b.high), cx + 6, f.py(b.high), "#222", 1.5);
            }
            svg.text(x + bar_w / 2, f.py(std::max(b.value, b.high)) - 6, fixed(b.value, chart.value_decimals), 12,
                     "middle", "#222");
            svg.text(x + bar_w / 2, f.top + f.plot_h + 18, b.label, 12, "middle", "#444");
        }
        svg.text(f.left + group_w * (static_cast<double>(g) + 0.5), f.top + f.plot_h + 42, chart.groups[g], 14,
                 "middle", "#222", true);
    }
    return svg.str();
}

int check_svg(const std::string& text, const std::string& name) { return XmlCheck(text, name).run(); }

}  // namespace tools::io
