// require(): the message of a failed check, and the lazy form that builds
// its message only when the check fails.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "nn/errors.hpp"
#include "tests/test_util.hpp"

TEST(Require, PassingCheckThrowsNothing) { EXPECT_NO_THROW(nn::require(true, "f", "never shown")); }

TEST(Require, FailingCheckNamesTheFunction) {
    EXPECT_EQ(testutil::error_message([] { nn::require(false, "conv_forward", std::string("W is wrong")); }),
              "conv_forward: W is wrong");
    EXPECT_EQ(testutil::error_message([] { nn::require(false, "f", "a literal"); }), "f: a literal");
}

TEST(Require, LazyMessageIsBuiltOnlyOnFailure) {
    int built = 0;
    auto message = [&] {
        ++built;
        return std::string("index 7 is out of range");
    };
    nn::require(true, "gather_samples", message);
    EXPECT_EQ(built, 0);
    EXPECT_EQ(testutil::error_message([&] { nn::require(false, "gather_samples", message); }),
              "gather_samples: index 7 is out of range");
    EXPECT_EQ(built, 1);
}

TEST(Excerpt, KeepsPlainTextAndUtf8) {
    EXPECT_EQ(nn::excerpt("same"), "same");
    EXPECT_EQ(nn::excerpt("donn\xc3\xa9" "es.npy"), "donn\xc3\xa9" "es.npy");
}

TEST(Excerpt, EscapesControlBytes) {
    EXPECT_EQ(nn::excerpt(std::string("a\nb\x1b[2Jc\x7f\0", 10)), "a\\x0ab\\x1b[2Jc\\x7f\\x00");
}

TEST(Excerpt, CutsLongTextSayingItsLength) {
    EXPECT_EQ(nn::excerpt(std::string(5000, 'x'), 4), "xxxx... (5000 bytes)");
    EXPECT_EQ(nn::excerpt("abcd", 4), "abcd");
}
