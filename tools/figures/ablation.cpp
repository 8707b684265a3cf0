// Three of the paper's design choices, each removed in turn from a small
// network that has all three, measured by validation error on MNIST.
//
//   baseline:  conv 6@6x6 valid, relu, LRN, max pool 3x3/2     (m, 23, 23, 6) -> (m, 11, 11, 6)
//              conv 16@5x5 valid, relu, LRN, max pool 3x3/2    (m, 7, 7, 16)  -> (m, 3, 3, 16)
//              flatten 144, dense 120 relu, dropout 0.5, dense 84 relu, dropout 0.5, softmax 10
//   no-overlap: both pools 2x2/2 instead (the odd sizes 23 and 7 make both
//               poolings give 11 and 3, as 55 -> 27 does in AlexNet)
//   no-lrn:     without the two LRN layers
//   no-dropout: without the two dropout layers
// Training as in the paper, scaled down: SGD, momentum 0.9, weight decay
// 0.0005, learning rate 0.01 divided by 10 for the last epoch (batches of
// 32: few images). Each variant runs
// with several seeds (initial weights, image order and dropout masks); the
// figure shows the mean and the range.
//
// A verdict compares the change of the mean with the noise of the two
// variants compared: the larger of their seed-to-seed spreads (max - min
// over seeds). A change no larger than that is reported as noise, not as an
// effect. With two seeds this is a rough test; the post says so.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "tools/figures/figures.hpp"
#include "tools/io/svg.hpp"

namespace tools::figures {

namespace {

struct Setup {
    int n_train, n_val, epochs, batch, seeds;
};

Setup setup(bool quick) {
    if (quick) return {64, 32, 2, 16, 1};
    return {20000, 10000, 4, 32, 2};
}

// The paper's SGD; the learning rate drops tenfold for the last epoch.
std::vector<keras::Optimizer> schedule(int epochs) {
    auto sgd = [](float lr) {
        return keras::Optimizer(keras::Optimizer::Kind::sgd, nn::AdamConfig{}, nn::SGDConfig{lr, 0.9f, 0.0005f, false});
    };
    std::vector<keras::Optimizer> s(static_cast<std::size_t>(epochs - 1), sgd(0.01f));
    s.push_back(sgd(0.001f));
    return s;
}

struct Variant {
    const char* key;      // cache and numbers key
    const char* caption;  // under the bar
    int pool;             // window side; the stride is 2
    bool lrn, dropout;
};

const Variant kVariants[] = {
    {"base", "baseline", 3, true, true},
    {"no-overlap", "pool 2\xC3\x97" "2/2", 2, true, true},
    {"no-lrn", "no LRN", 3, false, true},
    {"no-dropout", "no dropout", 3, true, false},
};

keras::Sequential network(const Variant& v, std::uint64_t seed) {
    keras::Sequential model(keras::Input({28, 28, 1}), {}, seed);
    model.add(keras::Conv2D(6, 6, 1, "valid", "relu", "he_normal"));   // (m, 23, 23, 6)
    if (v.lrn) model.add(LocalResponseNormalization());
    model.add(keras::MaxPooling2D(v.pool, 2));                         // (m, 11, 11, 6)
    model.add(keras::Conv2D(16, 5, 1, "valid", "relu", "he_normal"));  // (m, 7, 7, 16)
    if (v.lrn) model.add(LocalResponseNormalization());
    model.add(keras::MaxPooling2D(v.pool, 2));                         // (m, 3, 3, 16)
    model.add(keras::Flatten());                                       // (m, 144)
    model.add(keras::Dense(120, "relu", "he_normal"));
    if (v.dropout) model.add(keras::Dropout(0.5f));
    model.add(keras::Dense(84, "relu", "he_normal"));
    if (v.dropout) model.add(keras::Dropout(0.5f));
    model.add(keras::Dense(10, "softmax"));
    return model;
}

double mean(const std::vector<double>& v) {
    double sum = 0;
    for (double x : v) sum += x;
    return sum / static_cast<double>(v.size());
}

std::string signed_points(double d) { return (d >= 0 ? "+" : "") + io::fixed(d, 2); }

}  // namespace

void figure_ablation(const FigureOptions& options) {
    const Setup s = setup(options.quick);
    const std::string params = "v1 " + dataset_id(options, s.n_train, s.n_val) + " epochs=" + std::to_string(s.epochs) +
                               " batch=" + std::to_string(s.batch) + " seeds=" + std::to_string(s.seeds) +
                               " sgd lr=0.01,last/10 momentum=0.9 wd=0.0005 he_normal lrn=2,5,1e-4,0.75";
    Record r;
    if (!read_cache(options, "ablation", params, r)) {
        Dataset data = load_dataset(options, s.n_train, s.n_val);
        for (const Variant& v : kVariants) {
            for (int seed = 1; seed <= s.seeds; ++seed) {
                keras::Sequential model = network(v, static_cast<std::uint64_t>(seed));
                TrainSpec spec{s.epochs, s.batch, 1, 100 + static_cast<std::uint64_t>(seed),
                               std::string("ablation/") + v.key + "/seed " + std::to_string(seed),
                               schedule(s.epochs)};
                r[v.key].push_back(train(model, data, spec, options).val_error);
            }
        }
        write_cache(options, "ablation", params, r);
    }

    auto spread = [&r](const char* key) {
        const std::vector<double>& e = r[key];
        return *std::max_element(e.begin(), e.end()) - *std::min_element(e.begin(), e.end());
    };
    const double base = mean(r["base"]);
    Numbers numbers = {{"ab-images", grouped(s.n_train)},
                       {"ab-val-images", grouped(s.n_val)},
                       {"ab-epochs", std::to_string(s.epochs)},
                       {"ab-seeds", std::to_string(s.seeds)},
                       {"ab-base-spread", io::fixed(spread("base"), 2)}};
    io::BarChart chart;
    chart.title = "Validation error with each feature removed (mean and range of " + std::to_string(s.seeds) +
                  " seeds)";
    chart.y_label = "validation error (%)";
    for (const Variant& v : kVariants) {
        const std::vector<double>& e = r[v.key];
        double m = mean(e);
        bool is_base = std::string(v.key) == "base";
        chart.groups.push_back(v.caption);
        chart.bars.push_back({{"", m, *std::min_element(e.begin(), e.end()), *std::max_element(e.begin(), e.end()),
                               is_base ? "#7f8c8d" : "#e08a3c"}});
        numbers.push_back({std::string("ab-") + v.key, io::fixed(m, 2) + "%"});
        if (is_base) continue;
        double d = m - base;
        double noise = std::max(spread("base"), spread(v.key));
        numbers.push_back({std::string("ab-") + v.key + "-delta", signed_points(d)});
        numbers.push_back({std::string("ab-") + v.key + "-spread", io::fixed(spread(v.key), 2)});
        std::string verdict, effect;
        if (std::fabs(d) <= noise) {
            effect = "made no measurable difference";
            verdict = "changed the error by " + signed_points(d) + " points, no more than the spread between seeds (" +
                      io::fixed(noise, 2) + " points): no measurable effect";
        } else if (d > 0) {
            effect = "helped";
            verdict = "raised the error by " + io::fixed(d, 2) + " points, more than the spread between seeds (" +
                      io::fixed(noise, 2) + " points): the feature helped, as in the paper";
        } else {
            effect = "hurt";
            verdict = "lowered the error by " + io::fixed(-d, 2) + " points, more than the spread between seeds (" +
                      io::fixed(noise, 2) + " points): at this scale the feature hurt, unlike in the paper";
        }
        numbers.push_back({std::string("ab-") + v.key + "-effect", effect});
        numbers.push_back({std::string("ab-") + v.key + "-verdict", verdict});
    }
    write_svg(options, "ablation", io::bar_chart(chart));
    write_numbers(options, "ablation", numbers);
}

}  // namespace tools::figures
