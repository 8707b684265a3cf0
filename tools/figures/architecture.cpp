// The picture at the top of the post: AlexNet as a row of boxes, one per
// layer output, with the shapes worked out by plaincnn's own geometry
// (nn::make_geometry, the output-size rule every pass uses).
//
//   conv1  96 @ 11x11x3, stride 4    55x55x96     then max pool 3x3 / 2 -> 27x27x96
//   conv2  256 @ 5x5x48, same        27x27x256    then max pool 3x3 / 2 -> 13x13x256
//   conv3  384 @ 3x3x256, same       13x13x384
//   conv4  384 @ 3x3x192, same       13x13x384
//   conv5  256 @ 3x3x192, same       13x13x256    then max pool 3x3 / 2 -> 6x6x256
//   fc6 4096, fc7 4096, fc8 1000 (softmax)
// conv2, conv4 and conv5 see only the half of the previous layer's channels
// that sits on their own GPU (48 or 192); conv3 and the dense layers see all.
// The sizes work out from a 227x227 input without padding, or from the
// paper's 224x224 with two pixels of padding on each side (224 + 4 = 228,
// floor((228 - 11) / 4) + 1 = 55); the diagram draws the first.
//
// Two drawings of the same boxes: a wide one in two rows (architecture.svg,
// 780 px, labels of 14 px or more) and a tall one, one layer per row, for
// narrow screens (architecture-narrow.svg, 400 px). Beside them the figure
// writes examples/layers.md, the per-layer table of output shapes,
// parameters and multiply-adds, and compares the neuron counts with the
// paper's own (Section 3.5) layer by layer.
#include <cmath>
#include <string>
#include <vector>

#include "nn/geometry.hpp"
#include "tools/figures/figures.hpp"
#include "tools/io/svg.hpp"

namespace tools::figures {

namespace {

struct Box {
    std::string shape;               // written above (wide) or beside the name (narrow)
    std::vector<std::string> lines;  // name, kernels, extras ("" = none)
    int spatial = 0;                 // h = w of the volume (0 for a dense layer)
    int channels = 0;                // depth of the volume, or units of a dense layer
    bool split = false;              // drawn with the two-GPU dashed line
};

const char* const kTimes = "\xC3\x97";  // the multiplication sign, U+00D7, in UTF-8

std::string cube(int s, int c) {
    return std::to_string(s) + kTimes + std::to_string(s) + kTimes + std::to_string(c);
}

// Output side of a square conv or pool layer, as every pass computes it.
int out_side(int side, int channels, int k, nn::Padding padding, int stride) {
    return nn::make_geometry("alexnet", {1, side, side, channels}, k, k, padding, {stride, stride}).h;
}

// A box drawn as a cuboid: front face depth x height, receding top and side.
void draw_cuboid(io::Svg& svg, double x, double base, double depth, double height, double recede, bool split,
                 const std::string& front, const std::string& top, const std::string& side) {
    double y = base - height;
    svg.polygon({x, x + recede, x + recede + depth, x + depth}, {y, y - recede, y - recede, y}, top, "#555");
    svg.polygon({x + depth, x + depth + recede, x + depth + recede, x + depth},
                {y, y - recede, base - recede, base}, side, "#555");
    svg.rect(x, y, depth, height, front, "#555");
    if (split) svg.line(x + depth / 2, y, x + depth / 2, base, "#333", 1.0, true);
}

// The cuboid of box k centred at cx on the baseline, at scale `zoom`;
// returns its left and right edges.
std::pair<double, double> draw_box(io::Svg& svg, const Box& b, bool input_box, double cx, double base, double zoom) {
    double depth, box_h, recede;
    if (b.spatial > 0) {
        box_h = zoom * (16 + 110 * std::sqrt(b.spatial / 227.0));
        recede = 0.4 * box_h;
        depth = zoom * (5 + 20 * std::log2(static_cast<double>(b.channels)) / std::log2(384.0));
        draw_cuboid(svg, cx - (depth + recede) / 2, base, depth, box_h, recede, b.split,
                    input_box ? "#9fb7c9" : "#f4a261", input_box ? "#c8d8e4" : "#f8c9a0",
                    input_box ? "#7e98ab" : "#d98441");
    } else {
        box_h = zoom * (30 + 110 * std::sqrt(b.channels / 4096.0));
        recede = zoom * 8;
        depth = zoom * 11;
        draw_cuboid(svg, cx - (depth + recede) / 2, base, depth, box_h, recede, b.split, "#5b8fd9", "#9dbbea",
                    "#3f6fb8");
    }
    return {cx - (depth + recede) / 2, cx + (depth + recede) / 2};
}

void arrow(io::Svg& svg, double x1, double x2, double y) {
    svg.line(x1, y, x2 - 7, y, "#666", 1.5);
    svg.polygon({x2, x2 - 8, x2 - 8}, {y, y - 4.5, y + 4.5}, "#666");
}

// Two rows, 780 px wide: at a 700 px column the smallest label is still 12.5 px.
std::string wide(const std::vector<Box>& boxes, const std::string& footer) {
    const double width = 780, height = 680;
    io::Svg svg(width, height);
    svg.text(width / 2, 30, "AlexNet: five convolutional layers, three fully connected", 20, "middle", "#222", true);
    const std::vector<std::vector<std::size_t>> rows = {{0, 1, 2, 3}, {4, 5, 6, 7, 8}};
    const double bases[] = {250, 540};
    for (std::size_t row = 0; row < rows.size(); ++row) {
        const double base = bases[row];
        const double step = width / static_cast<double>(rows[row].size());
        double previous_right = row == 0 ? -1 : 4;  // the second row continues the first
        for (std::size_t j = 0; j < rows[row].size(); ++j) {
            const std::size_t k = rows[row][j];
            const Box& b = boxes[k];
            double cx = step * (static_cast<double>(j) + 0.5);
            auto [left, right] = draw_box(svg, b, k == 0, cx, base, 1.0);
            if (previous_right >= 0) arrow(svg, previous_right + 6, left - 6, base - 15);
            previous_right = right;
            double top = b.spatial > 0 ? 1.4 * (16 + 110 * std::sqrt(b.spatial / 227.0))
                                       : 8 + 30 + 110 * std::sqrt(b.channels / 4096.0);
            svg.text(cx, base - top - 10, b.shape, 16, "middle", "#222", true);
            double y = base + 24;
            for (std::size_t line = 0; line < b.lines.size(); ++line) {
                if (!b.lines[line].empty()) {
                    svg.text(cx, y, b.lines[line], line == 0 ? 16 : 14, "middle", line == 0 ? "#222" : "#444", line == 0);
                }
                y += 19;
            }
        }
        if (row == 0) arrow(svg, previous_right + 6, width - 2, base - 15);
    }
    svg.text(width / 2, height - 40, footer, 14, "middle", "#444");
    svg.text(width / 2, height - 18, "Dashed lines: the layer is split across two GPUs.", 14, "middle", "#444");
    return svg.str();
}

// One layer per row, 400 px wide, for phones: at 360 px the text is still 13 px.
std::string narrow(const std::vector<Box>& boxes, const std::string& footer) {
    const double width = 400, row_h = 76, top = 50;
    const double height = top + row_h * static_cast<double>(boxes.size()) + 60;
    io::Svg svg(width, height);
    svg.text(width / 2, 28, "AlexNet, layer by layer", 19, "middle", "#222", true);
    for (std::size_t k = 0; k < boxes.size(); ++k) {
        const Box& b = boxes[k];
        double y0 = top + row_h * static_cast<double>(k);
        draw_box(svg, b, k == 0, 52, y0 + row_h - 10, 0.42);
        svg.text(112, y0 + 24, b.lines[0] + "  " + b.shape, 16, "start", "#222", true);
        double y = y0 + 44;
        for (std::size_t line = 1; line < b.lines.size(); ++line) {
            if (b.lines[line].empty()) continue;
            svg.text(112, y, b.lines[line], 14, "start", "#444");
            y += 18;
        }
    }
    svg.text(width / 2, height - 38, footer, 13, "middle", "#444");
    svg.text(width / 2, height - 18, "Dashed lines: split across two GPUs.", 13, "middle", "#444");
    return svg.str();
}

// One row of the per-layer table.
struct Layer {
    std::string name, shape;
    long long params = 0, macs = 0;
    bool conv = false;
};

std::string percent(long long part, long long whole) { return io::fixed(100.0 * part / whole, 0) + "%"; }

}  // namespace

void figure_architecture(const FigureOptions& options) {
    const int input = 227;  // the paper's 224 plus the padding its arithmetic implies
    int c1 = out_side(input, 3, 11, nn::Padding::valid(), 4);
    int c1_padded = out_side(224, 3, 11, nn::Padding::explicit_(2, 2), 4);  // the paper's 224, padded by 2
    int p1 = out_side(c1, 96, 3, nn::Padding::valid(), 2);
    int c2 = out_side(p1, 96, 5, nn::Padding::same(), 1);
    int p2 = out_side(c2, 256, 3, nn::Padding::valid(), 2);
    int c3 = out_side(p2, 256, 3, nn::Padding::same(), 1);
    int c4 = out_side(c3, 384, 3, nn::Padding::same(), 1);
    int c5 = out_side(c4, 384, 3, nn::Padding::same(), 1);
    int p5 = out_side(c5, 256, 3, nn::Padding::valid(), 2);

    std::string t = kTimes;
    std::vector<Box> boxes = {
        {cube(input, 3), {"input", "RGB image", ""}, input, 3, false},  // the side the shapes below come from
        {cube(c1, 96), {"conv1", "96 @ 11" + t + "11" + t + "3, stride 4", "LRN, max pool 3" + t + "3/2"}, c1, 96, true},
        {cube(c2, 256), {"conv2", "256 @ 5" + t + "5" + t + "48", "LRN, max pool 3" + t + "3/2"}, c2, 256, true},
        {cube(c3, 384), {"conv3", "384 @ 3" + t + "3" + t + "256", ""}, c3, 384, true},
        {cube(c4, 384), {"conv4", "384 @ 3" + t + "3" + t + "192", ""}, c4, 384, true},
        {cube(c5, 256), {"conv5", "256 @ 3" + t + "3" + t + "192", "max pool 3" + t + "3/2"}, c5, 256, true},
        {"4096", {"fc6", "dense, dropout 0.5", ""}, 0, 4096, true},
        {"4096", {"fc7", "dense, dropout 0.5", ""}, 0, 4096, true},
        {"1000", {"fc8", "1000-way softmax", ""}, 0, 1000, false},
    };

    // Per layer: weights and biases, and multiply-adds for one image (each
    // output value of a conv is kh * kw * (channels it sees) products).
    // conv2, conv4, conv5 see half the channels (one GPU's).
    auto conv = [](const std::string& name, int side, int c_new, int k, int c_seen) {
        long long per_output = 1LL * k * k * c_seen;
        return Layer{name, cube(side, c_new), per_output * c_new + c_new, per_output * side * side * c_new, true};
    };
    auto dense = [](const std::string& name, long long in, long long out) {
        return Layer{name, grouped(out), in * out + out, in * out, false};
    };
    const std::vector<Layer> layers = {
        conv("conv1", c1, 96, 11, 3),     conv("conv2", c2, 256, 5, 48),  conv("conv3", c3, 384, 3, 256),
        conv("conv4", c4, 384, 3, 192),   conv("conv5", c5, 256, 3, 192), dense("fc6", 1LL * p5 * p5 * 256, 4096),
        dense("fc7", 4096, 4096),         dense("fc8", 4096, 1000),
    };
    long long params = 0, macs = 0, conv_params = 0, conv_macs = 0;
    for (const Layer& l : layers) {
        params += l.params;
        macs += l.macs;
        if (l.conv) conv_params += l.params, conv_macs += l.macs;
    }
    std::string table = "| layer | output | parameters | multiply-adds per image |\n|:--|--:|--:|--:|\n";
    for (const Layer& l : layers) {
        table += "| " + l.name + " | " + l.shape + " | " + grouped(l.params) + " | " + grouped(l.macs) + " |\n";
    }
    table += "| all five conv layers | | " + grouped(conv_params) + " (" + percent(conv_params, params) + ") | " +
             grouped(conv_macs) + " (" + percent(conv_macs, macs) + ") |\n";
    table += "| all three fc layers | | " + grouped(params - conv_params) + " (" + percent(params - conv_params, params) +
             ") | " + grouped(macs - conv_macs) + " (" + percent(macs - conv_macs, macs) + ") |\n";
    table += "| total | | " + grouped(params) + " | " + grouped(macs) + " |\n";
    write_output(options.out + "/examples/layers.md", table);

    // Neurons: every output value of every layer (conv outputs before pooling),
    // against the paper's own list in Section 3.5.
    const std::vector<long long> ours = {1LL * c1 * c1 * 96, 1LL * c2 * c2 * 256, 1LL * c3 * c3 * 384,
                                         1LL * c4 * c4 * 384, 1LL * c5 * c5 * 256, 4096, 4096, 1000};
    const std::vector<long long> paper = {253440, 186624, 64896, 64896, 43264, 4096, 4096, 1000};
    long long neurons = 0, paper_neurons = 0;
    std::string differ;
    for (std::size_t k = 0; k < ours.size(); ++k) {
        neurons += ours[k];
        paper_neurons += paper[k];
        if (ours[k] != paper[k]) {
            differ += std::string(differ.empty() ? "" : "; ") + layers[k].name + ": " + layers[k].shape + " = " +
                      grouped(ours[k]) + " against the paper's " + grouped(paper[k]);
        }
    }
    const std::string footer = grouped(params) + " weights and biases, " + grouped(neurons) + " neurons";
    write_svg(options, "architecture", wide(boxes, footer));
    write_svg(options, "architecture-narrow", narrow(boxes, footer));

    write_numbers(options, "architecture",
                  {{"arch-params", grouped(params)},
                   {"arch-neurons", grouped(neurons)},
                   {"arch-paper-neurons", grouped(paper_neurons)},
                   {"arch-neuron-gap", grouped(neurons - paper_neurons)},
                   {"arch-neurons-differ", differ.empty() ? "no layer" : differ},
                   {"arch-input", std::to_string(input)},
                   {"arch-conv1", cube(c1, 96)},
                   {"arch-conv1-padded", std::to_string(c1_padded)},
                   {"arch-pool1", cube(p1, 96)},
                   {"arch-pool5", cube(p5, 256)},
                   {"arch-flat", grouped(1LL * p5 * p5 * 256)},
                   {"arch-macs", grouped(macs)},
                   {"arch-fc-params-share", percent(params - conv_params, params)},
                   {"arch-conv-macs-share", percent(conv_macs, macs)}});
}

}  // namespace tools::figures
