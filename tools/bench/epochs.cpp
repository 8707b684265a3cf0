// The bench's training cases: one LeNet-5 epoch over 50,000 images, on the
// nn/ core alone (tools/bench/lenet.hpp) and as each front-end trains, and
// how the core's epoch scales with the batch size, and the Keras epoch on a
// machine made busy by the bench itself. Every epoch starts cold: fresh
// weights and Adam state, the model built inside the timed call. Each epoch
// row also shows its distance to the arithmetic floor: its FLOP at the FMA
// peak measured with the same thread count.
#include "tools/bench/cases.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <iomanip>
#include <numeric>
#include <sstream>
#include <vector>

#include "lenet/lenet5.hpp"
#include "lenet/tf1/session.hpp"
#include "nn/batch.hpp"
#include "nn/fast/parallel.hpp"
#include "tools/bench/busy.hpp"
#include "tools/bench/lenet.hpp"

namespace tools::bench {

namespace {

using nn::Tensor;

// PyTorch 1.13 on the same machine class, from the issue (seconds): 2 threads, the best setting.
constexpr double kTorchEpoch = 6.0;

Tensor one_hot_rows(int n, nn::Rng& rng) {
    Tensor Y({n, 10});
    for (int i = 0; i < n; ++i) Y.data[static_cast<std::size_t>(i) * 10 + rng.below(10)] = 1.0f;
    return Y;
}

// Seconds of one epoch on the nn/ core, from a cold start (fresh weights and Adam state).
double core_epoch_seconds(const TrainingData& data, Passes passes, int threads, int batch_size, int runs) {
    return median_time(
        [&] {
            LenetCore net(1, passes, threads);
            train_epoch(net, data.X, data.Y, batch_size, 2);
        },
        runs, 0.0);
}

// The reference passes take tens of seconds per epoch: time @p steps steps
// and scale to the epoch's step count.
double reference_epoch_estimate(const TrainingData& data, int batch_size, int steps) {
    const int n = std::min(kTrainImages, steps * batch_size);
    TrainingData part{Tensor({n, 28, 28, 1}), Tensor({n, 10})};
    std::copy(data.X.data.begin(), data.X.data.begin() + static_cast<long>(part.X.size()), part.X.data.begin());
    std::copy(data.Y.data.begin(), data.Y.data.begin() + static_cast<long>(part.Y.size()), part.Y.data.begin());
    const double t = core_epoch_seconds(part, Passes::reference, 1, batch_size, 1);
    const double epoch_steps = std::ceil(static_cast<double>(kTrainImages) / batch_size);
    const double part_steps = std::ceil(static_cast<double>(n) / batch_size);
    return t * epoch_steps / part_steps;
}

// One epoch on the TF1-style front-end: graph, variables, then train_op on every mini-batch.
void tf1_epoch(const TrainingData& data, int threads) {
    tf1::Graph graph;
    graph.set_random_seed(1);
    const tf1::Tensor x = tf1::placeholder(graph, {-1, 28, 28, 1}, "x");
    const tf1::Tensor y = tf1::placeholder(graph, {-1, 10}, "y");
    const tf1::LeNet5 net = tf1::lenet5(x, y);
    const tf1::Operation init = tf1::global_variables_initializer(graph);
    tf1::SessionConfig config;
    config.intra_op_parallelism_threads = threads;
    tf1::Session sess(graph, config);
    sess.run(init);
    std::vector<std::size_t> order(static_cast<std::size_t>(kTrainImages));
    std::iota(order.begin(), order.end(), std::size_t{0});
    nn::Rng rng(2);
    rng.shuffle(order);
    for (std::size_t begin = 0; begin < order.size(); begin += 32) {
        const std::size_t end = std::min(order.size(), begin + 32);
        sess.run(net.train_op,
                 {{x, nn::gather_samples(data.X, order, begin, end)}, {y, nn::gather_samples(data.Y, order, begin, end)}});
    }
}

// One epoch on the Keras-style front-end: lenet5(X) (compiled), then fit.
void keras_epoch(const TrainingData& data, int threads) {
    keras::Input input({28, 28, 1});
    keras::Sequential model = keras::lenet5(input, 1);
    model.set_threads(threads);
    model.fit(data.X, data.Y, 32, 1, 0, true);
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// Seconds that @p flop take at the FMA peak of @p threads threads; 0 when the peak is unknown.
double floor_seconds(const Bench& b, double flop, int threads) {
    const double peak = b.peak_for(threads);
    return peak > 0 ? flop / (peak * 1e9) : 0.0;
}

// "runs 1.20-1.41 s": the spread of a row's runs (on a shared machine a run now and then loses a core for a while).
std::string spread(const std::vector<double>& times) {
    const auto [lo, hi] = std::minmax_element(times.begin(), times.end());
    std::ostringstream o;
    o << std::fixed << std::setprecision(2) << "runs " << *lo << "-" << *hi << " s";
    return o.str();
}

// What bounds the core epoch's speed-up: the part of its 1-thread time that
// no other thread can take (serial_part), the median over the rounds.
// times[j][round] are the core's epochs, loops[j][round] their pools' loop times.
void serial_rows(Bench& b, const std::vector<std::vector<double>>& times,
                 const std::vector<std::vector<nn::fast::ThreadPool::LoopTime>>& loops) {
    const int n = b.thread_counts.back();
    auto s = [](std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); };
    std::vector<double> share, outside, bound, speedup;
    for (std::size_t round = 0; round < times[0].size(); ++round) {
        const auto& one = loops.front()[round];
        const auto& all = loops.back()[round];
        const SerialPart p = serial_part(times.front()[round], s(one.shared + one.alone), s(all.shared), s(all.alone), n);
        share.push_back(100.0 * p.share);
        outside.push_back(100.0 * p.outside_share);
        bound.push_back(p.bound);
        speedup.push_back(p.loops_speedup);
    }
    std::ostringstream note;
    note << std::fixed << std::setprecision(1) << "outside the loops " << median(outside)
         << "%, the rest in loops the " << n << "-thread caller ran alone (too small to share, or after a stall)";
    Row r = measured("epoch", "serial part of the nn/ core epoch on 1 thread", 1, median(share), "%");
    r.note = note.str();
    b.add(r);
    note.str("");
    note << std::fixed << std::setprecision(2) << "if the other loops ran " << n << "x faster; they ran "
         << median(speedup) << "x";
    r = measured("epoch", "speed-up of the nn/ core epoch that this part allows", n, median(bound), "x");
    r.note = note.str();
    b.add(r);
}

}  // namespace

TrainingData training_data() {
    nn::Rng rng(4);
    return {uniform({kTrainImages, 28, 28, 1}, rng, 0.0f, 1.0f), one_hot_rows(kTrainImages, rng)};
}

// The epochs are timed in rounds: a round runs every case once (the core,
// then TF1, then Keras, each at every thread count), after one warm-up round.
// A virtual machine's speed drifts by 10-20% within a minute; interleaving
// puts the cases a ratio compares side by side in time, and each ratio
// (speed-up from 1 thread, a front-end over the core) is the median of its
// per-round ratios, so a slow minute moves both sides of it.
void epoch_cases(Bench& b, const TrainingData& data) {
    const double flop = lenet_step_flop(32) * (kTrainImages / 32.0);
    const int steps = 100;
    const double ref = reference_epoch_estimate(data, 32, steps);
    const std::string note = "(1 thread, from " + std::to_string(steps) + " steps)";
    struct Kind {
        std::string name, short_name;
        std::function<void(int)> epoch;
    };
    nn::fast::ThreadPool::LoopTime core_loops;  // of the core's last epoch
    const std::vector<Kind> kinds = {
        {"LeNet-5, nn/ core alone, batch 32", "nn/ core",
         [&](int t) {
             LenetCore net(1, Passes::fast, t);
             train_epoch(net, data.X, data.Y, 32, 2);
             core_loops = net.loop_time();
         }},
        // The front-ends as `plaincnn train` runs them, from building the model to the end of the epoch.
        {"LeNet-5, TF1-style front-end, batch 32", "TF1", [&](int t) { tf1_epoch(data, t); }},
        {"LeNet-5, Keras-style front-end, batch 32", "Keras", [&](int t) { keras_epoch(data, t); }},
    };
    const std::size_t T = b.thread_counts.size();
    // times[kind][thread count][round]; the core's loop times [thread count][round]
    std::vector<std::vector<std::vector<double>>> times(kinds.size(), std::vector<std::vector<double>>(T));
    std::vector<std::vector<nn::fast::ThreadPool::LoopTime>> loops(T);
    for (int round = -1; round < b.epoch_runs; ++round)
        for (std::size_t k = 0; k < kinds.size(); ++k)
            for (std::size_t j = 0; j < T; ++j) {
                const Clock::time_point t0 = Clock::now();
                kinds[k].epoch(b.thread_counts[j]);
                if (round < 0) continue;
                times[k][j].push_back(seconds_since(t0));
                if (k == 0) loops[j].push_back(core_loops);
            }
    // The median over rounds of a per-round ratio.
    auto ratio = [&](std::size_t k1, std::size_t j1, std::size_t k2, std::size_t j2) {
        std::vector<double> r;
        for (int round = 0; round < b.epoch_runs; ++round)
            r.push_back(times[k1][j1][static_cast<std::size_t>(round)] / times[k2][j2][static_cast<std::size_t>(round)]);
        return median(r);
    };
    for (std::size_t k = 0; k < kinds.size(); ++k) {
        for (std::size_t j = 0; j < T; ++j) {
            Row r = timed("epoch", kinds[k].name, b.thread_counts[j], median(times[k][j]), b.epoch_runs, flop, ref,
                          note, kTorchEpoch);
            r.floor = floor_seconds(b, flop, b.thread_counts[j]);
            std::ostringstream extra;
            extra << spread(times[k][j]);
            if (k > 0)
                extra << ", " << percent_over(ratio(k, j, 0, j)) << " over the core";
            r.note = extra.str();
            b.add(r);
        }
        if (T > 1)
            b.add(measured("epoch", "speed-up of the " + kinds[k].short_name + " epoch from 1 thread",
                           b.thread_counts.back(), ratio(k, 0, k, T - 1), "x"));
        if (k == 0 && T > 1) serial_rows(b, times[0], loops);
    }
}

void scaling_cases(Bench& b, const TrainingData& data) {
    for (int size : {28, 56, 112})
        conv_case(b, "scaling", "C1 conv (32," + std::to_string(size) + "," + std::to_string(size) + ",1)*(5,5,1,6) same relu",
                  {32, size, size, 1}, {5, 5, 1, 6}, nn::Padding::same(), b.runs, 0, 0, false);
    for (int batch : {32, 128}) {
        const double flop = lenet_step_flop(batch) * (static_cast<double>(kTrainImages) / batch);
        for (int t : b.thread_counts) {
            Row r = timed("scaling", "LeNet-5 epoch, nn/ core alone, batch " + std::to_string(batch), t,
                          core_epoch_seconds(data, Passes::fast, t, batch, b.epoch_runs), b.epoch_runs, flop, 0, "", 0);
            r.floor = floor_seconds(b, flop, t);
            b.add(r);
        }
    }
}

// The Keras epoch beside N busy processes, N = the machine's cores, at 1
// thread and at the chosen count, in interleaved rounds (1, T, 1, T, ...)
// after a warm-up round; the ratio is the median of the rounds' T/1 ratios.
// With one fixed share of each loop per thread, the T-thread epoch was 6.6
// times slower than the 1-thread one here (a thread the system put aside held
// up every loop); with chunks that any thread takes, it should be no slower.
// The busy processes run from the first round to the last and are stopped on
// every way out (busy.hpp).
void contended_cases(Bench& b, const TrainingData& data) {
    const int busy = nn::fast::default_threads();
    const double flop = lenet_step_flop(32) * (kTrainImages / 32.0);
    const std::vector<int>& counts = b.thread_counts;
    std::vector<std::vector<double>> times(counts.size());
    {
        const BusyProcesses others(busy);
        for (int round = -1; round < b.epoch_runs; ++round)
            for (std::size_t j = 0; j < counts.size(); ++j) {
                const Clock::time_point t0 = Clock::now();
                keras_epoch(data, counts[j]);
                if (round >= 0) times[j].push_back(seconds_since(t0));
            }
    }
    const std::string name = "LeNet-5, Keras-style, batch 32, beside " + std::to_string(busy) + " busy processes";
    for (std::size_t j = 0; j < counts.size(); ++j) {
        Row r = timed("contend", name, counts[j], median(times[j]), b.epoch_runs, flop, 0, "", 0);
        r.floor = floor_seconds(b, flop, counts[j]);
        r.note = spread(times[j]);
        b.add(r);
    }
    if (counts.size() > 1) {
        std::vector<double> r;
        for (std::size_t round = 0; round < times[0].size(); ++round) r.push_back(times.back()[round] / times[0][round]);
        Row ratio = measured("contend", "busy: " + std::to_string(counts.back()) +
                                            "-thread epoch over the 1-thread one (target <= 1.1)",
                             counts.back(), median(r), "x");
        const auto [lo, hi] = std::minmax_element(r.begin(), r.end());
        std::ostringstream o;
        o << std::fixed << std::setprecision(2) << "rounds " << *lo << "-" << *hi;
        ratio.note = o.str();
        b.add(ratio);
    }
}

}  // namespace tools::bench
