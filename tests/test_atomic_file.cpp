// tools::write_file_atomic and tools::write_files_atomic: the target gets the
// complete new bytes or stays as it was, and no temporary file is ever left
// behind, whatever fails.
#include "tools/atomic_file.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using testing::HasSubstr;

namespace {

// Each test gets a fresh empty folder, removed afterwards.
class AtomicFile : public testing::Test {
protected:
    void SetUp() override {
        dir = fs::temp_directory_path() / ("plaincnn_test_atomic_" + std::to_string(std::random_device{}()));
        fs::create_directories(dir);
    }
    void TearDown() override { fs::remove_all(dir); }

    std::string path(const std::string& name) const { return (dir / name).string(); }

    // The names in a folder, sorted: shows any leftover temporary.
    static std::vector<std::string> names(const fs::path& folder) {
        std::vector<std::string> out;
        for (const auto& e : fs::directory_iterator(folder)) out.push_back(e.path().filename().string());
        std::sort(out.begin(), out.end());
        return out;
    }

    static std::string slurp(const std::string& p) {
        std::ifstream in(p, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }

    fs::path dir;
};

using Names = std::vector<std::string>;

TEST_F(AtomicFile, WritesANewFileAndNothingElse) {
    tools::write_file_atomic(path("a.txt"), "hello\n");
    EXPECT_EQ(slurp(path("a.txt")), "hello\n");
    EXPECT_EQ(names(dir), Names{"a.txt"});
}

TEST_F(AtomicFile, ReplacesAnExistingFile) {
    tools::write_file_atomic(path("a.txt"), "a much longer old content");
    tools::write_file_atomic(path("a.txt"), "new");
    EXPECT_EQ(slurp(path("a.txt")), "new");  // no tail of the old bytes
    EXPECT_EQ(names(dir), Names{"a.txt"});
}

TEST_F(AtomicFile, KeepsEveryByteIncludingNulAndEmptyContents) {
    const std::string bytes("\x00\x01\xff\n\r\x00", 6);
    tools::write_file_atomic(path("bin"), bytes);
    EXPECT_EQ(slurp(path("bin")), bytes);
    tools::write_file_atomic(path("empty"), "");
    EXPECT_TRUE(fs::exists(path("empty")));
    EXPECT_EQ(fs::file_size(path("empty")), 0u);
}

TEST_F(AtomicFile, MissingFolderThrowsNamingThePathAndLeavesNothing) {
    const std::string target = path("no_such_folder/a.txt");
    try {
        tools::write_file_atomic(target, "x");
        FAIL() << "expected std::runtime_error";
    } catch (const std::runtime_error& e) {
        EXPECT_THAT(e.what(), HasSubstr("'" + target + "'"));
        EXPECT_THAT(e.what(), HasSubstr("temporary"));
    }
    EXPECT_EQ(names(dir), Names{});
}

TEST_F(AtomicFile, TargetThatIsAFolderThrowsAndLeavesItAlone) {
    fs::create_directory(path("sub"));
    const std::string target = path("sub");
    try {
        tools::write_file_atomic(target, "x");
        FAIL() << "expected std::runtime_error";
    } catch (const std::runtime_error& e) {
        EXPECT_THAT(e.what(), HasSubstr("'" + target + "'"));
        EXPECT_THAT(e.what(), HasSubstr("folder"));
    }
    EXPECT_TRUE(fs::is_directory(target));
    EXPECT_EQ(names(dir), Names{"sub"});
    EXPECT_EQ(names(dir / "sub"), Names{});
}

TEST_F(AtomicFile, EmptyPathThrows) {
    EXPECT_THROW(tools::write_file_atomic("", "x"), std::runtime_error);
    EXPECT_EQ(names(dir), Names{});
}

TEST_F(AtomicFile, SeveralFilesAllAppear) {
    tools::write_files_atomic({{path("a"), "1"}, {path("b"), "22"}, {path("c"), "333"}});
    EXPECT_EQ(names(dir), (Names{"a", "b", "c"}));
    EXPECT_EQ(slurp(path("a")), "1");
    EXPECT_EQ(slurp(path("b")), "22");
    EXPECT_EQ(slurp(path("c")), "333");
}

TEST_F(AtomicFile, SeveralFilesNoneAppearsWhenOneCannotBeWritten) {
    tools::write_file_atomic(path("a"), "old");
    const std::string bad = path("missing/b");
    try {
        tools::write_files_atomic({{path("a"), "new"}, {bad, "2"}, {path("c"), "3"}});
        FAIL() << "expected std::runtime_error";
    } catch (const std::runtime_error& e) {
        EXPECT_THAT(e.what(), HasSubstr("'" + bad + "'"));
    }
    EXPECT_EQ(slurp(path("a")), "old");  // the first temporary was staged, then discarded
    EXPECT_EQ(names(dir), Names{"a"});
}

TEST_F(AtomicFile, SeveralFilesRefuseAFolderTargetBeforeWritingAny) {
    fs::create_directory(path("dir_b"));
    EXPECT_THROW(tools::write_files_atomic({{path("a"), "1"}, {path("dir_b"), "2"}}), std::runtime_error);
    EXPECT_EQ(names(dir), Names{"dir_b"});
}

TEST_F(AtomicFile, SeveralFilesRefuseTheSamePathTwice) {
    try {
        tools::write_files_atomic({{path("a"), "1"}, {(dir / "." / "a").string(), "2"}});
        FAIL() << "expected std::invalid_argument";
    } catch (const std::invalid_argument& e) {
        EXPECT_THAT(e.what(), HasSubstr("given twice"));
    }
    EXPECT_EQ(names(dir), Names{});
}

}  // namespace
