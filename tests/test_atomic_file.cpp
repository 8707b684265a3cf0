// tools::io::write_file_atomic and tools::io::write_files_atomic: the target gets the
// complete new bytes or stays as it was, and no temporary file is ever left
// behind, whatever fails.
#include "tools/io/atomic_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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

// ---- crashes, links and what is not a regular file (issue 15) ----

// Forks a child that writes @p bytes to @p target and is killed (SIGKILL, as
// by a crash or kill -9) right after step @p crash_at; returns once it is dead.
void write_and_crash(const std::string& target, const std::string& bytes, tools::io::WriteStep crash_at) {
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        try {
            tools::io::write_file_atomic_observed(target, bytes, [&](tools::io::WriteStep step) {
                if (step == crash_at) raise(SIGKILL);
            });
        } catch (...) {
            _exit(3);
        }
        _exit(0);  // never reached: every step is passed on success
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the child was not killed at the step";
}

TEST_F(AtomicFile, ACrashAtAnyStepLeavesTheOldOrTheNewFileAndTheNextWriteCleansUp) {
    using tools::io::WriteStep;
    const std::string target = path("w.npy");
    const std::string old_bytes(1000, 'o'), new_bytes(3000, 'n');
    const WriteStep steps[] = {WriteStep::created, WriteStep::half_written, WriteStep::written,
                               WriteStep::synced,  WriteStep::renamed,      WriteStep::folder_synced};
    for (WriteStep step : steps) {
        SCOPED_TRACE("killed after step " + std::to_string(static_cast<int>(step)));
        tools::io::write_file_atomic(target, old_bytes);
        write_and_crash(target, new_bytes, step);
        const std::string now = read_file(target);
        // Before the rename the old file is whole; from the rename on, the new one.
        EXPECT_EQ(now, step < WriteStep::renamed ? old_bytes : new_bytes);
        // The next successful write removes what the killed one left.
        tools::io::write_file_atomic(target, "next");
        EXPECT_EQ(read_file(target), "next");
        EXPECT_EQ(sorted_names(dir), Names{"w.npy"});
    }
}

TEST_F(AtomicFile, ALiveWritersTemporaryIsLeftAlone) {
    const std::string live = path("w.npy.tmp-" + std::to_string(getpid()) + "-0123456789abcdef");
    testutil::write_file(live, "mine");
    testutil::write_file(path("w.npy.tmp-notapid"), "someone's");
    tools::io::write_file_atomic(path("w.npy"), "x");
    EXPECT_EQ(sorted_names(dir), (Names{"w.npy", "w.npy.tmp-" + std::to_string(getpid()) + "-0123456789abcdef",
                                        "w.npy.tmp-notapid"}));
}

TEST_F(AtomicFile, ASymbolicLinkIsWrittenThroughToItsTarget) {
    fs::create_directory(path("real"));
    testutil::write_file(path("real/z.npy"), "old");
    fs::create_symlink("real/z.npy", path("link.npy"));  // relative to the link's folder
    // Before: the link itself was replaced by a regular file and its target kept the old bytes.
    tools::io::write_file_atomic(path("link.npy"), "new");
    EXPECT_TRUE(fs::is_symlink(path("link.npy")));
    EXPECT_EQ(read_file(path("real/z.npy")), "new");
    EXPECT_EQ(sorted_names(dir / "real"), Names{"z.npy"});
    // A dangling link: its target is created, as numpy.save does.
    fs::create_symlink(dir / "real" / "fresh.npy", path("dangling.npy"));
    tools::io::write_file_atomic(path("dangling.npy"), "made");
    EXPECT_EQ(read_file(path("real/fresh.npy")), "made");
    EXPECT_TRUE(fs::is_symlink(path("dangling.npy")));
    // A loop of links is refused by name.
    fs::create_symlink(path("loop_b"), path("loop_a"));
    fs::create_symlink(path("loop_a"), path("loop_b"));
    EXPECT_TRUE(throws_with<std::runtime_error>([&] { tools::io::write_file_atomic(path("loop_a"), "x"); },
                                                {"'" + path("loop_a") + "'", "symbolic links"}));
}

TEST_F(AtomicFile, APathThatIsNotARegularFileIsRefusedAndKept) {
    // A pipe stands for a device node such as /dev/full (which only root can make).
    ASSERT_EQ(mkfifo(path("pipe").c_str(), 0600), 0);
    // Before: the pipe was replaced by a regular file.
    EXPECT_TRUE(throws_with<std::runtime_error>([&] { tools::io::write_file_atomic(path("pipe"), "x"); },
                                                {"'" + path("pipe") + "'", "not a regular file"}));
    EXPECT_TRUE(fs::is_fifo(path("pipe")));
    EXPECT_EQ(sorted_names(dir), Names{"pipe"});
}

TEST_F(AtomicFile, AReplacedFileKeepsItsPermissions) {
    tools::io::write_file_atomic(path("a"), "1");
    fs::permissions(path("a"), fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
    tools::io::write_file_atomic(path("a"), "2");
    EXPECT_EQ(fs::status(path("a")).permissions(),
              fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
}

}  // namespace
