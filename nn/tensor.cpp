// Tensor construction and shape formatting.
#include "nn/tensor.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include "nn/errors.hpp"

namespace nn {

std::string shape_str(const Shape& shape) {
    std::string s = "(";
    for (std::size_t k = 0; k < shape.size(); ++k) {
        if (k) s += ",";
        s += std::to_string(shape[k]);
    }
    return s + ")";
}

std::size_t shape_size(const Shape& shape) {
    std::size_t n = 1;
    for (int d : shape) {  // every resize_output passes here: messages only on failure
        require(d >= 0, "Tensor", [&] { return "negative extent in shape " + shape_str(shape); });
        require(d == 0 || n <= std::numeric_limits<std::size_t>::max() / static_cast<std::size_t>(d), "Tensor",
                [&] { return "shape " + shape_str(shape) + " has too many elements"; });
        n *= static_cast<std::size_t>(d);
    }
    return n;
}

Tensor::Tensor(Shape shape_) : shape(std::move(shape_)), data(shape_size(shape), 0.0f) {}

Tensor::Tensor(Shape shape_, float value) : shape(std::move(shape_)), data(shape_size(shape), value) {}

Tensor::Tensor(Shape shape_, std::vector<float> data_) : shape(std::move(shape_)), data(std::move(data_)) {
    require(data.size() == shape_size(shape), "Tensor", [&] {
        return "data has " + std::to_string(data.size()) + " values but shape " + nn::shape_str(shape) + " needs " +
               std::to_string(shape_size(shape));
    });
}

void resize_output(Tensor& out, Shape shape) {
    const std::size_t n = shape_size(shape);
    out.shape = std::move(shape);
    out.data.resize(n);  // keeps the capacity when shrinking, zeroes only what grows
}

void copy_reshaped(const Tensor& from, Shape shape, Tensor& to) {
    require(&to != &from, "copy_reshaped", "the output must not be the input");
    require(shape_size(shape) == from.size(), "copy_reshaped", [&] {
        return "shape " + nn::shape_str(shape) + " does not hold the " + std::to_string(from.size()) +
               " values of " + from.shape_str();
    });
    resize_output(to, std::move(shape));
    std::copy(from.data.begin(), from.data.end(), to.data.begin());
}

}  // namespace nn
