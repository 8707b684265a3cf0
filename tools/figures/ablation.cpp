// Three of the paper's design choices, each removed in turn from a small
// network that has all three, measured by validation error on MNIST, with a
// control for local response normalisation.
//
//   baseline:  conv 6@6x6 valid, relu, LRN, max pool 3x3/2     (m, 23, 23, 6) -> (m, 11, 11, 6)
//              conv 16@5x5 valid, relu, LRN, max pool 3x3/2    (m, 7, 7, 16)  -> (m, 3, 3, 16)
//              flatten 144, dense 120 relu, dropout 0.5, dense 84 relu, dropout 0.5, softmax 10
//   no-overlap:  both pools 2x2/2 instead (the odd sizes 23 and 7 make both
//                poolings give 11 and 3, as 55 -> 27 does in AlexNet)
//   no-lrn:      without the two LRN layers
//   lrn-rescale: the control: LRN with alpha = 0, so b = a / k^beta, the same
//                constant division everywhere. With the paper's constants LRN
//                divides by almost exactly k^beta = 2^0.75, so if LRN's gain
//                over no-lrn comes back here, the gain is the rescaling and
//                not the competition between channels.
//   no-dropout:  without the two dropout layers
// Training as in the paper, scaled down: SGD, momentum 0.9, weight decay
// 0.0005, learning rate 0.01 divided by 10 for the last epoch (batches of
// 32: few images). Each variant runs with the same seeds (initial weights,
// image order and dropout masks); the figure shows the mean and the range.
//
// A comparison of two variants A and B (s seeds each) reports the change of
// the mean, d = mean_B - mean_A, and its noise, 2 * sqrt(sd_A^2 / s + sd_B^2 / s)
// with sd the standard deviation between seeds (n - 1 in the denominator):
// about a 95% interval for d. A change no larger than its noise is reported
// as no measurable effect. Every sentence of the post that depends on the
// outcome is written here from these comparisons.
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

// Six seeds: the noise of a difference of means shrinks as 1/sqrt(seeds),
// and the 30 runs stay at about five minutes on two quiet cores.
Setup setup(bool quick) {
    if (quick) return {64, 32, 2, 16, 2};
    return {20000, 10000, 4, 32, 6};
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

enum class Norm { lrn, none, rescale };

struct Variant {
    const char* key;      // cache and numbers key
    const char* caption;  // under the bar
    int pool;             // window side; the stride is 2
    Norm norm;
    bool dropout;
};

const Variant kVariants[] = {
    {"base", "baseline", 3, Norm::lrn, true},
    {"no-overlap", "pool 2\xC3\x97" "2/2", 2, Norm::lrn, true},
    {"no-lrn", "no LRN", 3, Norm::none, true},
    {"lrn-rescale", "LRN, \xCE\xB1 = 0", 3, Norm::rescale, true},
    {"no-dropout", "no dropout", 3, Norm::lrn, false},
};

keras::Sequential network(const Variant& v, std::uint64_t seed) {
    nn::LrnConfig paper;                                 // k = 2, n = 5, alpha = 1e-4, beta = 0.75
    nn::LrnConfig rescale{paper.k, paper.n, 0.0f, paper.beta};  // alpha = 0: b = a / k^beta
    auto normalise = [&](keras::Sequential& model) {
        if (v.norm == Norm::lrn) model.add(LocalResponseNormalization(paper));
        if (v.norm == Norm::rescale) model.add(LocalResponseNormalization(rescale));
    };
    keras::Sequential model(keras::Input({28, 28, 1}), {}, seed);
    model.add(keras::Conv2D(6, 6, 1, "valid", "relu", "he_normal"));   // (m, 23, 23, 6)
    normalise(model);
    model.add(keras::MaxPooling2D(v.pool, 2));                         // (m, 11, 11, 6)
    model.add(keras::Conv2D(16, 5, 1, "valid", "relu", "he_normal"));  // (m, 7, 7, 16)
    normalise(model);
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

// Sample standard deviation (n - 1); 0 for a single value.
double sd(const std::vector<double>& v) {
    if (v.size() < 2) return 0.0;
    double m = mean(v), sum = 0;
    for (double x : v) sum += (x - m) * (x - m);
    return std::sqrt(sum / static_cast<double>(v.size() - 1));
}

std::string signed_points(double d) { return (d >= 0 ? "+" : "\xE2\x88\x92") + io::fixed(std::fabs(d), 2); }

// One comparison: variant `to` against variant `from`.
struct Comparison {
    double delta;  // mean_to - mean_from, in points
    double noise;  // 2 standard errors of delta
    int sign;      // +1 higher error, -1 lower, 0 within the noise
};

Comparison compare(const std::vector<double>& from, const std::vector<double>& to) {
    double n = static_cast<double>(from.size());
    double d = mean(to) - mean(from);
    double noise = 2.0 * std::sqrt((sd(from) * sd(from) + sd(to) * sd(to)) / n);
    int sign = std::fabs(d) <= noise ? 0 : (d > 0 ? 1 : -1);
    return {d, noise, sign};
}

std::string change(const Comparison& c) {
    return "changed the error by " + signed_points(c.delta) + " points (noise \xC2\xB1" + io::fixed(c.noise, 2) + ")";
}

}  // namespace

void figure_ablation(const FigureOptions& options) {
    const Setup s = setup(options.quick);
    const std::string params = "v2 " + dataset_id(options, s.n_train, s.n_val) + " epochs=" + std::to_string(s.epochs) +
                               " batch=" + std::to_string(s.batch) + " seeds=" + std::to_string(s.seeds) +
                               " sgd lr=0.01,last/10 momentum=0.9 wd=0.0005 he_normal lrn=2,5,1e-4,0.75 rescale=alpha0";
    Record r;
    if (!read_cache(options, "ablation", params, r)) {
        Dataset data = load_dataset(options, s.n_train, s.n_val);
        for (int seed = 1; seed <= s.seeds; ++seed) {  // seed by seed: a stopped run has every variant's first seeds
            for (const Variant& v : kVariants) {
                keras::Sequential model = network(v, static_cast<std::uint64_t>(seed));
                TrainSpec spec{s.epochs, s.batch, 1, 100 + static_cast<std::uint64_t>(seed),
                               std::string("ablation/") + v.key + "/seed " + std::to_string(seed),
                               schedule(s.epochs)};
                r[v.key].push_back(train(model, data, spec, options).val_error);
            }
        }
        write_cache(options, "ablation", params, r);
    }

    Numbers numbers = {{"ab-images", grouped(s.n_train)},
                       {"ab-val-images", grouped(s.n_val)},
                       {"ab-epochs", std::to_string(s.epochs)},
                       {"ab-seeds", std::to_string(s.seeds)}};
    io::BarChart chart;
    chart.title = "Validation error, mean and range of " + std::to_string(s.seeds) + " seeds";
    chart.y_label = "validation error (%)";
    chart.width = 680;
    for (const Variant& v : kVariants) {
        const std::vector<double>& e = r[v.key];
        bool is_base = std::string(v.key) == "base";
        chart.groups.push_back(v.caption);
        chart.bars.push_back({{"", mean(e), *std::min_element(e.begin(), e.end()), *std::max_element(e.begin(), e.end()),
                               is_base ? "#7f8c8d" : "#e08a3c"}});
        numbers.push_back({std::string("ab-") + v.key, io::fixed(mean(e), 2) + "%"});
        numbers.push_back({std::string("ab-") + v.key + "-sd", io::fixed(sd(e), 2)});
        if (is_base) continue;
        Comparison c = compare(r["base"], e);
        numbers.push_back({std::string("ab-") + v.key + "-delta", signed_points(c.delta)});
        numbers.push_back({std::string("ab-") + v.key + "-noise", "\xC2\xB1" + io::fixed(c.noise, 2)});
    }
    write_svg(options, "ablation", io::bar_chart(chart));

    // The verdicts. Removing a feature that helped raises the error.
    const Comparison overlap = compare(r["base"], r["no-overlap"]);
    const Comparison dropout = compare(r["base"], r["no-dropout"]);
    const Comparison lrn = compare(r["base"], r["no-lrn"]);               // LRN against nothing
    const Comparison rescale = compare(r["base"], r["lrn-rescale"]);      // LRN against the constant division
    const Comparison rescale_gain = compare(r["no-lrn"], r["lrn-rescale"]);  // the constant division against nothing
    auto effect = [](const Comparison& c) {
        return c.sign > 0 ? std::string("helped") : c.sign < 0 ? std::string("hurt") : std::string("made no measurable difference");
    };
    auto verdict = [&](const Comparison& c) {
        if (c.sign > 0) return change(c) + ": the feature helped, as in the paper";
        if (c.sign < 0) return change(c) + ": at this scale the feature hurt, unlike in the paper";
        return change(c) + ", within the noise: no measurable effect";
    };
    numbers.push_back({"ab-no-overlap-effect", effect(overlap)});
    numbers.push_back({"ab-no-overlap-verdict", verdict(overlap)});
    numbers.push_back({"ab-no-dropout-effect", effect(dropout)});
    numbers.push_back({"ab-no-dropout-verdict", verdict(dropout)});
    numbers.push_back({"ab-no-lrn-verdict", verdict(lrn)});

    // What LRN did, read together with its control.
    std::string lrn_effect, lrn_control;
    const std::string vs_rescale =
        "LRN " + std::string(rescale.sign == 0 ? "did no better than" : rescale.sign > 0 ? "beat" : "did worse than") +
        " the constant division b = a / k^\xCE\xB2 (" + io::fixed(mean(r["base"]), 2) + "% with LRN, " +
        io::fixed(mean(r["lrn-rescale"]), 2) + "% with the constant division, noise \xC2\xB1" + io::fixed(rescale.noise, 2) +
        " points)";
    if (lrn.sign > 0 && rescale.sign == 0 && rescale_gain.sign < 0) {
        lrn_effect = "helped, but only by rescaling its input: the constant division did as well";
        lrn_control = "The control explains the gain: " + vs_rescale +
                      ", and the constant division alone was clearly better than no LRN. At this scale the gain is the rescaling "
                      "of the activations, not the competition between channels that the paper credits";
    } else if (lrn.sign > 0 && rescale.sign > 0) {
        lrn_effect = "helped, and by more than its rescaling";
        lrn_control = "The control does not explain the gain away: " + vs_rescale +
                      ", so the competition between channels adds something beyond the rescaling";
    } else if (lrn.sign > 0) {
        lrn_effect = "helped";
        lrn_control = "The control is inconclusive: " + vs_rescale + ", and the constant division against no LRN " +
                      change(rescale_gain) + ", so the data do not say how much of the gain is the rescaling";
    } else if (lrn.sign == 0) {
        lrn_effect = "made no measurable difference";
        lrn_control = "With no measurable gain from LRN there is nothing for the control to explain; " + vs_rescale;
    } else {
        lrn_effect = "hurt";
        lrn_control = "LRN hurt at this scale; " + vs_rescale;
    }
    numbers.push_back({"ab-no-lrn-effect", lrn_effect});
    numbers.push_back({"ab-lrn-control", lrn_control});

    // Dropout, read against what the paper says of it.
    std::string dropout_note;
    if (dropout.sign > 0) {
        dropout_note = "Dropout helped by more than the noise between seeds (" + signed_points(dropout.delta) +
                       " points without it, noise \xC2\xB1" + io::fixed(dropout.noise, 2) +
                       "), so even this small network overfits without it";
    } else if (dropout.sign < 0) {
        dropout_note = "Dropout hurt, by more than the noise between seeds (" + signed_points(dropout.delta) +
                       " points without it, noise \xC2\xB1" + io::fixed(dropout.noise, 2) +
                       "). A small network trained for " + std::to_string(s.epochs) +
                       " epochs does not overfit much yet, so dropout has little to fix and mostly slows learning "
                       "down, which the paper itself notes (it roughly doubled the iterations needed)";
    } else {
        dropout_note = "Dropout made no difference larger than the noise between seeds (" + signed_points(dropout.delta) +
                       " points without it, noise \xC2\xB1" + io::fixed(dropout.noise, 2) + ")";
    }
    numbers.push_back({"ab-dropout-note", dropout_note});
    write_numbers(options, "ablation", numbers);
}

}  // namespace tools::figures
