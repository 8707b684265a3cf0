// Golden training bits: both LeNet-5 builds, trained a few Adam steps on a
// fixed synthetic batch sequence (two full batches of 32, then a short one of
// 7), give exactly the losses and final weights recorded here. The values
// were recorded before the front-ends were rewritten on nn::Context (and
// re-recorded once since, for the reason given with them), so a
// refactor that changes one bit of training (an order of sums, a skipped
// term) fails here, not only in a tolerance-based test. The fast passes give
// identical bits for every thread count, so 1 and 2 threads must both match.
//
// Bits depend on the instruction set (the vector width sets how the fast
// passes split their sums, FMA contracts a*b+c) and on libm's exp and log, so
// the values hold for the machine kind they were recorded on (x86-64 with
// AVX-512 and FMA, glibc); elsewhere the tests say so and skip.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "lenet/lenet5.hpp"
#include "lenet/tf1/session.hpp"
#include "tests/test_util.hpp"

namespace {

// FNV-1a over the bits of every value, tensor after tensor.
std::uint64_t fingerprint(const std::vector<nn::Tensor>& tensors) {
    std::uint64_t h = 14695981039346656037ull;
    for (const nn::Tensor& t : tensors)
        for (float v : t.data) {
            std::uint32_t bits;
            std::memcpy(&bits, &v, sizeof bits);
            for (int k = 0; k < 4; ++k) {
                h ^= (bits >> (8 * k)) & 0xffu;
                h *= 1099511628211ull;
            }
        }
    return h;
}

std::uint32_t bits_of(double loss) {
    const float f = static_cast<float>(loss);
    std::uint32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    return bits;
}

// The batches: 32, 32 and 7 images in [0, 1), labels cycling through 0..9.
struct Batch {
    nn::Tensor x, y;
};
std::vector<Batch> batches() {
    std::vector<Batch> out;
    std::uint64_t seed = 100;
    for (int m : {32, 32, 7}) {
        std::vector<int> labels(static_cast<std::size_t>(m));
        for (int i = 0; i < m; ++i) labels[static_cast<std::size_t>(i)] = (i * 7 + m) % 10;
        out.push_back({testutil::seeded_uniform({m, 28, 28, 1}, seed++, 0.0, 1.0), keras::to_categorical(labels, 10)});
    }
    return out;
}

struct Trace {
    std::vector<std::uint32_t> losses;  // the bits of each step's loss, before its update
    std::uint64_t weights = 0;          // fingerprint of the weights after the last step
};

Trace train_tf1(int threads) {
    tf1::Graph graph(0);
    tf1::Tensor x = tf1::placeholder(graph, {-1, 28, 28, 1}, "x");
    tf1::Tensor y = tf1::placeholder(graph, {-1, 10}, "y");
    tf1::LeNet5 net = tf1::lenet5(x, y);
    tf1::Operation init = tf1::global_variables_initializer(graph);
    tf1::SessionConfig config;
    config.intra_op_parallelism_threads = threads;
    tf1::Session sess(graph, config);
    sess.run(init);
    Trace t;
    for (const Batch& b : batches())
        t.losses.push_back(bits_of(sess.run({net.loss, net.train_op}, {{x, b.x}, {y, b.y}})[0].data[0]));
    std::vector<nn::Tensor> w;
    for (const tf1::Tensor& v : graph.global_variables()) w.push_back(sess.run(v));
    t.weights = fingerprint(w);
    return t;
}

Trace train_keras(int threads) {
    keras::Sequential model = keras::lenet5(keras::Input({28, 28, 1}), 0);
    model.set_threads(threads);
    Trace t;
    for (const Batch& b : batches()) t.losses.push_back(bits_of(model.train_on_batch(b.x, b.y).loss));
    t.weights = fingerprint(model.get_weights());
    return t;
}

// Recorded from the code before the seam refactor (commit 7df907e), then
// once more when C3's backward pass put the batch in the lanes: its dW and db
// now add each sample's pixels in a lane and the samples after, where they
// added 16 pixels of a sample per lane. Only that order changed (the TF1 run's
// last loss moved by one unit in the last place); every other pass kept its
// bits, and dA_prev is the same sum as before.
const std::vector<std::uint32_t> kTf1Losses = {0x4056879eu, 0x40275ad1u, 0x401991ffu};  // 3.3520274, 2.6149180, 2.3995359
const std::uint64_t kTf1Weights = 0xbe34d055139a6265ull;
const std::vector<std::uint32_t> kKerasLosses = {0x4056879eu, 0x40275b32u, 0x40199304u};  // 3.3520274, 2.6149411, 2.3995981
const std::uint64_t kKerasWeights = 0x3e22ae46f1fe60b0ull;

// Skips the calling test on a machine kind the bits were not recorded on.
#if defined(__x86_64__) && defined(__AVX512F__) && defined(__FMA__) && defined(__GLIBC__)
#define SKIP_UNLESS_RECORDED_MACHINE() (void)0
#else
#define SKIP_UNLESS_RECORDED_MACHINE() GTEST_SKIP() << "golden bits were recorded on x86-64 with AVX-512, FMA and glibc"
#endif

}  // namespace

TEST(TrainingGolden, Tf1StepsGiveTheRecordedBits) {
    SKIP_UNLESS_RECORDED_MACHINE();
    for (int threads : {1, 2}) {
        SCOPED_TRACE(threads);
        const Trace t = train_tf1(threads);
        EXPECT_EQ(t.losses, kTf1Losses);
        EXPECT_EQ(t.weights, kTf1Weights);
    }
}

TEST(TrainingGolden, KerasStepsGiveTheRecordedBits) {
    SKIP_UNLESS_RECORDED_MACHINE();
    for (int threads : {1, 2}) {
        SCOPED_TRACE(threads);
        const Trace t = train_keras(threads);
        EXPECT_EQ(t.losses, kKerasLosses);
        EXPECT_EQ(t.weights, kKerasWeights);
    }
}
