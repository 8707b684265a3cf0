// `plaincnn predict --weights FILE IMAGE...`: asks the trained LeNet-5 about
// images of one's own. Each image becomes 28 x 28 light-on-dark levels
// (tools/predict.hpp); the course's Keras-style LeNet-5 (lenet/lenet5.hpp)
// loads the weights and prints, per image, one line:
//   FILE: DIGIT  probabilities p0 p1 ... p9
// Every image is read and checked before the net runs, so a bad file costs
// nothing and produces no partial output.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "lenet/lenet5.hpp"
#include "tools/args.hpp"
#include "tools/commands.hpp"
#include "tools/io/digit.hpp"
#include "tools/io/grey_image.hpp"
#include "tools/io/npy.hpp"
#include "tools/predict.hpp"

namespace tools {

namespace {

constexpr int kSide = 28;  // MNIST's image side

// Dark ink on light paper becomes light ink on dark, as MNIST is.
std::vector<float> fix_polarity(const io::GreyImage& image) {
    std::vector<float> levels = image.grey;
    if (io::ink_is_dark(image))
        for (float& v : levels) v = 1 - v;
    return levels;
}

// A grey image of any size as the net's 784 inputs.
std::vector<float> prepare(const io::GreyImage& image, const std::string& path) {
    if (image.height == kSide && image.width == kSide) return fix_polarity(image);
    if (image.height < kMinDigitSide || image.width < kMinDigitSide) {
        throw std::runtime_error(path + ": a " + std::to_string(image.width) + "x" + std::to_string(image.height) +
                                 " image is too small to hold a digit (at least " + std::to_string(kMinDigitSide) +
                                 " pixels a side, or exactly 28x28)");
    }
    return io::reduce_like_mnist(image);
}

// The divisor that brings a .npy's values to [0, 1]: 1 when they already
// are, 255 when some value is above 1 (bytes); anything else is refused.
float npy_scale(const nn::Tensor& t, const std::string& path) {
    float top = 0;
    for (std::size_t k = 0; k < t.data.size(); ++k) {
        float v = t.data[k];
        if (!std::isfinite(v) || v < 0 || v > 255) {
            throw std::runtime_error(path + ": value " + std::to_string(v) + " at flat index " + std::to_string(k) +
                                     " is outside [0, 1] (scaled levels) and [0, 255] (bytes)");
        }
        top = std::max(top, v);
    }
    return top > 1 ? 255.0f : 1.0f;
}

std::vector<DigitInput> read_npy_digits(const std::string& path) {
    const nn::Tensor t = io::read_npy(path);
    const nn::Shape& s = t.shape;
    const int rank = t.rank();
    const bool batch = (rank == 3 && s[1] == kSide && s[2] == kSide) ||
                       (rank == 4 && s[1] == kSide && s[2] == kSide && s[3] == 1);
    const bool single = rank == 2 || (rank == 3 && s[0] == kSide && s[1] == kSide && s[2] == 1);
    if (!batch && !single) {
        throw std::runtime_error(path + ": array of shape " + t.shape_str() +
                                 "; expected one image (h, w) or (28, 28, 1), or n images (n, 28, 28) or (n, 28, 28, 1)");
    }
    if (t.data.empty()) throw std::runtime_error(path + ": array of shape " + t.shape_str() + " holds no image");
    const float scale = npy_scale(t, path);
    std::vector<DigitInput> out;
    if (single) {
        io::GreyImage image;
        image.height = s[0];
        image.width = s[1];
        for (float v : t.data) image.grey.push_back(v / scale);
        out.push_back({path, prepare(image, path)});
        return out;
    }
    const std::size_t per_image = kSide * kSide;
    for (int i = 0; i < s[0]; ++i) {
        io::GreyImage image;
        image.height = kSide;
        image.width = kSide;
        auto first = t.data.begin() + static_cast<std::ptrdiff_t>(per_image * i);
        for (auto it = first; it != first + static_cast<std::ptrdiff_t>(per_image); ++it) image.grey.push_back(*it / scale);
        out.push_back({path + "[" + std::to_string(i) + "]", fix_polarity(image)});
    }
    return out;
}

bool is_npy(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return false;  // read_grey_image names the problem
    char magic[6] = {};
    bool npy = std::fread(magic, 1, 6, f) == 6 && std::string(magic, 6) == "\x93NUMPY";
    std::fclose(f);
    return npy;
}

}  // namespace

std::vector<DigitInput> read_digit_inputs(const std::string& path) {
    if (is_npy(path)) return read_npy_digits(path);
    const io::GreyImage image = io::read_grey_image(path);
    return {DigitInput{path, prepare(image, path)}};
}

int cmd_predict(const Args& args) {
    const std::vector<Flag> known = {
        {"weights", "FILE", "LeNet-5 weights written by plaincnn train --save", true},
    };
    // The images are the arguments that are not flags ("--" ends the flags,
    // for a file whose name starts with '-'); the flags go to the parser.
    Args flag_args;
    std::vector<std::string> images;
    for (std::size_t k = 0; k < args.size(); ++k) {
        const std::string& a = args[k];
        if (a == "--") {
            images.insert(images.end(), args.begin() + static_cast<std::ptrdiff_t>(k) + 1, args.end());
            break;
        }
        if (a.size() > 1 && a[0] == '-') {
            flag_args.push_back(a);
            if (a == "--weights" && k + 1 < args.size()) flag_args.push_back(args[++k]);
        } else {
            images.push_back(a);
        }
    }
    Flags flags(flag_args, known);
    if (flags.help()) {
        std::cout << format_help(
            "usage: plaincnn predict --weights FILE IMAGE...\n"
            "Prints, for each image, the digit LeNet-5 sees and its ten probabilities:\n"
            "  IMAGE: DIGIT  probabilities p0 p1 ... p9\n"
            "IMAGE is a .npy ((28, 28), (n, 28, 28) or (h, w); levels 0-1, or 0-255 when some value\n"
            "is above 1), a binary PGM, or a PNG (grey, RGB, with or without alpha). Dark ink on\n"
            "light paper is inverted; an image that is not 28x28 is reduced as MNIST was made\n"
            "(the ink's box scaled to 20x20, centred by its centre of mass in 28x28).",
            known);
        return 0;
    }
    if (images.empty()) throw std::invalid_argument("no IMAGE given (plaincnn predict --weights FILE IMAGE...)");

    std::vector<DigitInput> inputs;
    for (const std::string& path : images) {
        std::vector<DigitInput> more = read_digit_inputs(path);
        inputs.insert(inputs.end(), more.begin(), more.end());
    }

    keras::Input X({kSide, kSide, 1});
    keras::Sequential model = keras::lenet5(X);
    model.load_weights(flags.text("weights"));

    nn::Tensor x({static_cast<int>(inputs.size()), kSide, kSide, 1});
    for (std::size_t i = 0; i < inputs.size(); ++i)
        std::copy(inputs[i].pixels.begin(), inputs[i].pixels.end(), x.data.begin() + static_cast<std::ptrdiff_t>(i * kSide * kSide));
    const nn::Tensor y_pred = model.predict(x);

    for (std::size_t i = 0; i < inputs.size(); ++i) {
        const float* p = y_pred.data.data() + i * 10;
        const long digit = std::max_element(p, p + 10) - p;
        std::string line = inputs[i].label + ": " + std::to_string(digit) + "  probabilities";
        char number[32];
        for (int k = 0; k < 10; ++k) {
            std::snprintf(number, sizeof number, " %.6f", static_cast<double>(p[k]));
            line += number;
        }
        std::cout << line << "\n";
    }
    return 0;
}

}  // namespace tools
