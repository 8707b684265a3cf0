// Weight initializers (see init.hpp).
//
//   fan_in  = kh*kw*c_prev (kernel (kh, kw, c_prev, c_new)) or n_in (W (n_in, n_out))
//   fan_out = kh*kw*c_new                                   or n_out
//   he_normal      W = stddev * N(0,1) truncated to [-2, 2],
//                  stddev = sqrt(2 / fan_in) / 0.87962566103423978
//   glorot_uniform W = U(-limit, limit), limit = sqrt(6 / (fan_in + fan_out))
// Values are drawn in row-major order of the tensor, one draw per element.
#include "nn/init.hpp"

#include <climits>
#include <cmath>
#include <string>

#include "nn/errors.hpp"

namespace nn {

Fans fans(const Shape& shape) {
    require(shape.size() == 2 || shape.size() == 4, "fans",
            "kernel must be rank 2 (n_in, n_out) or rank 4 (kh, kw, c_prev, c_new), got " + shape_str(shape));
    for (int d : shape) require(d > 0, "fans", "kernel extents must be positive, got " + shape_str(shape));
    long long receptive = 1;  // kh * kw for a conv kernel, 1 for a dense one
    if (shape.size() == 4) receptive = static_cast<long long>(shape[0]) * shape[1];
    const long long fan_in = receptive * shape[shape.size() - 2];
    const long long fan_out = receptive * shape[shape.size() - 1];
    require(fan_in <= INT_MAX && fan_out <= INT_MAX, "fans", "fans overflow int for kernel " + shape_str(shape));
    return {static_cast<int>(fan_in), static_cast<int>(fan_out)};
}

Tensor he_normal(const Shape& shape, Rng& rng) {
    const Fans f = fans(shape);
    // 0.8796... is the standard deviation of a unit normal truncated to
    // [-2, 2]; dividing by it makes the truncated values' stddev sqrt(2 / fan_in).
    const double stddev = std::sqrt(2.0 / f.fan_in) / 0.87962566103423978;
    Tensor W(shape);
    for (float& w : W.data) w = static_cast<float>(stddev * rng.truncated_normal());
    return W;
}

Tensor glorot_uniform(const Shape& shape, Rng& rng) {
    const Fans f = fans(shape);
    const double limit = std::sqrt(6.0 / (static_cast<double>(f.fan_in) + f.fan_out));
    Tensor W(shape);
    for (float& w : W.data) w = static_cast<float>(limit * (2.0 * rng.uniform() - 1.0));
    return W;
}

Tensor zeros(const Shape& shape) { return Tensor(shape); }

}  // namespace nn
