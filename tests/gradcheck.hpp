// gradcheck.hpp: an exhaustive central-difference gradient checker for the
// GoogleTest suites (conv, pool, dense, loss, LRN, dropout, the graph ops...).
//
// It perturbs EVERY element x_j of one input by ±eps, evaluates a scalar
// objective L in double, and compares the numeric derivative
//     n_j = (L(x + eps e_j) - L(x - eps e_j)) / (x_j+ - x_j-)
// with the analytic a_j your backward pass returned. Element j passes when
//     |a_j - n_j| <= tol * max(1, |a_j|, |n_j|).
// The step is measured after rounding x_j ± eps to float, so float rounding
// of the step itself does not count as error.
//
// Kink guard: L(x) is also evaluated once, unperturbed; when the two one-sided
// slopes at x_j disagree by more than kink_tol * max(1, |slopes|), the input
// sits within eps of a point where L is not differentiable (relu at 0, a tie
// in a max) and the check fails saying so, instead of blaming the gradient.
// Move the input away from the kink (distinct_tensor helps), or set
// kink_tol <= 0 to turn the guard off for strongly curved objectives.
//
// API (namespace gradcheck, everything inline):
//   Options{eps = 1e-2, tol = 1e-3, kink_tol = 0.1}
//   nn::Tensor random_tensor(shape, rng, lo = -1, hi = 1)  uniform values
//   nn::Tensor distinct_tensor(shape, rng, step)           a shuffled ±(n/2)·step ladder:
//                                                            no two values within step
//   double weighted_sum(R, Z)                              sum(R ⊙ Z) in double
//   testing::AssertionResult check(name, x, analytic, objective, opt)
//       x          the input the objective reads; perturbed in place, restored after
//       analytic   dL/dx as your backward pass computed it, shaped like x
//       objective  std::function<double()> evaluating L from the current x
//   testing::AssertionResult check_weighted(name, x, analytic, forward, R, opt)
//       the usual case: L = sum(R ⊙ forward()) for a fixed random R, so
//       dL/dZ = R is what you feed your backward pass.
//
// Example (conv):
//   nn::Tensor R = gradcheck::random_tensor(Z.shape, rng);
//   nn::ConvGrads g = nn::conv_backward(R, A, W, b, pad, s);
//   auto f = [&] { return nn::conv_forward(A, W, b, nn::Activation::linear(), pad, s); };
//   EXPECT_TRUE(gradcheck::check_weighted("dA_prev", A, g.dA_prev, f, R));
//   EXPECT_TRUE(gradcheck::check_weighted("dW", W, g.dW, f, R));
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "nn/rng.hpp"
#include "nn/tensor.hpp"

namespace gradcheck {

/// Step and tolerances of a check.
struct Options {
    double eps = 1e-2;      ///< perturbation added to and subtracted from each element
    double tol = 1e-3;      ///< mixed tolerance: |a - n| <= tol * max(1, |a|, |n|)
    double kink_tol = 0.1;  ///< one-sided slopes further apart than this (relative) mean a kink; <= 0 disables
};

/// A tensor of @p shape with values uniform in [lo, hi).
inline nn::Tensor random_tensor(const nn::Shape& shape, nn::Rng& rng, double lo = -1.0, double hi = 1.0) {
    nn::Tensor t(shape);
    for (float& v : t.data) v = static_cast<float>(lo + (hi - lo) * rng.uniform());
    return t;
}

/// A tensor of @p shape whose n values are (j - n/2) * step for j = 0..n-1 in
/// a random order: every two values differ by at least @p step, so with
/// step > 2 eps no perturbation creates or crosses a tie.
inline nn::Tensor distinct_tensor(const nn::Shape& shape, nn::Rng& rng, double step) {
    nn::Tensor t(shape);
    std::vector<std::size_t> order(t.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    rng.shuffle(order);
    const double half = static_cast<double>(t.size()) / 2.0;
    for (std::size_t j = 0; j < t.size(); ++j)
        t.data[j] = static_cast<float>((static_cast<double>(order[j]) - half) * step);
    return t;
}

/// sum(R ⊙ Z), accumulated in double. R and Z must have the same number of values.
inline double weighted_sum(const nn::Tensor& R, const nn::Tensor& Z) {
    double s = 0.0;
    for (std::size_t j = 0; j < Z.size(); ++j) s += static_cast<double>(R.data[j]) * static_cast<double>(Z.data[j]);
    return s;
}

/// Compares @p analytic with central differences of @p objective in every
/// element of @p x (see the top of this file). @p name labels the messages.
inline testing::AssertionResult check(const std::string& name, nn::Tensor& x, const nn::Tensor& analytic,
                                      const std::function<double()>& objective, const Options& opt = Options()) {
    if (analytic.shape != x.shape)
        return testing::AssertionFailure() << name << ": analytic gradient has shape " << analytic.shape_str()
                                           << " but the input has " << x.shape_str();
    const double L0 = objective();
    std::size_t failures = 0, kinks = 0;
    double worst = 0.0;
    std::ostringstream report;
    for (std::size_t j = 0; j < x.size(); ++j) {
        const float saved = x.data[j];
        const float up = static_cast<float>(saved + opt.eps), down = static_cast<float>(saved - opt.eps);
        x.data[j] = up;
        const double L_up = objective();
        x.data[j] = down;
        const double L_down = objective();
        x.data[j] = saved;

        const double a = analytic.data[j];
        const double n = (L_up - L_down) / (static_cast<double>(up) - static_cast<double>(down));
        const double scale = std::max({1.0, std::fabs(a), std::fabs(n)});
        const double err = std::fabs(a - n) / scale;
        const double right = (L_up - L0) / (static_cast<double>(up) - saved);
        const double left = (L0 - L_down) / (saved - static_cast<double>(down));
        const bool kink = opt.kink_tol > 0 &&
                          std::fabs(right - left) > opt.kink_tol * std::max({1.0, std::fabs(right), std::fabs(left)});
        const bool bad = !(err <= opt.tol);  // also catches NaN
        if (!(err <= worst)) worst = err;
        if (kink || bad) {
            if (kink) ++kinks;
            if (++failures <= 5) {
                report << "\n  " << name << "[" << j << "] of " << x.shape_str() << ": analytic " << a
                       << ", numeric " << n;
                if (kink) report << " (one-sided " << left << " vs " << right << ": within eps of a kink, move the input)";
            }
        }
    }
    if (failures == 0) return testing::AssertionSuccess();
    return testing::AssertionFailure() << name << ": " << failures << " of " << x.size() << " elements off (" << kinks
                                       << " at kinks), worst relative error " << worst << " (tol " << opt.tol << ")"
                                       << report.str();
}

/// check() with L = sum(R ⊙ forward()): the analytic gradient is what the
/// backward pass returns when given dL/dZ = R.
inline testing::AssertionResult check_weighted(const std::string& name, nn::Tensor& x, const nn::Tensor& analytic,
                                               const std::function<nn::Tensor()>& forward, const nn::Tensor& R,
                                               const Options& opt = Options()) {
    const nn::Tensor Z = forward();
    if (Z.shape != R.shape)
        return testing::AssertionFailure() << name << ": forward() gives " << Z.shape_str() << " but R is "
                                           << R.shape_str();
    return check(name, x, analytic, [&] { return weighted_sum(R, forward()); }, opt);
}

}  // namespace gradcheck
