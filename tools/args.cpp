// Flag parsing for the plaincnn subcommands: "--name value" or
// "--name=value", checked against the subcommand's list of flags, with typed
// getters whose errors name the flag and the bad value.
#include "tools/args.hpp"

#include "nn/errors.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace tools {

namespace {

bool is_help(const std::string& a) { return a == "--help" || a == "-h"; }

bool looks_like_flag(const std::string& a) { return a.size() > 2 && a.compare(0, 2, "--") == 0; }

// Parses an optionally signed decimal integer; false if the text is anything
// else or does not fit in a long long.
bool parse_long(const std::string& s, long long& v) {
    std::size_t k = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
    if (s.size() == k || s.find_first_not_of("0123456789", k) != std::string::npos) return false;
    unsigned long long mag = 0;
    for (std::size_t j = k; j < s.size(); ++j) {
        mag = mag * 10 + static_cast<unsigned long long>(s[j] - '0');
        if (mag > static_cast<unsigned long long>(std::numeric_limits<long long>::max())) return false;
    }
    v = s[0] == '-' ? -static_cast<long long>(mag) : static_cast<long long>(mag);
    return true;
}

}  // namespace

std::string format_help(const std::string& usage, const std::vector<Flag>& flags) {
    std::vector<std::pair<std::string, std::string>> rows;  // "--name VALUE", description
    for (const Flag& f : flags)
        rows.emplace_back("--" + f.name + (f.value.empty() ? "" : " " + f.value),
                          f.help + (f.required ? " (required)" : ""));
    rows.emplace_back("--help", "print this text and exit");
    std::size_t width = 0;
    for (const auto& row : rows) width = std::max(width, row.first.size());
    std::string text = usage + "\n\nflags:\n";
    for (const auto& row : rows) text += "  " + row.first + std::string(width - row.first.size() + 2, ' ') + row.second + "\n";
    return text;
}

Flags::Flags(const Args& args, std::vector<Flag> known) : known_(std::move(known)) {
    help_ = std::any_of(args.begin(), args.end(), is_help);
    if (help_) return;  // help must work even next to a mistake
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (!looks_like_flag(a)) throw std::invalid_argument("unexpected argument '" + nn::excerpt(a) + "' (flags start with --)");
        std::size_t eq = a.find('=');
        std::string name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
        auto f = std::find_if(known_.begin(), known_.end(), [&](const Flag& k) { return k.name == name; });
        if (f == known_.end()) {
            std::string names;
            for (const Flag& k : known_) names += (names.empty() ? "--" : ", --") + k.name;
            throw std::invalid_argument("unknown flag '--" + nn::excerpt(name) + "' (known: " + (names.empty() ? "none" : names) +
                                        ", --help)");
        }
        if (has(name)) throw std::invalid_argument("--" + name + " is given twice");
        std::string value;
        if (f->value.empty()) {
            if (eq != std::string::npos) throw std::invalid_argument("--" + name + " takes no value");
        } else if (eq != std::string::npos) {
            value = a.substr(eq + 1);
        } else if (i + 1 < args.size() && !looks_like_flag(args[i + 1])) {
            value = args[++i];
        }
        if (!f->value.empty() && value.empty())
            throw std::invalid_argument("--" + name + ": missing value (expected " + f->value + ")");
        given_.emplace_back(name, value);
    }
    for (const Flag& f : known_)
        if (f.required && !has(f.name))
            throw std::invalid_argument("missing required flag --" + f.name + (f.value.empty() ? "" : " " + f.value));
}

const Flag& Flags::spec(const std::string& name) const {
    for (const Flag& f : known_)
        if (f.name == name) return f;
    throw std::logic_error("Flags: the flag --" + name + " was never declared");
}

void Flags::bad_value(const std::string& name, const std::string& expected) const {
    throw std::invalid_argument("--" + name + ": expected " + expected + ", got '" + nn::excerpt(text(name)) + "'");
}

bool Flags::has(const std::string& name) const {
    spec(name);  // asking for an undeclared flag is a bug in the caller
    return std::any_of(given_.begin(), given_.end(), [&](const auto& g) { return g.first == name; });
}

std::string Flags::text(const std::string& name) const {
    const Flag& f = spec(name);
    for (const auto& g : given_)
        if (g.first == name) return g.second;
    throw std::invalid_argument("missing required flag --" + name + (f.value.empty() ? "" : " " + f.value));
}

std::string Flags::text(const std::string& name, const std::string& fallback) const {
    return has(name) ? text(name) : fallback;
}

int Flags::integer(const std::string& name, int fallback, int min, int max) const {
    if (!has(name)) return fallback;
    long long v = 0;
    if (!parse_long(text(name), v) || v < min || v > max) {
        std::string range = max == std::numeric_limits<int>::max()
                                ? ">= " + std::to_string(min)
                                : "in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
        bad_value(name, "an integer " + range);
    }
    return static_cast<int>(v);
}

unsigned long long Flags::unsigned_integer(const std::string& name, unsigned long long fallback) const {
    if (!has(name)) return fallback;
    const std::string s = text(name);
    unsigned long long v = 0;
    const unsigned long long top = std::numeric_limits<unsigned long long>::max();
    bool ok = s.find_first_not_of("0123456789") == std::string::npos;
    for (char c : s) {
        unsigned digit = static_cast<unsigned>(c - '0');
        if (!ok || v > (top - digit) / 10) {
            ok = false;
            break;
        }
        v = v * 10 + digit;
    }
    if (!ok) bad_value(name, "a non-negative integer below 2^64");
    return v;
}

std::pair<int, int> Flags::positive_pair(const std::string& name) const {
    const std::string s = text(name);
    const std::size_t comma = s.find(',');
    long long a = 0, b = 0;
    if (comma == std::string::npos || !parse_long(s.substr(0, comma), a) || !parse_long(s.substr(comma + 1), b) ||
        a < 1 || b < 1 || a > std::numeric_limits<int>::max() || b > std::numeric_limits<int>::max())
        bad_value(name, spec(name).value + " with positive integers");
    return {static_cast<int>(a), static_cast<int>(b)};
}

std::pair<int, int> Flags::positive_pair(const std::string& name, std::pair<int, int> fallback) const {
    return has(name) ? positive_pair(name) : fallback;
}

std::string Flags::choice(const std::string& name, const std::vector<std::string>& options,
                          const std::string& fallback) const {
    if (!has(name)) return fallback;
    const std::string s = text(name);
    if (std::find(options.begin(), options.end(), s) != options.end()) return s;
    std::string list;
    for (std::size_t k = 0; k < options.size(); ++k)
        list += (k == 0 ? "" : k + 1 == options.size() ? " or " : ", ") + options[k];
    bad_value(name, list);
}

}  // namespace tools
