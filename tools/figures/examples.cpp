// The post's worked examples: ReLU against tanh, overlapping pooling,
// dropout and local response normalisation, each on a small input.
//
// The code the post shows is read from this very file: every example sits
// between a "// post:NAME" and a "// post:end" comment, and figure_examples
// copies those lines (from FigureOptions::source) into examples/NAME.md,
// followed by what the same compiled lines print. The shown code cannot
// drift from the code that produced the output.
#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "nn/activations.hpp"
#include "nn/dropout.hpp"
#include "nn/lrn.hpp"
#include "nn/pool_forward.hpp"
#include "nn/rng.hpp"
#include "tools/figures/figures.hpp"
#include "tools/io/svg.hpp"

namespace tools::figures {

namespace {

// The lines between "// post:<name>" and "// post:end", without their common indentation.
std::string snippet(const std::string& source, const std::string& name) {
    std::ifstream in(source);
    if (!in) throw std::runtime_error(source + ": cannot read the example sources (pass --source)");
    std::vector<std::string> lines;
    std::string line;
    bool inside = false, found = false;
    while (std::getline(in, line)) {
        std::string trimmed = line.substr(std::min(line.size(), line.find_first_not_of(' ')));
        if (trimmed == "// post:" + name) {
            inside = found = true;
        } else if (inside && trimmed == "// post:end") {
            inside = false;
        } else if (inside) {
            lines.push_back(line);
        }
    }
    if (!found || inside || lines.empty()) {
        throw std::runtime_error(source + ": no complete example '" + name + "' (// post:" + name + " ... // post:end)");
    }
    std::size_t indent = std::string::npos;
    for (const std::string& l : lines) {
        std::size_t first = l.find_first_not_of(' ');
        if (first != std::string::npos) indent = std::min(indent, first);
    }
    std::string out;
    for (const std::string& l : lines) out += (l.size() > indent ? l.substr(indent) : "") + "\n";
    return out;
}

// "[ 1.00  0.00 -2.50]": n values right-aligned in columns @p width wide.
std::string row(const float* v, int n, int decimals, std::size_t width) {
    std::string out = "[";
    for (int k = 0; k < n; ++k) {
        std::string cell = io::fixed(v[k], decimals);
        out += (k ? " " : "") + std::string(width > cell.size() ? width - cell.size() : 0, ' ') + cell;
    }
    return out + "]";
}

// A name and a rank-2 (or rank-4 with one sample) tensor as rows; @p width
// is the column width (0: the widest value of this tensor).
std::string matrix(const std::string& name, const nn::Tensor& t, int decimals, std::size_t width = 0) {
    int rows = t.rank() == 4 ? t.dim(1) : t.dim(0);
    int cols = t.rank() == 4 ? t.dim(2) * t.dim(3) : t.dim(1);
    for (float v : t.data) width = std::max(width, io::fixed(v, decimals).size());
    std::string out;
    for (int r = 0; r < rows; ++r) {
        out += (r == 0 ? name + " = " : std::string(name.size() + 3, ' ')) +
               row(t.data.data() + static_cast<std::size_t>(r) * cols, cols, decimals, width) + "\n";
    }
    return out;
}

std::string markdown(const std::string& code, const std::string& output) {
    return "```cpp\n" + code + "```\n\nprints\n\n```text\n" + output + "```\n";
}

std::string relu_example() {
    // post:relu
    nn::Tensor Z({1, 7}, {-3.0f, -1.0f, -0.5f, 0.0f, 0.5f, 1.0f, 3.0f});
    nn::Tensor A_relu = nn::activation_forward(Z, nn::Activation::relu());
    nn::Tensor A_tanh = nn::activation_forward(Z, nn::Activation::tanh());
    // Backward with dA = 1 gives each unit's slope: how much gradient gets through.
    nn::Tensor ones(Z.shape, 1.0f);
    nn::Tensor slope_relu = nn::activation_backward(ones, A_relu, nn::Activation::relu());
    nn::Tensor slope_tanh = nn::activation_backward(ones, A_tanh, nn::Activation::tanh());
    // post:end
    const std::size_t w = 5;  // "-3.00"
    return matrix("Z         ", Z, 2, w) + matrix("relu(Z)   ", A_relu, 2, w) + matrix("tanh(Z)   ", A_tanh, 2, w) +
           matrix("relu slope", slope_relu, 2, w) + matrix("tanh slope", slope_tanh, 2, w);
}

std::string pooling_example() {
    // post:pooling
    nn::Tensor A_prev({1, 5, 5, 1}, {1, 3, 2, 0, 4,
                                     5, 0, 1, 7, 2,
                                     2, 9, 3, 1, 0,
                                     0, 4, 6, 2, 8,
                                     3, 1, 0, 5, 2});
    nn::Tensor side_by_side = nn::pool_forward(A_prev, {2, 2}, {2, 2});  // z = 2, s = 2
    nn::Tensor overlapping = nn::pool_forward(A_prev, {3, 3}, {2, 2});   // z = 3, s = 2
    // post:end
    return matrix("A_prev      ", A_prev, 0) + "\n" + matrix("side_by_side", side_by_side, 0) + "\n" +
           matrix("overlapping ", overlapping, 0);
}

std::string dropout_example() {
    // post:dropout
    nn::Rng rng(2012);
    nn::Tensor A_prev({2, 8}, 1.0f);
    nn::DropoutResult dropped = nn::dropout_forward(A_prev, 0.5f, rng);  // training
    nn::Tensor A = dropped.A;  // at test time the layer passes A_prev through unchanged
    // post:end
    return matrix("A_prev", A_prev, 1) + matrix("A     ", A, 1);
}

std::string lrn_example() {
    // post:lrn
    // One pixel with 8 channels; channel 3 fires strongly.
    nn::Tensor A_prev({1, 1, 1, 8}, {1, 1, 1, 8, 1, 1, 1, 1});
    nn::Tensor A_paper = nn::lrn_forward(A_prev);  // k = 2, n = 5, alpha = 1e-4, beta = 0.75
    nn::LrnConfig strong{2.0f, 5, 0.1f, 0.75f};    // alpha 1,000 times larger, to see the effect
    nn::Tensor A_strong = nn::lrn_forward(A_prev, strong);
    // post:end
    return matrix("A_prev  ", A_prev, 3) + matrix("A_paper ", A_paper, 3) + matrix("A_strong", A_strong, 3);
}

}  // namespace

void figure_examples(const FigureOptions& options) {
    struct Example {
        const char* name;
        std::string (*run)();
    };
    const Example examples[] = {
        {"relu", relu_example}, {"pooling", pooling_example}, {"dropout", dropout_example}, {"lrn", lrn_example}};
    for (const Example& e : examples) {
        write_output(options.out + "/examples/" + e.name + ".md", markdown(snippet(options.source, e.name), e.run()));
    }
}

}  // namespace tools::figures
