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
// The sizes only work out from a 227x227 input; the paper says 224.
#include <cmath>
#include <string>
#include <vector>

#include "nn/geometry.hpp"
#include "tools/figures/figures.hpp"
#include "tools/io/svg.hpp"

namespace tools::figures {

namespace {

struct Box {
    std::string shape;               // written above
    std::vector<std::string> lines;  // written below: name, kernels, extras
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

}  // namespace

void figure_architecture(const FigureOptions& options) {
    const int input = 227;  // the paper's 224 plus the padding its arithmetic implies
    int c1 = out_side(input, 3, 11, nn::Padding::valid(), 4);
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

    // Weights and biases per layer; conv2, conv4, conv5 see half the channels (one GPU's).
    long long params = 0;
    params += 11LL * 11 * 3 * 96 + 96;
    params += 5LL * 5 * 48 * 256 + 256;
    params += 3LL * 3 * 256 * 384 + 384;
    params += 3LL * 3 * 192 * 384 + 384;
    params += 3LL * 3 * 192 * 256 + 256;
    params += 1LL * p5 * p5 * 256 * 4096 + 4096;
    params += 4096LL * 4096 + 4096;
    params += 4096LL * 1000 + 1000;
    // Neurons: every output value of every layer (conv outputs before pooling).
    long long neurons = 1LL * c1 * c1 * 96 + 1LL * c2 * c2 * 256 + 1LL * c3 * c3 * 384 + 1LL * c4 * c4 * 384 +
                        1LL * c5 * c5 * 256 + 4096 + 4096 + 1000;

    const double width = 1300, height = 440, base = 320;
    io::Svg svg(width, height);
    svg.text(width / 2, 30, "AlexNet: five convolutional layers, three fully connected, one softmax", 19, "middle",
             "#222", true);
    double step = (width - 180) / static_cast<double>(boxes.size() - 1);
    double previous_right = -1;
    for (std::size_t k = 0; k < boxes.size(); ++k) {
        const Box& b = boxes[k];
        double cx = 85 + step * static_cast<double>(k);
        double depth, box_h, recede;
        if (b.spatial > 0) {
            box_h = 24 + 150 * std::sqrt(b.spatial / 227.0);
            recede = 0.4 * box_h;
            depth = 6 + 26 * std::log2(static_cast<double>(b.channels)) / std::log2(384.0);
            bool input_box = k == 0;
            draw_cuboid(svg, cx - (depth + recede) / 2, base, depth, box_h, recede, b.split,
                        input_box ? "#9fb7c9" : "#f4a261", input_box ? "#c8d8e4" : "#f8c9a0",
                        input_box ? "#7e98ab" : "#d98441");
        } else {
            box_h = 40 + 160 * std::sqrt(b.channels / 4096.0);
            recede = 10;
            depth = 14;
            draw_cuboid(svg, cx - (depth + recede) / 2, base, depth, box_h, recede, b.split, "#5b8fd9", "#9dbbea",
                        "#3f6fb8");
        }
        double left = cx - (depth + recede) / 2;
        if (previous_right >= 0) {
            double y = base - 20;
            svg.line(previous_right + 6, y, left - 8, y, "#666", 1.5);
            svg.polygon({left - 8, left - 15, left - 15}, {y, y - 4, y + 4}, "#666");
        }
        previous_right = left + depth + recede;
        svg.text(cx, base - box_h - recede - 10, b.shape, 13, "middle", "#222", true);
        double y = base + 24;
        for (std::size_t line = 0; line < b.lines.size(); ++line) {
            if (!b.lines[line].empty()) {
                svg.text(cx, y, b.lines[line], line == 0 ? 14 : 12, "middle", line == 0 ? "#222" : "#555", line == 0);
            }
            y += 17;
        }
    }
    svg.text(width / 2, height - 18,
             grouped(params) + " weights and biases, " + grouped(neurons) +
                 " neurons. Dashed lines: each layer is split across two GPUs.",
             13, "middle", "#444");
    write_svg(options, "architecture", svg.str());

    write_numbers(options, "architecture",
                  {{"arch-params", grouped(params)},
                   {"arch-neurons", grouped(neurons)},
                   {"arch-input", std::to_string(input)},
                   {"arch-conv1", cube(c1, 96)},
                   {"arch-pool1", cube(p1, 96)},
                   {"arch-pool5", cube(p5, 256)},
                   {"arch-flat", grouped(1LL * p5 * p5 * 256)}});
}

}  // namespace tools::figures
