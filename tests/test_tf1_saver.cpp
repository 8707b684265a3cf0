// tf1::Saver and the one weights file of both front-ends: the TF1 build saves
// and restores its variables; a file saved by the TF1 build loads into the
// Keras build and the other way round, with bit-identical predictions; a
// file of another architecture is refused naming the entry and both shapes,
// and leaves every variable as it was.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "lenet/lenet5.hpp"
#include "lenet/tf1/saver.hpp"
#include "lenet/tf1/session.hpp"
#include "tests/test_util.hpp"
#include "tools/io/npz.hpp"

namespace fs = std::filesystem;
using testutil::throws_with;

namespace {

// The TF1 LeNet-5 with a session and a Saver.
struct Tf1Net {
    explicit Tf1Net(std::uint64_t seed) : graph(seed) {
        x = tf1::placeholder(graph, {-1, 28, 28, 1}, "x");
        y = tf1::placeholder(graph, {-1, 10}, "y");
        net = tf1::lenet5(x, y);
        init = tf1::global_variables_initializer(graph);
        saver = std::make_unique<tf1::Saver>(graph);
    }
    nn::Tensor predict(const nn::Tensor& X) { return session.run(net.y_pred, {{x, X}}); }
    tf1::Graph graph;
    tf1::Tensor x, y;
    tf1::LeNet5 net;
    tf1::Operation init;
    std::unique_ptr<tf1::Saver> saver;
    tf1::Session session{graph};
};

class Tf1Saver : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = testutil::make_temp_folder("tf1_saver");
        ASSERT_FALSE(dir_.empty());
    }
    void TearDown() override { fs::remove_all(dir_); }
    std::string path(const std::string& name) const { return (dir_ / name).string(); }

    // Four images and labels; one Adam step moves the weights off their initial values.
    const nn::Tensor X = testutil::seeded_uniform({4, 28, 28, 1}, 7, 0.0, 1.0);
    const nn::Tensor Y = keras::to_categorical({3, 1, 4, 1}, 10);

private:
    fs::path dir_;
};

}  // namespace

TEST_F(Tf1Saver, SaveWritesOneNamedEntryPerVariableWithBiasesOneDimensional) {
    Tf1Net net(1);
    net.session.run(net.init);
    EXPECT_EQ(net.saver->save(net.session, path("w.npz")), path("w.npz"));
    std::vector<std::string> names;
    std::vector<nn::Shape> shapes;
    for (const tools::io::NamedTensor& e : tools::io::read_npz(path("w.npz"))) {
        names.push_back(e.name);
        shapes.push_back(e.value.shape);
    }
    EXPECT_EQ(names, (std::vector<std::string>{"conv2d/kernel", "conv2d/bias", "conv2d_1/kernel", "conv2d_1/bias",
                                               "dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias",
                                               "dense_2/kernel", "dense_2/bias"}));
    EXPECT_EQ(shapes, (std::vector<nn::Shape>{{5, 5, 1, 6}, {6}, {5, 5, 6, 16}, {16}, {400, 120}, {120}, {120, 84},
                                              {84}, {84, 10}, {10}}));
}

TEST_F(Tf1Saver, RestoreIntoAFreshSessionGivesIdenticalPredictions) {
    Tf1Net trained(1);
    trained.session.run(trained.init);
    trained.session.run(trained.net.train_op, {{trained.x, X}, {trained.y, Y}});
    trained.saver->save(trained.session, path("w.npz"));

    Tf1Net fresh(2);  // other initial values, and never initialised: restore sets every variable
    fresh.saver->restore(fresh.session, path("w.npz"));
    EXPECT_TRUE(testutil::identical(fresh.predict(X), trained.predict(X)));
}

TEST_F(Tf1Saver, TheFileMovesBetweenFrontEndsBothWays) {
    // TF1 -> Keras
    Tf1Net tf1_net(1);
    tf1_net.session.run(tf1_net.init);
    tf1_net.session.run(tf1_net.net.train_op, {{tf1_net.x, X}, {tf1_net.y, Y}});
    tf1_net.saver->save(tf1_net.session, path("from_tf1.npz"));
    keras::Sequential model = keras::lenet5(keras::Input({28, 28, 1}), 5);
    const nn::Tensor p_tf1 = tf1_net.predict(X);
    EXPECT_FALSE(testutil::identical(model.predict(X), p_tf1));
    model.load_weights(path("from_tf1.npz"));
    EXPECT_TRUE(testutil::identical(model.predict(X), p_tf1));

    // Keras -> TF1
    keras::Sequential other = keras::lenet5(keras::Input({28, 28, 1}), 6);
    other.train_on_batch(X, Y);
    other.save_weights(path("from_keras.npz"));
    Tf1Net restored(3);
    restored.saver->restore(restored.session, path("from_keras.npz"));
    EXPECT_TRUE(testutil::identical(restored.predict(X), other.predict(X)));
}

TEST_F(Tf1Saver, AnotherArchitectureIsRefusedAndChangesNothing) {
    keras::Sequential small(keras::Input({28, 28, 1}),
                            {keras::Conv2D(6, 5, 1, "same", "relu"), keras::MaxPooling2D(2), keras::Flatten(),
                             keras::Dense(10, "softmax")});
    small.save_weights(path("small.npz"));  // conv2d/kernel fits, but dense/kernel is (1176, 10)
    Tf1Net net(1);
    net.session.run(net.init);
    const nn::Tensor before = net.predict(X);
    EXPECT_TRUE(throws_with<std::runtime_error>([&] { net.saver->restore(net.session, path("small.npz")); },
                                                {path("small.npz"), "no entry 'conv2d_1/kernel'", "(5,5,6,16)"}));
    keras::Sequential wide(keras::Input({28, 28, 1}),
                           {keras::Conv2D(8, 5, 1, "same", "relu"), keras::MaxPooling2D(2), keras::Flatten(),
                            keras::Dense(10, "softmax")});
    wide.save_weights(path("wide.npz"));
    EXPECT_TRUE(throws_with<std::runtime_error>([&] { net.saver->restore(net.session, path("wide.npz")); },
                                                {"entry 'conv2d/kernel' has shape (5,5,1,8)", "expects (5,5,1,6)"}));
    EXPECT_TRUE(testutil::identical(net.predict(X), before));
    EXPECT_TRUE(throws_with<std::runtime_error>([&] { net.saver->restore(net.session, path("none.npz")); },
                                                {path("none.npz"), "cannot open"}));
}

TEST_F(Tf1Saver, SavingIntoAMissingFolderNamesTheFile) {
    Tf1Net net(1);
    net.session.run(net.init);
    const std::string bad = path("no_such_folder/w.npz");
    EXPECT_TRUE(throws_with<std::runtime_error>([&] { net.saver->save(net.session, bad); }, {bad}));
}
