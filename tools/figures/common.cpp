// What every figure shares: the data (an MNIST subset, or synthetic images
// in --quick mode), atomic output files, the YAML numbers file and the cache
// of experiment results.
//
// Cache file: <cache>/<experiment>-<FNV-1a 64 of the key, hex>.txt, where the
// key is the parameter string followed by " code=<code version>"
//   line 1:   params <the key>                    (checked, so a hash collision is a miss)
//   then:     <name> <value> <value> ...           (doubles printed with 17 digits: exact round trip)
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "nn/batch.hpp"
#include "nn/rng.hpp"
#include "tools/figures/figures.hpp"
#include "tools/io/atomic_file.hpp"
#include "tools/io/idx.hpp"
#include "tools/io/svg.hpp"

namespace tools::figures {

namespace {

// FNV-1a, 64 bits: a stable hash for file names (std::hash is not stable
// across builds). @p h continues a hash over earlier bytes.
std::uint64_t fnv1a(const char* bytes, std::size_t n, std::uint64_t h = 14695981039346656037ull) {
    for (std::size_t k = 0; k < n; ++k) {
        h ^= static_cast<std::uint8_t>(bytes[k]);
        h *= 1099511628211ull;
    }
    return h;
}

std::uint64_t fnv1a(const std::string& text) { return fnv1a(text.data(), text.size()); }

std::string hex16(std::uint64_t value) {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(value));
    return hex;
}

// What identifies a cached result: its parameters and the build that computed it.
std::string cache_key(const FigureOptions& options, const std::string& params) {
    return options.code_version.empty() ? params : params + " code=" + options.code_version;
}

std::string cache_path(const FigureOptions& options, const std::string& experiment, const std::string& key) {
    return options.cache + "/" + experiment + "-" + hex16(fnv1a(key)) + ".txt";
}

// Ten classes of 28x28 images: class c is a bright bar across rows 4 + 2c and
// 5 + 2c (shifted up or down by one row at random) over uniform noise. Easy to
// learn, and enough to exercise every layer.
Dataset synthetic(int n_train, int n_val) {
    nn::Rng rng(20121203);
    auto make = [&rng](int n, nn::Tensor& x, nn::Tensor& y) {
        x = nn::Tensor({n, 28, 28, 1});
        std::vector<int> labels(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) {
            int c = static_cast<int>(rng.below(10));
            labels[static_cast<std::size_t>(i)] = c;
            int top = 4 + 2 * c + static_cast<int>(rng.below(3)) - 1;
            for (int h = 0; h < 28; ++h) {
                for (int w = 0; w < 28; ++w) {
                    bool bar = (h == top || h == top + 1) && w >= 4 && w < 24;
                    x.at(i, h, w, 0) = static_cast<float>(bar ? 0.8 + 0.2 * rng.uniform() : 0.3 * rng.uniform());
                }
            }
        }
        y = nn::one_hot(labels, 10);
    };
    Dataset d;
    make(n_train, d.x_train, d.y_train);
    make(n_val, d.x_val, d.y_val);
    return d;
}

// The first n samples of a split.
void take(const io::Split& split, int n, nn::Tensor& x, nn::Tensor& y, const std::string& what) {
    int have = split.x.dim(0);
    if (n > have) {
        throw std::runtime_error("figures: asked for " + std::to_string(n) + " " + what + " images but only " +
                                 std::to_string(have) + " are there");
    }
    std::size_t per = split.x.size() / static_cast<std::size_t>(have);
    x = nn::Tensor({n, split.x.dim(1), split.x.dim(2), split.x.dim(3)},
                   std::vector<float>(split.x.data.begin(), split.x.data.begin() + static_cast<std::ptrdiff_t>(per * n)));
    std::vector<int> labels(split.labels.begin(), split.labels.begin() + n);
    y = nn::one_hot(labels, 10);
}

}  // namespace

std::string dataset_id(const FigureOptions& options, int n_train, int n_val) {
    std::string source = options.quick ? "synthetic" : "mnist:" + options.data;
    return source + " train=" + std::to_string(n_train) + " val=" + std::to_string(n_val);
}

Dataset load_dataset(const FigureOptions& options, int n_train, int n_val) {
    if (options.quick) return synthetic(n_train, n_val);
    io::Mnist mnist = io::load_mnist(options.data);
    Dataset d;
    take(mnist.train, n_train, d.x_train, d.y_train, "training");
    take(mnist.validation, n_val, d.x_val, d.y_val, "validation");
    return d;
}

void write_output(const std::string& path, const std::string& text) {
    std::filesystem::path parent = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) throw std::runtime_error(path + ": cannot create folder " + parent.string() + ": " + ec.message());
    io::write_file_atomic(path, text);
}

void write_numbers(const FigureOptions& options, const std::string& name, const Numbers& numbers) {
    std::string yaml = "# Written by `plaincnn figures " + name + "`; read by pandoc as metadata.\n";
    for (const auto& [key, text] : numbers) {
        std::string quoted;
        for (char c : text) quoted += c == '\'' ? std::string("''") : std::string(1, c);
        yaml += key + ": '" + quoted + "'\n";
    }
    write_output(options.out + "/numbers/" + name + ".yaml", yaml);
}

void write_svg(const FigureOptions& options, const std::string& name, const std::string& svg) {
    std::string path = options.out + "/figures/" + name + ".svg";
    io::check_svg(svg, path);
    write_output(path, svg);
}

std::string this_build() {
    static const std::string fingerprint = [] {
        std::ifstream in("/proc/self/exe", std::ios::binary);
        if (!in) return std::string("unknown");
        std::vector<char> buffer(1 << 16);
        std::uint64_t h = fnv1a(nullptr, 0);
        do {
            in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
            h = fnv1a(buffer.data(), static_cast<std::size_t>(in.gcount()), h);
        } while (in);
        return hex16(h);
    }();
    return fingerprint;
}

bool read_cache(const FigureOptions& options, const std::string& experiment, const std::string& params,
                Record& record) {
    const std::string key = cache_key(options, params);
    std::string path = cache_path(options, experiment, key);
    std::ifstream in(path);
    if (!in) return false;
    std::string line;
    if (!std::getline(in, line) || line != "params " + key) return false;
    Record found;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string name;
        if (!(fields >> name)) continue;
        std::vector<double>& values = found[name];
        std::string token;
        while (fields >> token) {
            char* end = nullptr;
            double v = std::strtod(token.c_str(), &end);
            if (end == token.c_str() || *end != '\0') {
                if (options.verbose) std::cerr << "figures: ignoring damaged cache file " << path << "\n";
                return false;
            }
            values.push_back(v);
        }
    }
    record = std::move(found);
    return true;
}

void write_cache(const FigureOptions& options, const std::string& experiment, const std::string& params,
                 const Record& record) {
    const std::string key = cache_key(options, params);
    std::string text = "params " + key + "\n";
    char buffer[40];
    for (const auto& [name, values] : record) {
        text += name;
        for (double v : values) {
            std::snprintf(buffer, sizeof buffer, " %.17g", v);
            text += buffer;
        }
        text += "\n";
    }
    write_output(cache_path(options, experiment, key), text);
}

std::string grouped(long long value) {
    std::string digits = std::to_string(value < 0 ? -value : value);
    std::string out;
    for (std::size_t k = 0; k < digits.size(); ++k) {
        if (k > 0 && (digits.size() - k) % 3 == 0) out += ',';
        out += digits[k];
    }
    return value < 0 ? "-" + out : out;
}

}  // namespace tools::figures
