// Local response normalisation across channels, forward then backward.
//
//   s[c]  = k + alpha * sum_{|c' - c| <= n/2} a[c']^2          (per pixel, c' inside 0..c_prev-1)
//   b[c]  = a[c] * s[c]^-beta
//   da[j] = db[j] s[j]^-beta - 2 alpha beta a[j] sum_{|c - j| <= n/2} db[c] a[c] s[c]^(-beta-1)
//
// A_prev, A, dA, dA_prev: (m, h, w, c_prev). In NHWC the c_prev channels of
// one pixel are contiguous, so both passes walk the m*h*w pixels as rows of
// c_prev values. Sums of squares run in double.
#include "nn/lrn.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "nn/errors.hpp"

namespace nn {

namespace {

std::string config_str(const LrnConfig& config) {
    return "(k=" + std::to_string(config.k) + ", n=" + std::to_string(config.n) +
           ", alpha=" + std::to_string(config.alpha) + ", beta=" + std::to_string(config.beta) + ")";
}

void check_config(const char* fn, const Tensor& A_prev, const LrnConfig& config) {
    // Built only on failure: each forward and backward pass checks.
    require(A_prev.rank() == 4, fn,
            [&] { return "A_prev must be rank 4 (m, h, w, c_prev), got A_prev " + A_prev.shape_str(); });
    require(config.n > 0 && config.n % 2 == 1, fn,
            [&] { return "n must be a positive odd number of channels, got " + config_str(config); });
    require(config.k > 0.0f, fn,
            [&] { return "k must be positive so the divisor never vanishes, got " + config_str(config); });
    require(config.alpha >= 0.0f, fn, [&] { return "alpha must not be negative, got " + config_str(config); });
    require(config.beta >= 0.0f, fn, [&] { return "beta must not be negative, got " + config_str(config); });
}

// s[c] for one pixel: k + alpha * (sum of a[c']^2 over the window around c).
void divisor_bases(const float* a_p, int c_prev, const LrnConfig& config, double* s_p) {
    int r = config.n / 2;
    for (int c = 0; c < c_prev; ++c) {
        double sum = 0.0;
        for (int c2 = std::max(0, c - r); c2 <= std::min(c_prev - 1, c + r); ++c2) {
            sum += static_cast<double>(a_p[c2]) * a_p[c2];
        }
        s_p[c] = config.k + config.alpha * sum;
    }
}

// s^-beta. The paper's beta = 0.75 takes two square roots, s^0.75 = sqrt(s * sqrt(s)),
// several times faster than std::pow; the tests cover both branches.
double inverse_power(double s, double beta) {
    if (beta == 0.75) return 1.0 / std::sqrt(s * std::sqrt(s));
    return std::pow(s, -beta);
}

}  // namespace

Tensor lrn_forward(const Tensor& A_prev, LrnConfig config) {
    check_config("lrn_forward", A_prev, config);
    int c_prev = A_prev.dim(3);
    std::size_t pixels = static_cast<std::size_t>(A_prev.dim(0)) * A_prev.dim(1) * A_prev.dim(2);
    Tensor A(A_prev.shape);
    std::vector<double> s(static_cast<std::size_t>(c_prev));
    for (std::size_t p = 0; p < pixels; ++p) {
        const float* a_p = A_prev.data.data() + p * c_prev;  // the channels of pixel p
        float* b_p = A.data.data() + p * c_prev;
        divisor_bases(a_p, c_prev, config, s.data());
        for (int c = 0; c < c_prev; ++c) {
            b_p[c] = static_cast<float>(a_p[c] * inverse_power(s[c], config.beta));
        }
    }
    return A;
}

Tensor lrn_backward(const Tensor& dA, const Tensor& A_prev, LrnConfig config) {
    check_config("lrn_backward", A_prev, config);
    require(dA.shape == A_prev.shape, "lrn_backward",
            "dA must have the shape of A_prev (dA " + dA.shape_str() + ", A_prev " + A_prev.shape_str() + ")");
    int c_prev = A_prev.dim(3);
    int r = config.n / 2;
    double beta = config.beta;
    std::size_t pixels = static_cast<std::size_t>(A_prev.dim(0)) * A_prev.dim(1) * A_prev.dim(2);
    Tensor dA_prev(A_prev.shape);
    std::vector<double> s(static_cast<std::size_t>(c_prev));
    std::vector<double> q(static_cast<std::size_t>(c_prev));  // s[c]^-beta
    std::vector<double> g(static_cast<std::size_t>(c_prev));  // db[c] a[c] s[c]^(-beta-1)
    for (std::size_t p = 0; p < pixels; ++p) {
        const float* a_p = A_prev.data.data() + p * c_prev;
        const float* db_p = dA.data.data() + p * c_prev;
        float* da_p = dA_prev.data.data() + p * c_prev;
        divisor_bases(a_p, c_prev, config, s.data());
        for (int c = 0; c < c_prev; ++c) {
            q[c] = inverse_power(s[c], beta);
            g[c] = db_p[c] * static_cast<double>(a_p[c]) * q[c] / s[c];
        }
        for (int j = 0; j < c_prev; ++j) {
            // b[j] = a[j] s[j]^-beta: the direct term
            double da = db_p[j] * q[j];
            // b[c] for every c whose window holds j: s[c] contains alpha a[j]^2
            double cross = 0.0;
            for (int c = std::max(0, j - r); c <= std::min(c_prev - 1, j + r); ++c) cross += g[c];
            da -= 2.0 * config.alpha * beta * a_p[j] * cross;
            da_p[j] = static_cast<float>(da);
        }
    }
    return dA_prev;
}

}  // namespace nn
