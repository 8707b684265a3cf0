// The training plot of `plaincnn train --plot`: both charts, their axis
// labels and legends, a marker per epoch (so one epoch still shows), the
// document well-formed, the file written atomically, and bad curves refused.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/test_util.hpp"
#include "tools/history_plot.hpp"
#include "tools/io/svg.hpp"

namespace fs = std::filesystem;
using testutil::throws_with;

namespace {

tools::TrainingCurves three_epochs() {
    tools::TrainingCurves c;
    c.title = "LeNet-5 <test> & co";
    c.epoch = {1, 2, 3};
    c.loss = {0.18, 0.06, 0.04};
    c.accuracy = {0.94, 0.98, 0.987};
    c.val_loss = {0.07, 0.05, 0.045};
    c.val_accuracy = {0.977, 0.984, 0.986};
    return c;
}

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

}  // namespace

TEST(HistoryPlot, TwoLabelledChartsWithLegendsAndAMarkerPerEpoch) {
    const std::string svg = tools::training_plot_svg(three_epochs());
    EXPECT_GT(tools::io::check_svg(svg, "plot.svg"), 0);
    EXPECT_EQ(count(svg, "<svg "), 3u);  // the document and its two charts
    for (const char* text : {">Loss<", ">Accuracy<", ">cross-entropy loss<", ">accuracy<", ">epoch<"})
        EXPECT_NE(svg.find(text), std::string::npos) << text;
    EXPECT_EQ(count(svg, ">training<"), 2u);    // one legend entry per chart
    EXPECT_EQ(count(svg, ">validation<"), 2u);
    EXPECT_NE(svg.find("LeNet-5 &lt;test&gt; &amp; co"), std::string::npos);  // the title escaped
    EXPECT_EQ(count(svg, "width=\"7\" height=\"7\""), 4u * 3u);  // 4 series x 3 epochs
}

TEST(HistoryPlot, OneEpochStillShowsItsPoints) {
    tools::TrainingCurves c = three_epochs();
    for (std::vector<double>* s : {&c.epoch, &c.loss, &c.accuracy, &c.val_loss, &c.val_accuracy}) s->resize(1);
    EXPECT_EQ(count(tools::training_plot_svg(c), "width=\"7\" height=\"7\""), 4u);
}

TEST(HistoryPlot, SeriesOfTheWrongLengthAreRefused) {
    tools::TrainingCurves c = three_epochs();
    c.val_loss.pop_back();
    EXPECT_TRUE(throws_with([&] { tools::training_plot_svg(c); }, {"one value per epoch (3)", "got 2"}));
    c = three_epochs();
    for (std::vector<double>* s : {&c.epoch, &c.loss, &c.accuracy, &c.val_loss, &c.val_accuracy}) s->clear();
    EXPECT_THROW(tools::training_plot_svg(c), std::invalid_argument);
}

TEST(HistoryPlot, WrittenAtomicallyAndOutputPathsCheckedFirst) {
    const fs::path dir = testutil::make_temp_folder("plot");
    ASSERT_FALSE(dir.empty());
    const std::string path = (dir / "curves.svg").string();
    tools::write_training_plot(path, three_epochs());
    EXPECT_EQ(testutil::sorted_names(dir), (std::vector<std::string>{"curves.svg"}));
    EXPECT_EQ(testutil::read_file(path), tools::training_plot_svg(three_epochs()));
    EXPECT_TRUE(throws_with<std::runtime_error>([&] { tools::check_output_path("--plot", dir.string()); },
                                                {"--plot", "is a folder"}));
    EXPECT_TRUE(throws_with<std::runtime_error>(
        [&] { tools::check_output_path("--save", (dir / "missing" / "w.npz").string()); },
        {"--save: folder", "missing", "does not exist"}));
    tools::check_output_path("--plot", path);  // an existing file is fine: it is replaced
    fs::remove_all(dir);
}
