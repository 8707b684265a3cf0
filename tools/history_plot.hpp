// `plaincnn train --plot FILE.svg`: the training curves of one run, as a
// Keras tutorial draws them from History: loss on the left, accuracy on the
// right, training and validation in each, one point per epoch.
#pragma once

#include <string>
#include <vector>

namespace tools {

/// The per-epoch numbers of one training run, as keras History holds them.
struct TrainingCurves {
    std::string title;                  ///< e.g. "LeNet-5 on MNIST (--api keras)"
    std::vector<double> epoch;          ///< the x values: 1, 2, ... (Keras) or 0, 1, ... (the TF1 log)
    std::vector<double> loss;           ///< training loss per epoch
    std::vector<double> accuracy;       ///< training accuracy per epoch
    std::vector<double> val_loss;       ///< validation loss per epoch
    std::vector<double> val_accuracy;   ///< validation accuracy per epoch
};

/// The SVG of @p curves: two line charts side by side (tools/io/svg.hpp's
/// line_chart), loss and accuracy, axes labelled, with a legend.
/// @param curves the numbers; every series as long as epoch, at least one point
/// @return the complete SVG document
/// @throws std::invalid_argument when a series is empty or differs in length from epoch
std::string training_plot_svg(const TrainingCurves& curves);

/// Writes training_plot_svg(@p curves) to @p path atomically (write_file_atomic).
/// @param path   the .svg file to write
/// @param curves the numbers
/// @throws std::runtime_error naming the file when it cannot be written
void write_training_plot(const std::string& path, const TrainingCurves& curves);

/// Refuses an output path before a long run, so a typo does not cost the
/// run: @p path must not be a folder and its folder must exist.
/// @param flag the flag that named it, e.g. "--save", for the message
/// @param path the file to be written later
/// @throws std::runtime_error "--save: folder 'x' does not exist" and the like
void check_output_path(const std::string& flag, const std::string& path);

}  // namespace tools
