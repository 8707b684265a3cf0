// tools::io::write_file_atomic and tools::io::write_files_atomic: the target gets the
// complete new bytes or stays as it was, and no temporary file is ever left
// behind, whatever fails.
#include "tools/io/atomic_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/test_util.hpp"

namespace fs = std::filesystem;
using testutil::read_file;
using testutil::sorted_names;
using testutil::throws_with;

namespace {

// Each test gets a fresh empty folder, removed afterwards.
class AtomicFile : public testing::Test {
protected:
    void SetUp() override {
        dir = testutil::make_temp_folder("atomic");
        ASSERT_FALSE(dir.empty());
    }
    void TearDown() override { fs::remove_all(dir); }

    std::string path(const std::string& name) const { return (dir / name).string(); }

    fs::path dir;
};

using Names = std::vector<std::string>;

TEST_F(AtomicFile, WritesANewFileAndNothingElse) {
    tools::io::write_file_atomic(path("a.txt"), "hello\n");
    EXPECT_EQ(read_file(path("a.txt")), "hello\n");
    EXPECT_EQ(sorted_names(dir), Names{"a.txt"});
}

TEST_F(AtomicFile, ReplacesAnExistingFile) {
    tools::io::write_file_atomic(path("a.txt"), "a much longer old content");
    tools::io::write_file_atomic(path("a.txt"), "new");
    EXPECT_EQ(read_file(path("a.txt")), "new");  // no tail of the old bytes
    EXPECT_EQ(sorted_names(dir), Names{"a.txt"});
}

TEST_F(AtomicFile, KeepsEveryByteIncludingNulAndEmptyContents) {
    const std::string bytes("\x00\x01\xff\n\r\x00", 6);
    tools::io::write_file_atomic(path("bin"), bytes);
    EXPECT_EQ(read_file(path("bin")), bytes);
    tools::io::write_file_atomic(path("empty"), "");
    EXPECT_TRUE(fs::exists(path("empty")));
    EXPECT_EQ(fs::file_size(path("empty")), 0u);
}

TEST_F(AtomicFile, MissingFolderThrowsNamingThePathAndLeavesNothing) {
    const std::string target = path("no_such_folder/a.txt");
    EXPECT_TRUE(throws_with<std::runtime_error>([&] { tools::io::write_file_atomic(target, "x"); },
                                                {"'" + target + "'", "temporary"}));
    EXPECT_EQ(sorted_names(dir), Names{});
}

TEST_F(AtomicFile, TargetThatIsAFolderThrowsAndLeavesItAlone) {
    fs::create_directory(path("sub"));
    const std::string target = path("sub");
    EXPECT_TRUE(throws_with<std::runtime_error>([&] { tools::io::write_file_atomic(target, "x"); },
                                                {"'" + target + "'", "folder"}));
    EXPECT_TRUE(fs::is_directory(target));
    EXPECT_EQ(sorted_names(dir), Names{"sub"});
    EXPECT_EQ(sorted_names(dir / "sub"), Names{});
}

TEST_F(AtomicFile, EmptyPathThrows) {
    EXPECT_THROW(tools::io::write_file_atomic("", "x"), std::runtime_error);
    EXPECT_EQ(sorted_names(dir), Names{});
}

TEST_F(AtomicFile, SeveralFilesAllAppear) {
    tools::io::write_files_atomic({{path("a"), "1"}, {path("b"), "22"}, {path("c"), "333"}});
    EXPECT_EQ(sorted_names(dir), (Names{"a", "b", "c"}));
    EXPECT_EQ(read_file(path("a")), "1");
    EXPECT_EQ(read_file(path("b")), "22");
    EXPECT_EQ(read_file(path("c")), "333");
}

TEST_F(AtomicFile, SeveralFilesNoneAppearsWhenOneCannotBeWritten) {
    tools::io::write_file_atomic(path("a"), "old");
    const std::string bad = path("missing/b");
    EXPECT_TRUE(throws_with<std::runtime_error>(
        [&] { tools::io::write_files_atomic({{path("a"), "new"}, {bad, "2"}, {path("c"), "3"}}); }, {"'" + bad + "'"}));
    EXPECT_EQ(read_file(path("a")), "old");  // the first temporary was staged, then discarded
    EXPECT_EQ(sorted_names(dir), Names{"a"});
}

TEST_F(AtomicFile, SeveralFilesRefuseAFolderTargetBeforeWritingAny) {
    fs::create_directory(path("dir_b"));
    EXPECT_THROW(tools::io::write_files_atomic({{path("a"), "1"}, {path("dir_b"), "2"}}), std::runtime_error);
    EXPECT_EQ(sorted_names(dir), Names{"dir_b"});
}

TEST_F(AtomicFile, SeveralFilesRefuseTheSamePathTwice) {
    EXPECT_TRUE(throws_with<std::invalid_argument>(
        [&] { tools::io::write_files_atomic({{path("a"), "1"}, {(dir / "." / "a").string(), "2"}}); },
        {"given twice"}));
    EXPECT_EQ(sorted_names(dir), Names{});
}

}  // namespace
