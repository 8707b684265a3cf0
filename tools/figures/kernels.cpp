// The small-scale counterpart of the paper's Figure 3: what the first layer
// of the course's LeNet-5 (keras::lenet5, Adam) learns on MNIST. The figure
// shows one validation digit, the six 5x5 kernels of C1, and the six feature
// maps C1 makes of that digit, relu(conv(digit, W) + b), computed with
// nn::conv_forward from the trained weights.
//
// Below them, what the trained net gets wrong: the first misclassified
// validation digits, each with its label and the net's answer.
//
// Colours: the digit and the feature maps go from black (0) to white (their
// maximum); the kernels share one scale with mid-grey at 0, white positive,
// black negative, so their signs and relative strengths compare directly.
#include <algorithm>
#include <cmath>
#include <string>

#include "lenet/lenet5.hpp"
#include "nn/conv_forward.hpp"
#include "tools/figures/figures.hpp"
#include "tools/io/png.hpp"
#include "tools/io/svg.hpp"

namespace tools::figures {

namespace {

struct Setup {
    int n_train, n_val, epochs, batch;
};

const std::size_t kWrong = 6;  // misclassified digits shown

Setup setup(bool quick) {
    if (quick) return {96, 32, 1, 32};
    return {20000, 10000, 2, 32};
}

// An 8-bit grey image of h x w values taken every `stride` floats from `v`,
// mapped linearly so that lo is black and hi is white, each value drawn as a
// zoom x zoom square (scaling here keeps the squares crisp in every viewer;
// SVG's image-rendering hint is not honoured everywhere).
std::string grey_png(const double* v, int h, int w, int stride, double lo, double hi, int zoom) {
    io::Image image{w * zoom, h * zoom, 1, {}};
    for (int y = 0; y < h * zoom; ++y) {
        for (int x = 0; x < w * zoom; ++x) {
            double value = v[static_cast<std::ptrdiff_t>((y / zoom) * w + x / zoom) * stride];
            double t = hi > lo ? (value - lo) / (hi - lo) : 0.0;
            image.pixels.push_back(static_cast<std::uint8_t>(std::lround(255.0 * std::clamp(t, 0.0, 1.0))));
        }
    }
    return io::encode_png(image);
}

}  // namespace

void figure_kernels(const FigureOptions& options) {
    const Setup s = setup(options.quick);
    const std::string params = "v2 " + dataset_id(options, s.n_train, s.n_val) + " epochs=" + std::to_string(s.epochs) +
                               " batch=" + std::to_string(s.batch) + " lenet5 seed=0 order=3 digit=val0";
    Record r;
    if (!read_cache(options, "kernels", params, r)) {
        Dataset data = load_dataset(options, s.n_train, s.n_val);
        keras::Sequential model = keras::lenet5(keras::Input({28, 28, 1}), 0);
        TrainSpec spec{s.epochs, s.batch, 1, 3, "kernels/lenet5"};
        TrainResult result = train(model, data, spec, options);
        std::vector<nn::Tensor> weights = model.get_weights();  // C1 kernel (5,5,1,6), C1 bias (6), ...
        const nn::Tensor& W = weights.at(0);
        nn::Tensor b({1, 1, 1, 6}, weights.at(1).data);
        nn::Tensor digit({1, 28, 28, 1}, std::vector<float>(data.x_val.data.begin(), data.x_val.data.begin() + 784));
        nn::Tensor maps = nn::conv_forward(digit, W, b, nn::Activation::relu(), nn::Padding::same());
        r["kernels"].assign(W.data.begin(), W.data.end());
        r["digit"].assign(digit.data.begin(), digit.data.end());
        r["maps"].assign(maps.data.begin(), maps.data.end());
        int label = static_cast<int>(std::max_element(data.y_val.data.begin(), data.y_val.data.begin() + 10) -
                                     data.y_val.data.begin());
        r["label"] = {static_cast<double>(label)};
        // The first kWrong validation digits the net gets wrong, in order.
        nn::Tensor p = model.predict(data.x_val, 256);
        auto argmax = [](const float* v) { return static_cast<int>(std::max_element(v, v + 10) - v); };
        int wrong = 0;
        for (int i = 0; i < data.x_val.dim(0); ++i) {
            int truth = argmax(data.y_val.data.data() + 10 * i), guess = argmax(p.data.data() + 10 * i);
            if (truth == guess) continue;
            ++wrong;
            if (r["wrong_truth"].size() >= kWrong) continue;
            r["wrong_truth"].push_back(truth);
            r["wrong_guess"].push_back(guess);
            auto first = data.x_val.data.begin() + 784 * static_cast<std::ptrdiff_t>(i);
            r["wrong_pixels"].insert(r["wrong_pixels"].end(), first, first + 784);
        }
        r["wrong_count"] = {static_cast<double>(wrong)};
        r["val_error"] = {result.val_error};
        r["train_error"] = {result.train_error.back()};
        write_cache(options, "kernels", params, r);
    }

    const std::vector<double>& W = r["kernels"];  // (5, 5, 1, 6): kernel f is every 6th value from f
    const std::vector<double>& maps = r["maps"];  // (1, 28, 28, 6): map f is every 6th value from f
    double w_max = 0;
    for (double v : W) w_max = std::max(w_max, std::fabs(v));
    const double width = 960, height = 590;
    io::Svg svg(width, height);
    svg.text(width / 2, 30, "What LeNet-5's first layer learned", 19, "middle", "#222", true);
    svg.text(90, 68, "input digit", 13, "middle", "#444");
    svg.png(34, 80, 112, 112, grey_png(r["digit"].data(), 28, 28, 1, 0.0, 1.0, 4));
    svg.text(570, 68, "C1 kernels, 5" "\xC3\x97" "5 (grey = 0, white > 0, black < 0)", 13, "middle", "#444");
    for (int f = 0; f < 6; ++f) {
        double x = 215 + f * 122;
        svg.rect(x - 1, 83, 92, 92, "none", "#999");
        svg.png(x, 84, 90, 90, grey_png(W.data() + f, 5, 5, 6, -w_max, w_max, 18));
    }
    svg.text(width / 2, 230, "C1 feature maps of the digit, relu(conv(digit, W) + b), 28" "\xC3\x97" "28", 13,
             "middle", "#444");
    for (int f = 0; f < 6; ++f) {
        double x = 42 + f * 150;
        double m_max = 0;
        for (int k = 0; k < 784; ++k) m_max = std::max(m_max, maps[static_cast<std::size_t>(k) * 6 + f]);
        svg.png(x + 8, 245, 112, 112, grey_png(maps.data() + f, 28, 28, 6, 0.0, m_max, 4));
        svg.text(x + 64, 378, "map " + std::to_string(f + 1), 12, "middle", "#555");
    }
    const std::vector<double>& wrong = r["wrong_pixels"];
    const std::size_t shown = r["wrong_truth"].size();
    svg.text(width / 2, 425, "What the trained net gets wrong: the first " + std::to_string(shown) +
             " misclassified validation digits", 13, "middle", "#444");
    for (std::size_t k = 0; k < shown; ++k) {
        double x = 42 + static_cast<double>(k) * 150;
        svg.png(x + 22, 440, 84, 84, grey_png(wrong.data() + 784 * k, 28, 28, 1, 0.0, 1.0, 3));
        svg.text(x + 64, 546,
                 "label " + std::to_string(static_cast<int>(r["wrong_truth"][k])) + ", net says " +
                     std::to_string(static_cast<int>(r["wrong_guess"][k])),
                 13, "middle", "#555");
    }
    write_svg(options, "kernels", svg.str());

    write_numbers(options, "kernels",
                  {{"k-images", grouped(s.n_train)},
                   {"k-epochs", std::to_string(s.epochs)},
                   {"k-val-images", grouped(s.n_val)},
                   {"k-val-error", io::fixed(r["val_error"][0], 2) + "%"},
                   {"k-wrong", grouped(static_cast<long long>(r["wrong_count"][0]))},
                   {"k-wrong-shown", std::to_string(shown)},
                   {"k-digit", std::to_string(static_cast<int>(r["label"][0]))}});
}

}  // namespace tools::figures
