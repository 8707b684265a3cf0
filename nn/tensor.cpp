// Tensor construction and shape formatting.
#include "nn/tensor.hpp"

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
    // A zero anywhere makes an empty tensor whatever the other extents are,
    // so (2147483647, 2147483647, 2147483647, 0) holds 0 values, not an overflow.
    bool empty = false;
    for (int d : shape) {  // every Tensor made passes here: messages only on failure
        require(d >= 0, "Tensor", [&] { return "negative extent in shape " + shape_str(shape); });
        empty = empty || d == 0;
    }
    if (empty) return 0;
    std::size_t n = 1;
    for (int d : shape) {
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

}  // namespace nn
