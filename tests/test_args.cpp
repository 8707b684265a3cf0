// tools::Flags: both value spellings, --help, typed getters, and every error
// naming the flag and the bad value.
#include "tools/args.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "tests/test_util.hpp"

using testing::HasSubstr;
using tools::Args;
using tools::Flags;

namespace {

// The flags of an imaginary subcommand.
std::vector<tools::Flag> known() {
    return {{"A", "A.npy", "input", true},
            {"stride", "SH,SW", "step (default 1,1)", false},
            {"mode", "max|avg", "pooling mode", false},
            {"epochs", "N", "epochs", false},
            {"seed", "S", "seed", false},
            {"out-dA", "dA.npy", "output", false},
            {"verbose", "", "a switch", false}};
}

// The message of the std::invalid_argument that parsing @p args throws.
std::string parse_error(const Args& args) {
    return testutil::error_message([&] { Flags flags(args, known()); });
}

// The message of the std::invalid_argument that @p get throws on parsed @p args.
template <class Get>
std::string get_error(const Args& args, Get get) {
    Flags flags(args, known());
    return testutil::error_message([&] { get(flags); });
}

TEST(Args, BothSpellingsOfAValue) {
    Flags flags({"--A", "a.npy", "--stride=2,3", "--out-dA=x=y.npy"}, known());
    EXPECT_FALSE(flags.help());
    EXPECT_EQ(flags.text("A"), "a.npy");
    EXPECT_EQ(flags.positive_pair("stride"), std::make_pair(2, 3));
    EXPECT_EQ(flags.text("out-dA"), "x=y.npy");  // only the first '=' separates
    EXPECT_TRUE(flags.has("A"));
    EXPECT_FALSE(flags.has("mode"));
}

TEST(Args, DefaultsApplyOnlyWhenAbsent) {
    Flags flags({"--A", "a.npy"}, known());
    EXPECT_EQ(flags.positive_pair("stride", {1, 1}), std::make_pair(1, 1));
    EXPECT_EQ(flags.choice("mode", {"max", "avg"}, "max"), "max");
    EXPECT_EQ(flags.integer("epochs", 5, 0, 1000), 5);
    EXPECT_EQ(flags.unsigned_integer("seed", 42), 42u);
    EXPECT_EQ(flags.text("out-dA", "default.npy"), "default.npy");
}

TEST(Args, HelpWinsOverEveryOtherProblem) {
    EXPECT_TRUE(Flags({"--help"}, known()).help());  // the required --A is absent
    EXPECT_TRUE(Flags({"--bogus", "-h"}, known()).help());
    EXPECT_TRUE(Flags({"--A", "--help"}, known()).help());
}

TEST(Args, UnknownFlagIsNamedWithTheKnownOnes) {
    std::string e = parse_error({"--A", "a.npy", "--strid", "2,2"});
    EXPECT_THAT(e, HasSubstr("unknown flag '--strid'"));
    EXPECT_THAT(e, HasSubstr("--stride"));
    EXPECT_THAT(parse_error({"--A", "a.npy", "--Stride=1,1"}), HasSubstr("unknown flag '--Stride'"));
}

TEST(Args, StrayArgumentsAreRefused) {
    EXPECT_THAT(parse_error({"--A", "a.npy", "b.npy"}), HasSubstr("unexpected argument 'b.npy'"));
    EXPECT_THAT(parse_error({"-A", "a.npy"}), HasSubstr("unexpected argument '-A'"));
    EXPECT_THAT(parse_error({"--A", "a.npy", "--"}), HasSubstr("unexpected argument '--'"));
}

TEST(Args, MissingValuesAreRefused) {
    EXPECT_EQ(parse_error({"--A"}), "--A: missing value (expected A.npy)");
    EXPECT_EQ(parse_error({"--A", "--stride", "1,1"}), "--A: missing value (expected A.npy)");
    EXPECT_EQ(parse_error({"--A="}), "--A: missing value (expected A.npy)");
    EXPECT_EQ(parse_error({"--A", "a.npy", "--stride"}), "--stride: missing value (expected SH,SW)");
}

TEST(Args, RequiredRepeatedAndSwitchErrors) {
    EXPECT_EQ(parse_error({"--stride", "1,1"}), "missing required flag --A A.npy");
    EXPECT_EQ(parse_error({"--A", "a", "--A", "b"}), "--A is given twice");
    EXPECT_EQ(parse_error({"--A", "a", "--verbose=yes"}), "--verbose takes no value");
    Flags flags({"--A", "a", "--verbose"}, known());
    EXPECT_TRUE(flags.has("verbose"));
}

TEST(Args, NegativeNumbersAreValuesNotFlags) {
    Flags flags({"--A", "a", "--epochs", "-1"}, known());
    EXPECT_EQ(flags.integer("epochs", 5, -10, 10), -1);
    EXPECT_EQ(get_error({"--A", "a", "--epochs", "-1"}, [](const Flags& f) { f.integer("epochs", 5, 0, 2147483647); }),
              "--epochs: expected an integer >= 0, got '-1'");
}

TEST(Args, IntegersMustBeWholeAndInRange) {
    auto epochs = [](const Flags& f) { f.integer("epochs", 5, 1, 100); };
    EXPECT_EQ(get_error({"--A", "a", "--epochs", "3x"}, epochs), "--epochs: expected an integer in [1, 100], got '3x'");
    EXPECT_EQ(get_error({"--A", "a", "--epochs", "2.5"}, epochs), "--epochs: expected an integer in [1, 100], got '2.5'");
    EXPECT_EQ(get_error({"--A", "a", "--epochs", "101"}, epochs), "--epochs: expected an integer in [1, 100], got '101'");
    EXPECT_EQ(get_error({"--A", "a", "--epochs", "99999999999999999999999"}, epochs),
              "--epochs: expected an integer in [1, 100], got '99999999999999999999999'");
    EXPECT_EQ(Flags({"--A", "a", "--epochs", "+7"}, known()).integer("epochs", 5, 1, 100), 7);
}

TEST(Args, SeedsUseTheFull64Bits) {
    EXPECT_EQ(Flags({"--A", "a", "--seed", "18446744073709551615"}, known()).unsigned_integer("seed", 0),
              18446744073709551615ull);
    auto seed = [](const Flags& f) { f.unsigned_integer("seed", 0); };
    EXPECT_EQ(get_error({"--A", "a", "--seed", "18446744073709551616"}, seed),
              "--seed: expected a non-negative integer below 2^64, got '18446744073709551616'");
    EXPECT_THAT(get_error({"--A", "a", "--seed", "-1"}, seed), HasSubstr("got '-1'"));
}

TEST(Args, PairsNeedTwoPositiveIntegers) {
    auto stride = [](const Flags& f) { f.positive_pair("stride", {1, 1}); };
    EXPECT_EQ(get_error({"--A", "a", "--stride", "0,1"}, stride),
              "--stride: expected SH,SW with positive integers, got '0,1'");
    for (std::string bad : {"3", "3,", ",3", "a,b", "3,3,3", "-1,2", " 3,3", "3;3", "99999999999,1"})
        EXPECT_EQ(get_error({"--A", "a", "--stride", bad}, stride),
                  "--stride: expected SH,SW with positive integers, got '" + bad + "'");
    EXPECT_EQ(Flags({"--A", "a", "--stride", "5,1"}, known()).positive_pair("stride"), std::make_pair(5, 1));
}

TEST(Args, ChoicesListTheOptions) {
    EXPECT_EQ(Flags({"--A", "a", "--mode", "avg"}, known()).choice("mode", {"max", "avg"}, "max"), "avg");
    EXPECT_EQ(get_error({"--A", "a", "--mode", "min"}, [](const Flags& f) { f.choice("mode", {"max", "avg"}, "max"); }),
              "--mode: expected max or avg, got 'min'");
    EXPECT_EQ(get_error({"--A", "a", "--mode", "MAX"},
                        [](const Flags& f) { f.choice("mode", {"a", "b", "c"}, "a"); }),
              "--mode: expected a, b or c, got 'MAX'");
}

TEST(Args, AskingForAnUndeclaredFlagIsABug) {
    Flags flags({"--A", "a"}, known());
    EXPECT_THROW(flags.has("nope"), std::logic_error);
    EXPECT_THROW(flags.text("nope", "x"), std::logic_error);
}

TEST(Args, HelpListsEveryFlag) {
    std::string help = tools::format_help("usage: plaincnn demo [flags]", known());
    EXPECT_EQ(help.rfind("usage: plaincnn demo [flags]\n", 0), 0u);
    EXPECT_THAT(help, HasSubstr("--A A.npy"));
    EXPECT_THAT(help, HasSubstr("input (required)"));
    EXPECT_THAT(help, HasSubstr("--stride SH,SW"));
    EXPECT_THAT(help, HasSubstr("step (default 1,1)\n"));
    EXPECT_THAT(help, HasSubstr("--verbose "));
    EXPECT_THAT(help, HasSubstr("--help"));
    EXPECT_EQ(help.back(), '\n');
}

TEST(Args, EchoedTextIsEscapedAndCut) {
    // Before: the raw bytes (an escape sequence, a line break) went into the message.
    std::string msg = parse_error({"--A", "a.npy", "--bo\x1b[2Jgus\n"});
    EXPECT_THAT(msg, HasSubstr("unknown flag '--bo\\x1b[2Jgus\\x0a'"));
    EXPECT_EQ(msg.find('\x1b'), std::string::npos);
    EXPECT_EQ(msg.find('\n'), std::string::npos);
    msg = get_error({"--A", "a.npy", "--stride", std::string(5000, '9')}, [](const Flags& f) { f.positive_pair("stride"); });
    EXPECT_THAT(msg, HasSubstr("(5000 bytes)"));
    EXPECT_LT(msg.size(), 300u);
    EXPECT_THAT(parse_error({"--A", "a.npy", std::string("x\ty")}), HasSubstr("unexpected argument 'x\\x09y'"));
}

}  // namespace
