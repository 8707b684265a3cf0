// The weights file: an .npz whose entries must match a model's weights by
// name and shape. All of the file is checked before anything is returned,
// so a caller that assigns only after this returns changes nothing on error.
#include "tools/io/weights.hpp"

#include <map>
#include <stdexcept>
#include <utility>

namespace tools::io {

namespace {

// "'a', 'b', 'c'" for messages.
std::string quoted_list(const std::vector<std::string>& names) {
    std::string out;
    for (const std::string& n : names) out += (out.empty() ? "'" : ", '") + n + "'";
    return out.empty() ? "none" : out;
}

}  // namespace

nn::Shape stored_shape(const std::string& name, const nn::Shape& shape) {
    const std::string suffix = "/bias";
    const bool bias = name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    return bias ? nn::Shape{static_cast<int>(nn::shape_size(shape))} : shape;
}

void write_weights_file(const std::string& path, const std::vector<NamedTensor>& tensors) {
    write_npz(path, tensors);
}

std::vector<nn::Tensor> read_weights_file(const std::string& path, const std::vector<NamedTensor>& expected) {
    std::vector<NamedTensor> entries = read_npz(path);
    std::map<std::string, std::size_t> in_file;
    std::vector<std::string> file_names, model_names;
    for (std::size_t k = 0; k < entries.size(); ++k) {
        in_file[entries[k].name] = k;
        file_names.push_back(entries[k].name);
    }
    for (const NamedTensor& w : expected) model_names.push_back(w.name);

    std::vector<nn::Tensor> values;
    for (const NamedTensor& w : expected) {
        const auto found = in_file.find(w.name);
        if (found == in_file.end())
            throw std::runtime_error(path + ": no entry '" + w.name + "' (the model expects it with shape " +
                                     w.value.shape_str() + "); the file holds " + quoted_list(file_names) +
                                     " (weights of another architecture?)");
        const nn::Tensor& value = entries[found->second].value;
        if (value.shape != w.value.shape)
            throw std::runtime_error(path + ": entry '" + w.name + "' has shape " + value.shape_str() +
                                     " but the model expects " + w.value.shape_str() +
                                     " (weights of another architecture?)");
        values.push_back(std::move(entries[found->second].value));
        in_file.erase(found);
    }
    if (!in_file.empty())
        throw std::runtime_error(path + ": entry '" + in_file.begin()->first + "' is not a weight of the model " +
                                 "(it has " + quoted_list(model_names) + "; weights of another architecture?)");
    return values;
}

}  // namespace tools::io
