// Tensor: a float32 array with a shape, stored row-major.
//
// Image tensors are NHWC, as in the course: A_prev is (m, h, w, c), a conv
// kernel W is (kh, kw, c_prev, c_new), a bias b is (1, 1, 1, c_new). Dense
// activations are (m, n). The data is a plain std::vector<float>; the last
// index moves fastest, so a loop with the channel innermost walks memory in
// order.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace nn {

/// A shape: one extent per axis, outermost first.
using Shape = std::vector<int>;

/// Formats a shape the way error messages show it: "(2,5,5,1)".
/// @param shape the extents, outermost first
/// @return the extents in parentheses, separated by commas ("()" for rank 0)
std::string shape_str(const Shape& shape);

/// Number of elements a shape holds (1 for rank 0; 0 if any extent is 0,
/// whatever the others are). Throws std::invalid_argument on a negative
/// extent or when the product overflows std::size_t.
/// @param shape the extents, outermost first
/// @return the product of the extents
std::size_t shape_size(const Shape& shape);

/// A row-major float32 tensor.
struct Tensor {
    Shape shape;              ///< extents, outermost first
    std::vector<float> data;  ///< shape_size(shape) values, last index fastest

    /// An empty tensor of rank 0 with no data.
    Tensor() = default;
    /// A tensor of the given shape filled with zeros.
    /// @param shape the extents, e.g. (m, h, w, c)
    explicit Tensor(Shape shape);
    /// A tensor of the given shape filled with @p value.
    /// @param shape the extents, e.g. (m, h, w, c)
    /// @param value the value of every element
    Tensor(Shape shape, float value);
    /// A tensor of the given shape over existing data; throws
    /// std::invalid_argument if data.size() does not match the shape.
    /// @param shape the extents, e.g. (m, h, w, c)
    /// @param data  shape_size(shape) values in row-major order, moved in
    Tensor(Shape shape, std::vector<float> data);

    /// @return the number of axes (4 for an NHWC image batch)
    int rank() const { return static_cast<int>(shape.size()); }
    /// @return the number of elements, data.size()
    std::size_t size() const { return data.size(); }
    /// Extent of axis @p axis (no bounds check beyond std::vector's).
    /// @param axis which axis, 0 for the outermost
    /// @return shape[axis], e.g. dim(0) is m for A_prev
    int dim(int axis) const { return shape[static_cast<std::size_t>(axis)]; }
    /// @return the shape as "(2,5,5,1)", for messages
    std::string shape_str() const { return nn::shape_str(shape); }

    /// Element (i, h, w, c) of a rank-4 NHWC tensor (no bounds check).
    /// @param i sample, in [0, m)
    /// @param h row, in [0, dim(1))
    /// @param w column, in [0, dim(2))
    /// @param c channel, in [0, dim(3))
    /// @return a reference to the element, for writing
    float& at(int i, int h, int w, int c) { return data[offset(i, h, w, c)]; }
    /// Element (i, h, w, c) of a rank-4 NHWC tensor (no bounds check).
    /// @param i sample, in [0, m)
    /// @param h row, in [0, dim(1))
    /// @param w column, in [0, dim(2))
    /// @param c channel, in [0, dim(3))
    /// @return the element's value
    float at(int i, int h, int w, int c) const { return data[offset(i, h, w, c)]; }
    /// Element (i, j) of a rank-2 tensor, e.g. a dense activation (m, n).
    /// @param i row, in [0, dim(0))
    /// @param j column, in [0, dim(1))
    /// @return a reference to the element, for writing
    float& at(int i, int j) { return data[static_cast<std::size_t>(i) * shape[1] + j]; }
    /// Element (i, j) of a rank-2 tensor, e.g. a dense activation (m, n).
    /// @param i row, in [0, dim(0))
    /// @param j column, in [0, dim(1))
    /// @return the element's value
    float at(int i, int j) const { return data[static_cast<std::size_t>(i) * shape[1] + j]; }

    /// Flat offset of (i, h, w, c) in a rank-4 tensor.
    /// @param i sample
    /// @param h row
    /// @param w column
    /// @param c channel
    /// @return its index in data, ((i * dim(1) + h) * dim(2) + w) * dim(3) + c
    std::size_t offset(int i, int h, int w, int c) const {
        return ((static_cast<std::size_t>(i) * shape[1] + h) * shape[2] + w) * shape[3] + c;
    }
    /// Pointer to the first value of sample @p i (the outermost index).
    /// @param i sample, in [0, dim(0))
    /// @return the start of sample i's size() / dim(0) contiguous values
    float* sample(int i) { return data.data() + static_cast<std::size_t>(i) * (data.size() / shape[0]); }
    /// Pointer to the first value of sample @p i (the outermost index).
    /// @param i sample, in [0, dim(0))
    /// @return the start of sample i's size() / dim(0) contiguous values, read-only
    const float* sample(int i) const {
        return data.data() + static_cast<std::size_t>(i) * (data.size() / shape[0]);
    }
};

}  // namespace nn
