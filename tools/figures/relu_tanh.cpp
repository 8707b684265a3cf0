// A small version of the paper's Figure 1: the same network trained with
// ReLU and with tanh, training error against epochs, and how many times
// fewer epochs ReLU needs to reach a fixed error level.
//
//   network:  the course's LeNet-5 with every hidden activation set to act
//             conv 6@5x5 same, pool 2/2, conv 16@5x5 valid, pool 2/2, dense 120, 84, softmax 10
//   training: SGD with momentum 0.9; the same learning rate, initial weights
//             (He-normal, as the course's LeNet-5, one seed) and image order
//             for both activations
//   speed-up: epochs_tanh(level) / epochs_relu(level), each read off its
//             running training-error curve (`chunks` points per epoch). The
//             points are 1/chunks epoch apart, so a gap smaller than that is
//             not resolved: it counts as "about equally fast", and the epochs
//             are printed to one decimal only
//   cost:     seconds per epoch of each network, from training steps on one
//             batch taken alternately with the two (relu, tanh, relu, ...),
//             so that a busy machine slows both alike: the median step of
//             each, times the steps of an epoch. Measured on the machine that
//             builds the post, and cached with the results
// The paper (a four-layer CNN on CIFAR-10) found ReLU reaching 25% training
// error six times sooner than tanh, with each network's learning rate tuned
// for it (the caption of its Figure 1). Here both use one rate; the post says so.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "tools/figures/figures.hpp"
#include "tools/io/svg.hpp"

namespace tools::figures {

namespace {

struct Setup {
    int n_train, n_val, epochs, chunks, batch;
    float learning_rate;
    double level;  // training error (%) both runs are timed to
};

Setup setup(bool quick) {
    if (quick) return {96, 32, 1, 3, 16, 0.01f, 80.0};
    return {20000, 2000, 4, 5, 32, 0.01f, 3.0};
}

keras::Sequential network(const std::string& act) {
    const char* he = "he_normal";
    keras::Sequential model(keras::Input({28, 28, 1}),
                            {
                                keras::Conv2D(6, 5, 1, "same", act, he),    // (m, 28, 28, 6)
                                keras::MaxPooling2D(2),                     // (m, 14, 14, 6)
                                keras::Conv2D(16, 5, 1, "valid", act, he),  // (m, 10, 10, 16)
                                keras::MaxPooling2D(2),                     // (m, 5, 5, 16)
                                keras::Flatten(),                           // (m, 400)
                                keras::Dense(120, act, he),                 // (m, 120)
                                keras::Dense(84, act, he),                  // (m, 84)
                                keras::Dense(10, "softmax", he),            // (m, 10)
                            },
                            /*seed=*/1);
    return model;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Seconds of one training step of each network on the same batch, the two
// taken alternately (the median of kSteps each).
std::pair<double, double> step_seconds(const Dataset& data, const Setup& s) {
    const int kSteps = 15;
    const int m = std::min(s.batch, data.x_train.dim(0));
    nn::Tensor x({m, 28, 28, 1}, std::vector<float>(data.x_train.data.begin(), data.x_train.data.begin() + 784 * m));
    nn::Tensor y({m, 10}, std::vector<float>(data.y_train.data.begin(), data.y_train.data.begin() + 10 * m));
    keras::Sequential relu = network("relu"), tanh = network("tanh");
    relu.compile(keras::SGD(s.learning_rate, 0.9f), "categorical_crossentropy", {"accuracy"});
    tanh.compile(keras::SGD(s.learning_rate, 0.9f), "categorical_crossentropy", {"accuracy"});
    auto time_step = [&x, &y](keras::Sequential& model) {
        auto start = std::chrono::steady_clock::now();
        model.train_on_batch(x, y);
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    time_step(relu);  // the first steps allocate; they are not counted
    time_step(tanh);
    std::vector<double> relu_times, tanh_times;
    for (int k = 0; k < kSteps; ++k) {
        relu_times.push_back(time_step(relu));
        tanh_times.push_back(time_step(tanh));
    }
    return {median(relu_times), median(tanh_times)};
}

}  // namespace

void figure_relu_tanh(const FigureOptions& options) {
    const Setup s = setup(options.quick);
    const std::string params = "v1 " + dataset_id(options, s.n_train, s.n_val) + " epochs=" + std::to_string(s.epochs) +
                               " chunks=" + std::to_string(s.chunks) + " batch=" + std::to_string(s.batch) +
                               " lr=" + io::fixed(s.learning_rate, 5) + " momentum=0.9 init=he_normal seed=1 order=2 timed=interleaved15";
    Record r;
    if (!read_cache(options, "relu-tanh", params, r)) {
        Dataset data = load_dataset(options, s.n_train, s.n_val);
        for (const std::string act : {"relu", "tanh"}) {
            keras::Sequential model = network(act);
            model.compile(keras::SGD(s.learning_rate, 0.9f), "categorical_crossentropy", {"accuracy"});
            TrainSpec spec{s.epochs, s.batch, s.chunks, 2, "relu-tanh/" + act};
            TrainResult result = train(model, data, spec, options);
            r["epochs"] = result.epochs;
            r[act] = result.train_error;
            r[act + "_val"] = {result.val_error};

        }
        auto [relu_step, tanh_step] = step_seconds(data, s);
        const double steps = static_cast<double>((s.n_train + s.batch - 1) / s.batch);
        r["relu_seconds"] = {relu_step * steps};
        r["tanh_seconds"] = {tanh_step * steps};
        write_cache(options, "relu-tanh", params, r);
    }

    double relu_at = epochs_to_reach(r["epochs"], r["relu"], s.level);
    double tanh_at = epochs_to_reach(r["epochs"], r["tanh"], s.level);
    const double step = 1.0 / s.chunks;  // epochs between two points of a curve
    const std::string level = io::fixed(s.level, 0) + "%";
    const std::string whole = "more than " + std::to_string(s.epochs);
    std::string ratio, effect;
    if (relu_at > 0 && tanh_at > 0) {
        double q = tanh_at / relu_at;
        ratio = io::fixed(q, 1);
        effect = std::fabs(tanh_at - relu_at) < step
                     ? "ReLU and tanh were about equally fast: they crossed the level less than one sampling step (" +
                           io::fixed(step, 1) + " epochs) apart, a gap this measurement cannot resolve"
                 : q >= 1.25 ? "ReLU was clearly faster"
                 : q > 0.8   ? "ReLU and tanh were about equally fast"
                             : "tanh was faster than ReLU";
    } else if (relu_at > 0) {
        // tanh never got there: the ratio is at least the whole run over ReLU's time.
        ratio = "more than " + io::fixed(static_cast<double>(s.epochs) / relu_at, 1);
        effect = "ReLU was clearly faster: tanh did not get there at all";
    } else {
        ratio = "not measurable";
        effect = tanh_at > 0 ? "tanh was faster: ReLU did not get there at all" : "neither got there";
    }

    io::LineChart chart;
    chart.title = "Training error of one network with ReLU and with tanh";
    chart.x_label = "epochs (" + grouped(s.n_train) + " training images each)";
    chart.y_label = "training error (%)";
    chart.series = {{"ReLU", r["epochs"], r["relu"], "#c0392b", false},
                    {"tanh", r["epochs"], r["tanh"], "#2e6db4", true}};
    chart.levels = {{s.level, level + " level"}};
    chart.y_min = 0;
    chart.y_max = options.quick ? 0.0 : 6.0 * s.level;  // the early points sit above the frame
    write_svg(options, "relu-tanh", io::line_chart(chart));

    const std::string relu_final = io::fixed(r["relu"].back(), 2) + "%";
    const std::string tanh_final = io::fixed(r["tanh"].back(), 2) + "%";
    write_numbers(options, "relu-tanh",
                  {{"rt-images", grouped(s.n_train)},
                   {"rt-epochs", std::to_string(s.epochs)},
                   {"rt-points", std::to_string(s.chunks)},
                   {"rt-batch", std::to_string(s.batch)},
                   {"rt-lr", io::fixed(s.learning_rate, 2)},
                   {"rt-level", level},
                   {"rt-step", io::fixed(step, 1)},
                   {"rt-relu-epochs", relu_at > 0 ? io::fixed(relu_at, 1) : whole},
                   {"rt-tanh-epochs", tanh_at > 0 ? io::fixed(tanh_at, 1) : whole},
                   {"rt-ratio", ratio},
                   {"rt-effect", effect},
                   {"rt-relu-final", relu_final},
                   {"rt-tanh-final", tanh_final},
                   {"rt-relu-val", io::fixed(r["relu_val"][0], 2) + "%"},
                   {"rt-tanh-val", io::fixed(r["tanh_val"][0], 2) + "%"},
                   {"rt-val-images", grouped(s.n_val)},
                   {"rt-relu-seconds", io::fixed(r["relu_seconds"][0], 1)},
                   {"rt-tanh-seconds", io::fixed(r["tanh_seconds"][0], 1)}});
}

}  // namespace tools::figures
