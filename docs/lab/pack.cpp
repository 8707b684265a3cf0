// lab-pack: the native helper of `make lab` (built for this machine, not the page).
//
//   lab-pack subset --data DIR --train N --test N --out FILE
//       the first N course-training and N t10k images of MNIST as bytes:
//       train images (784 bytes each), train labels, test images, test labels
//       (lab.cpp's lab_set_data reads exactly this).
//   lab-pack native --data DIR --weights FILE --count N --out FILE.json
//       LeNet-5's probabilities for the first N t10k images, computed here by
//       keras::Sequential::predict on the fast passes and on the reference
//       passes: the numbers the page must reproduce (tests/test_lab.sh).
//   lab-pack speed --data DIR --train N
//       training images per second on this machine, one thread, fast passes,
//       one epoch of batch 32 over the first N course-training images, as the
//       page trains: the native figure the page's is reported next to.
//   lab-pack page --template HTML --style CSS --script JS --wasm JS
//                 --weights FILE --subset FILE.gz --train N --test N --out HTML
//       one self-contained page: the template with its @LAB_...@ markers
//       replaced by the style, the scripts, and the weights and the gzipped
//       subset in base64.
//
// Exit status 0, or 2 with one line on stderr naming what was wrong.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "lenet/lenet5.hpp"
#include "nn/batch.hpp"
#include "tools/io/atomic_file.hpp"
#include "tools/io/idx.hpp"

namespace {

using Flags = std::map<std::string, std::string>;

// "--name value" pairs; every flag of the action must be given once.
Flags parse_flags(int argc, char** argv, const std::vector<std::string>& names) {
    Flags flags;
    for (int k = 2; k < argc; k += 2) {
        const std::string name = argv[k];
        if (name.rfind("--", 0) != 0 || k + 1 >= argc)
            throw std::invalid_argument("expected --flag value, got '" + name + "'");
        flags[name.substr(2)] = argv[k + 1];
    }
    for (const std::string& name : names)
        if (!flags.count(name)) throw std::invalid_argument("missing --" + name);
    for (const auto& flag : flags)
        if (std::find(names.begin(), names.end(), flag.first) == names.end())
            throw std::invalid_argument("unknown flag --" + flag.first);
    return flags;
}

int count_flag(const Flags& flags, const std::string& name, int most) {
    const std::string& text = flags.at(name);
    std::size_t used = 0;
    int n = 0;
    try {
        n = std::stoi(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != text.size() || n < 1 || n > most)
        throw std::invalid_argument("--" + name + " must be a whole number in 1.." + std::to_string(most) + ", got '" +
                                    text + "'");
    return n;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(path + ": cannot open");
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

std::string base64(const std::string& bytes) {
    static const char* digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        // three bytes make 24 bits, written as four 6-bit digits; '=' pads the last group
        const std::size_t left = bytes.size() - i;
        std::uint32_t v = static_cast<std::uint8_t>(bytes[i]) << 16;
        if (left > 1) v |= static_cast<std::uint8_t>(bytes[i + 1]) << 8;
        if (left > 2) v |= static_cast<std::uint8_t>(bytes[i + 2]);
        out += digits[(v >> 18) & 63];
        out += digits[(v >> 12) & 63];
        out += left > 1 ? digits[(v >> 6) & 63] : '=';
        out += left > 2 ? digits[v & 63] : '=';
    }
    return out;
}

// The first n images of a split as bytes, then their labels.
std::string split_bytes(const tools::io::Split& split, int n, const std::string& which) {
    if (n > split.x.dim(0))
        throw std::invalid_argument("--" + which + " " + std::to_string(n) + " is more than the " +
                                    std::to_string(split.x.dim(0)) + " images there are");
    std::string bytes;
    for (std::size_t j = 0; j < 784u * static_cast<std::size_t>(n); ++j)
        bytes += static_cast<char>(std::lround(split.x.data[j] * 255.0f));  // back to the IDX byte
    for (int k = 0; k < n; ++k) bytes += static_cast<char>(split.labels[static_cast<std::size_t>(k)]);
    return bytes;
}

nn::Tensor first_images(const nn::Tensor& x, int n) {
    std::vector<std::size_t> index(static_cast<std::size_t>(n));
    for (int k = 0; k < n; ++k) index[static_cast<std::size_t>(k)] = static_cast<std::size_t>(k);
    return nn::gather_samples(x, index, 0, index.size());
}

std::string json_rows(const nn::Tensor& y) {
    std::ostringstream out;
    out << std::setprecision(9) << "[";
    for (int i = 0; i < y.dim(0); ++i) {
        out << (i ? ",\n  [" : "\n  [");
        for (int j = 0; j < y.dim(1); ++j) out << (j ? "," : "") << y.data[static_cast<std::size_t>(i * y.dim(1) + j)];
        out << "]";
    }
    return out.str() + "]";
}

int subset(const Flags& flags) {
    const int n_train = count_flag(flags, "train", 50000), n_test = count_flag(flags, "test", 10000);
    const tools::io::Mnist mnist = tools::io::load_mnist(flags.at("data"));
    const std::string bytes = split_bytes(mnist.train, n_train, "train") + split_bytes(mnist.test, n_test, "test");
    tools::io::write_file_atomic(flags.at("out"), bytes);
    return 0;
}

int native(const Flags& flags) {
    const int count = count_flag(flags, "count", 10000);
    keras::Sequential model = keras::lenet5(keras::Input({28, 28, 1}));
    model.load_weights(flags.at("weights"));
    const tools::io::Mnist mnist = tools::io::load_mnist(flags.at("data"));
    const nn::Tensor x = first_images(mnist.test.x, count);
    model.set_threads(1);
    const nn::Tensor fast = model.predict(x);
    model.set_passes(nn::Passes::reference);
    const nn::Tensor reference = model.predict(x);
    std::ostringstream labels;
    for (int k = 0; k < x.dim(0); ++k) labels << (k ? "," : "") << int(mnist.test.labels[static_cast<std::size_t>(k)]);
    tools::io::write_file_atomic(flags.at("out"), "{\"labels\": [" + labels.str() + "],\n\"fast\": " +
                                                      json_rows(fast) + ",\n\"reference\": " + json_rows(reference) +
                                                      "}\n");
    return 0;
}

int speed(const Flags& flags) {
    const int n = count_flag(flags, "train", 50000);
    const tools::io::Mnist mnist = tools::io::load_mnist(flags.at("data"));
    const nn::Tensor x = first_images(mnist.train.x, n);
    const nn::Tensor y = tools::io::one_hot({mnist.train.labels.begin(), mnist.train.labels.begin() + n});
    keras::Sequential model = keras::lenet5(keras::Input({28, 28, 1}));
    model.set_threads(1);
    const auto start = std::chrono::steady_clock::now();
    model.fit(x, y, 32, 1, 0);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << "native, 1 thread, fast passes: " << std::lround(n / seconds) << " training images/s\n";
    return 0;
}

// Replaces the one occurrence of @p marker in @p page.
void replace_marker(std::string& page, const std::string& marker, const std::string& text) {
    const std::size_t at = page.find(marker);
    if (at == std::string::npos || page.find(marker, at + 1) != std::string::npos)
        throw std::invalid_argument("the template must hold " + marker + " exactly once");
    page.replace(at, marker.size(), text);
}

int page(const Flags& flags) {
    std::string page = read_file(flags.at("template"));
    const std::string wasm = read_file(flags.at("wasm")), script = read_file(flags.at("script"));
    for (const auto* js : {&wasm, &script})
        if (js->find("</script") != std::string::npos)
            throw std::invalid_argument("a script holds '</script', which would end its element in the page");
    // The style first: the scripts could contain a marker's text, the style cannot.
    replace_marker(page, "@LAB_STYLE@", read_file(flags.at("style")));
    replace_marker(page, "@LAB_WEIGHTS@", base64(read_file(flags.at("weights"))));
    replace_marker(page, "@LAB_SUBSET@", base64(read_file(flags.at("subset"))));
    replace_marker(page, "@LAB_TRAIN@", std::to_string(count_flag(flags, "train", 50000)));
    replace_marker(page, "@LAB_TEST@", std::to_string(count_flag(flags, "test", 10000)));
    // One replacement each, then no further search: the scripts go in last.
    const std::size_t at_wasm = page.find("@LAB_WASM@");
    if (at_wasm == std::string::npos) throw std::invalid_argument("the template must hold @LAB_WASM@");
    page.replace(at_wasm, 10, wasm);
    const std::size_t at_script = page.find("@LAB_SCRIPT@", at_wasm + wasm.size());
    if (at_script == std::string::npos) throw std::invalid_argument("the template must hold @LAB_SCRIPT@ after @LAB_WASM@");
    page.replace(at_script, 12, script);
    tools::io::write_file_atomic(flags.at("out"), page);
    return 0;
}

const char* kUsage =
    "usage: lab-pack subset --data DIR --train N --test N --out FILE\n"
    "       lab-pack native --data DIR --weights FILE --count N --out FILE.json\n"
    "       lab-pack speed  --data DIR --train N\n"
    "       lab-pack page   --template HTML --style CSS --script JS --wasm JS --weights FILE\n"
    "                       --subset FILE.gz --train N --test N --out HTML\n";

}  // namespace

int main(int argc, char** argv) {
#if defined(__GLIBC__)
    // As tools/main.cpp does, so that `speed` measures what `plaincnn train` runs at.
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_MMAP_MAX, 0);
#endif
    try {
        const std::string action = argc > 1 ? argv[1] : "";
        if (action == "subset") return subset(parse_flags(argc, argv, {"data", "train", "test", "out"}));
        if (action == "native") return native(parse_flags(argc, argv, {"data", "weights", "count", "out"}));
        if (action == "speed") return speed(parse_flags(argc, argv, {"data", "train"}));
        if (action == "page")
            return page(parse_flags(argc, argv,
                                    {"template", "style", "script", "wasm", "weights", "subset", "train", "test", "out"}));
        std::cerr << kUsage;
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "lab-pack: " << e.what() << "\n";
        return 2;
    }
}
