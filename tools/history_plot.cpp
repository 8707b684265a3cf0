// The training plot: two tools::io::line_chart documents, loss and
// accuracy, placed side by side as nested <svg> elements of one document
// (SVG positions a nested <svg> by its x attribute).
#include "tools/history_plot.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <stdexcept>

#include "tools/io/atomic_file.hpp"
#include "tools/io/svg.hpp"

namespace tools {

namespace {

const double kWidth = 620, kHeight = 420;

// One chart's document as an element of a larger one, its left edge at @p x.
std::string nested(const std::string& document, double x) {
    const std::size_t root = document.find("<svg ");
    if (root == std::string::npos) throw std::logic_error("training_plot_svg: line_chart gave no <svg> element");
    return "<svg x=\"" + io::fixed(x, 0) + "\" " + document.substr(root + 5);
}

}  // namespace

std::string training_plot_svg(const TrainingCurves& c) {
    for (const std::vector<double>* s : {&c.loss, &c.accuracy, &c.val_loss, &c.val_accuracy})
        if (s->size() != c.epoch.size() || s->empty())
            throw std::invalid_argument("training_plot_svg: every series needs one value per epoch (" +
                                        std::to_string(c.epoch.size()) + "), one got " + std::to_string(s->size()));
    const std::string train = "#1f77b4", valid = "#d62728";  // the same colour per data set in both charts
    io::LineChart loss;
    loss.title = "Loss";
    loss.x_label = "epoch";
    loss.y_label = "cross-entropy loss";
    loss.series = {{"training", c.epoch, c.loss, train, false, true},
                   {"validation", c.epoch, c.val_loss, valid, true, true}};
    loss.width = kWidth;
    loss.height = kHeight;
    io::LineChart accuracy = loss;
    accuracy.title = "Accuracy";
    accuracy.y_label = "accuracy";
    accuracy.series = {{"training", c.epoch, c.accuracy, train, false, true},
                       {"validation", c.epoch, c.val_accuracy, valid, true, true}};
    // From the lowest tenth any accuracy reaches up to 1: MNIST's curves sit
    // near the top, so the legend goes to the bottom.
    double lowest = 1.0;
    for (const std::vector<double>* s : {&c.accuracy, &c.val_accuracy})
        for (double a : *s) lowest = std::min(lowest, a);
    accuracy.y_min = std::max(0.0, std::floor(lowest * 10.0) / 10.0);
    accuracy.y_max = 1.0;
    accuracy.legend_at_bottom = true;

    const double width = 2 * kWidth, height = kHeight + 40;
    std::string svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                      io::fixed(width, 0) + "\" height=\"" + io::fixed(height, 0) + "\" viewBox=\"0 0 " +
                      io::fixed(width, 0) + " " + io::fixed(height, 0) + "\">\n";
    svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    svg += "<text x=\"" + io::fixed(width / 2, 0) + "\" y=\"26\" font-family=\"sans-serif\" font-size=\"18\" "
           "font-weight=\"bold\" text-anchor=\"middle\">" + io::xml_escape(c.title) + "</text>\n";
    svg += "<g transform=\"translate(0 40)\">\n" + nested(io::line_chart(loss), 0) +
           nested(io::line_chart(accuracy), kWidth) + "</g>\n</svg>\n";
    return svg;
}

void write_training_plot(const std::string& path, const TrainingCurves& curves) {
    const std::string svg = training_plot_svg(curves);
    io::check_svg(svg, path);  // well-formed before it replaces anything
    io::write_file_atomic(path, svg);
}

void check_output_path(const std::string& flag, const std::string& path) {
    const std::filesystem::path folder = std::filesystem::path(path).parent_path();
    if (std::filesystem::is_directory(path))
        throw std::runtime_error(flag + ": '" + path + "' is a folder; give a file name");
    if (!folder.empty() && !std::filesystem::is_directory(folder))
        throw std::runtime_error(flag + ": folder '" + folder.string() + "' does not exist");
}

}  // namespace tools
