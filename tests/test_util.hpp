// test_util.hpp: the small helpers many GoogleTest suites need, written once.
// Everything is inline in namespace testutil; include "tests/test_util.hpp".
// (Finite-difference gradient checks: tests/gradcheck.hpp. An independent
// convolution and pooling: tests/reference.hpp.)
//
// Errors: what a call throws
//   std::string error_message<E = std::invalid_argument>(f)
//       The what() of the E that f() throws, to compare with EXPECT_EQ or
//       EXPECT_THAT(..., HasSubstr(...)). When f() throws nothing it records
//       a test failure and returns "(nothing thrown)". An exception of
//       another type passes through (GoogleTest fails the test on it).
//   testing::AssertionResult throws_with<E = std::invalid_argument>(f, parts)
//       Success when f() throws an E whose what() contains every string of
//       @p parts; otherwise a failure naming the parts missing from the
//       message, or saying nothing was thrown. Other exceptions pass through.
//       Use as EXPECT_TRUE(testutil::throws_with<E>([&] { ... }, {"a", "b"})).
//
// Tensors: fixed inputs and value checks
//   nn::Tensor ramp4x4()
//       The 1x4x4x1 image A[h,w] = 4h + w + 1, i.e. 1..16 row by row.
//   nn::Tensor seeded_uniform(shape, seed, lo = -1, hi = 1)
//       Values uniform in [lo, hi) from a fresh nn::Rng(seed): the same tensor
//       on every run (gradcheck::random_tensor with its own generator).
//   void expect_values(T, shape, want, tol = 0)
//       T has @p shape and T.data[j] is within tol of want[j] for every j
//       (EXPECT_NEAR; the default tol 0 asks for the exact values).
//   void expect_close(got, want, tol)
//       Same shape and |got - want| <= tol * max(1, |want|) everywhere; stops
//       at the first value off (a whole tensor of misses is one message).
//   void expect_elements_near(got, want, tol)
//       Two vectors of the same length, element by element within tol.
//   bool same_bits(a, b)
//       The same float values bit for bit (memcmp): a determinism check, not
//       a numeric one (NaN equals the same NaN, 0.0 differs from -0.0).
//
// Files: scratch folders for the I/O suites
//   std::filesystem::path make_temp_folder(tag)
//       A new, empty folder <tmp>/plaincnn_test_<tag>_XXXXXX (mkdtemp), or an
//       empty path when it cannot be made. The caller removes it.
//   std::vector<std::string> sorted_names(folder)
//       The names of the entries of @p folder, sorted: shows any leftover file.
//   std::string read_file(path)
//       The whole file, byte for byte; "" when it cannot be read.
//   void write_file(path, bytes)
//       Replaces the file's contents with @p bytes (binary).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "nn/rng.hpp"
#include "nn/tensor.hpp"
#include "tests/gradcheck.hpp"

namespace testutil {

// ---------------------------------------------------------------- errors

/// The message of the @p E that @p f throws; a recorded failure and
/// "(nothing thrown)" when it throws nothing.
template <typename E = std::invalid_argument, typename F>
inline std::string error_message(F&& f) {
    try {
        f();
    } catch (const E& e) {
        return e.what();
    }
    ADD_FAILURE() << "expected an exception, but nothing was thrown";
    return "(nothing thrown)";
}

/// Whether @p f throws an @p E whose message contains every one of @p parts.
template <typename E = std::invalid_argument, typename F>
inline testing::AssertionResult throws_with(F&& f, const std::vector<std::string>& parts) {
    try {
        f();
    } catch (const E& e) {
        const std::string what = e.what();
        std::vector<std::string> missing;
        for (const std::string& p : parts)
            if (what.find(p) == std::string::npos) missing.push_back(p);
        if (missing.empty()) return testing::AssertionSuccess();
        testing::AssertionResult failure = testing::AssertionFailure();
        failure << "the message \"" << what << "\" lacks";
        for (const std::string& p : missing) failure << " \"" << p << "\"";
        return failure;
    }
    testing::AssertionResult failure = testing::AssertionFailure();
    failure << "no exception; expected one mentioning";
    for (const std::string& p : parts) failure << " \"" << p << "\"";
    return failure;
}

// ---------------------------------------------------------------- tensors

/// 1x4x4x1 with A[h,w] = 4h + w + 1:
///    1  2  3  4
///    5  6  7  8
///    9 10 11 12
///   13 14 15 16
inline nn::Tensor ramp4x4() {
    return nn::Tensor({1, 4, 4, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
}

/// A tensor of @p shape, values uniform in [lo, hi) drawn from nn::Rng(@p seed).
inline nn::Tensor seeded_uniform(const nn::Shape& shape, std::uint64_t seed, double lo = -1.0, double hi = 1.0) {
    nn::Rng rng(seed);
    return gradcheck::random_tensor(shape, rng, lo, hi);
}

/// @p T has @p shape and its values are @p want, each within @p tol.
inline void expect_values(const nn::Tensor& T, const nn::Shape& shape, const std::vector<float>& want,
                          float tol = 0.0f) {
    ASSERT_EQ(T.shape, shape);
    ASSERT_EQ(T.size(), want.size());
    for (std::size_t j = 0; j < want.size(); ++j) EXPECT_NEAR(T.data[j], want[j], tol) << "at flat index " << j;
}

/// |got - want| <= tol * max(1, |want|) for every value; shapes equal.
inline void expect_close(const nn::Tensor& got, const nn::Tensor& want, double tol) {
    ASSERT_EQ(got.shape, want.shape);
    for (std::size_t j = 0; j < got.size(); ++j)
        ASSERT_NEAR(got.data[j], want.data[j], tol * std::max(1.0, std::fabs(static_cast<double>(want.data[j]))))
            << "at flat index " << j;
}

/// @p got and @p want have the same length and agree within @p tol element by element.
inline void expect_elements_near(const std::vector<float>& got, const std::vector<double>& want, double tol) {
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t j = 0; j < want.size(); ++j) EXPECT_NEAR(got[j], want[j], tol) << "element " << j;
}

/// Whether @p a and @p b hold the same floats bit for bit.
inline bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    // memcmp must not see the null data() of an empty vector, even for zero bytes
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

/// Same shape and the same floats bit for bit: what "identical whatever the
/// thread count" means for the fast passes.
inline bool identical(const nn::Tensor& a, const nn::Tensor& b) { return a.shape == b.shape && same_bits(a.data, b.data); }

/// Every value of @p got within tol * max(1, |want|, |got|) of @p want, the
/// first offender named in the failure; for EXPECT_TRUE. A NaN matches only
/// a NaN. (Written as "not within", because every comparison with a NaN is
/// false: "differs by more than tol" let a NaN pass.)
inline testing::AssertionResult all_close(const nn::Tensor& got, const nn::Tensor& want, double tol) {
    if (got.shape != want.shape)
        return testing::AssertionFailure() << "shape " << got.shape_str() << " != " << want.shape_str();
    for (std::size_t j = 0; j < got.size(); ++j) {
        const double a = got.data[j], b = want.data[j];
        if (std::isnan(a) && std::isnan(b)) continue;
        if (!(std::fabs(a - b) <= tol * std::max({1.0, std::fabs(a), std::fabs(b)})))
            return testing::AssertionFailure() << "element " << j << ": " << a << " != " << b;
    }
    return testing::AssertionSuccess();
}

// ---------------------------------------------------------------- files

/// A new empty folder under the system's temporary folder, named after
/// @p tag; an empty path when it cannot be made.
inline std::filesystem::path make_temp_folder(const std::string& tag) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / ("plaincnn_test_" + tag + "_XXXXXX")).string();
    if (mkdtemp(pattern.data()) == nullptr) return {};
    return pattern;
}

/// The names of the entries of @p folder, sorted.
inline std::vector<std::string> sorted_names(const std::filesystem::path& folder) {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(folder)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

/// The bytes of the file at @p path; "" when it cannot be read.
inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// Writes @p bytes to @p path, replacing what was there.
inline void write_file(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace testutil
