// The bench's cases, one function per group, and what the groups share: the
// timing loop, seeded inputs and the conv case. Each group times its cases and
// adds a row per case and thread count to the Bench. machine, course and lenet
// are in tools/bench/cases.cpp; epoch and scaling in tools/bench/epochs.cpp.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "nn/geometry.hpp"
#include "nn/rng.hpp"
#include "nn/tensor.hpp"
#include "tools/bench/table.hpp"

namespace tools::bench {

/// Images in an epoch: the course's training split.
constexpr int kTrainImages = 50000;

/// The clock every case is timed with.
using Clock = std::chrono::steady_clock;

/// @param t0 a start time
/// @return seconds from @p t0 to now
double seconds_since(Clock::time_point t0);

/// Median seconds per call of @p f over @p runs runs, after one warm-up call.
/// A run repeats f until it lasts at least @p min_run seconds (one call when f
/// is slower than that).
/// @param f       the call to time
/// @param runs    runs to take the median of
/// @param min_run shortest run in seconds
/// @return seconds per call
double median_time(const std::function<void()>& f, int runs, double min_run = 0.02);

/// A tensor of seeded uniform numbers.
/// @param shape its shape
/// @param rng   the generator
/// @param lo    lowest value
/// @param hi    highest value
/// @return values drawn from [lo, hi)
nn::Tensor uniform(const nn::Shape& shape, nn::Rng& rng, float lo, float hi);

/// A conv layer's forward and backward (relu, stride 1): the reference pass,
/// then the fast pass at each thread count. For a first layer, also the
/// backward without dA_prev, as training runs it.
/// @param b           the run
/// @param group       the rows' group
/// @param name        the rows' name, before " forward" or " backward"
/// @param a_shape     A_prev's shape
/// @param w_shape     W's shape
/// @param pad         the padding
/// @param runs        runs per pass
/// @param torch_fwd   PyTorch's forward time, 0 when none
/// @param torch_bwd   PyTorch's backward time, 0 when none
/// @param backward    whether to time the backward pass too
/// @param first_layer whether to time the backward without dA_prev too
void conv_case(Bench& b, const std::string& group, const std::string& name, const nn::Shape& a_shape,
               const nn::Shape& w_shape, nn::Padding pad, int runs, double torch_fwd, double torch_bwd,
               bool backward = true, bool first_layer = false);

/// The machine group: FMA peak (kept in Bench::peak), thread costs, register tiles.
/// @param b the run
void machine_cases(Bench& b);
/// The course group: the course's example conv and pool on 50,000 images.
/// @param b the run
void course_cases(Bench& b);
/// The lenet group: every LeNet-5 layer at batch 32.
/// @param b the run
void lenet_cases(Bench& b);

/// A training set of random images and one-hot labels.
struct TrainingData {
    nn::Tensor X;  ///< (kTrainImages, 28, 28, 1) in [0, 1)
    nn::Tensor Y;  ///< (kTrainImages, 10)
};

/// @return kTrainImages seeded random images and labels
TrainingData training_data();

/// The epoch group: a LeNet-5 epoch on the nn/ core and on each front-end.
/// @param b    the run
/// @param data what to train on
void epoch_cases(Bench& b, const TrainingData& data);
/// The scaling group: C1's conv at larger images, epochs at larger batches.
/// @param b    the run
/// @param data what to train on
void scaling_cases(Bench& b, const TrainingData& data);
/// The contend group: the Keras epoch beside as many busy processes as the
/// machine has cores, at 1 thread and at the chosen count, interleaved, and
/// the ratio of the two.
/// @param b    the run
/// @param data what to train on
/// @throws std::runtime_error when the busy processes cannot be started
void contended_cases(Bench& b, const TrainingData& data);

}  // namespace tools::bench
