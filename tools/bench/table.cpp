// The bench's table and its JSON. The table rounds for reading: times in s,
// ms (two decimals) or us (one), ratios as "27x", "1.9x" or "0.45x". The JSON
// gives every figure to six significant digits, for scripts.
#include "tools/bench/table.hpp"

#include <algorithm>
#include <iomanip>
#include <sstream>
#include <utility>

namespace tools::bench {

namespace {

std::string format_time(double s) {
    std::ostringstream o;
    o << std::fixed;
    if (s >= 1.0)
        o << std::setprecision(2) << s << " s";
    else if (s >= 1e-3)
        o << std::setprecision(2) << s * 1e3 << " ms";
    else
        o << std::setprecision(1) << s * 1e6 << " us";
    return o.str();
}

std::string format_ratio(double r) {
    std::ostringstream o;
    o << std::fixed << std::setprecision(r >= 10 ? 0 : r >= 1 ? 1 : 2) << r << "x";
    return o.str();
}

std::string json_escape(const std::string& s) {
    std::string e;
    for (char c : s) {
        if (c == '"' || c == '\\') e += '\\';
        e += c;
    }
    return e;
}

}  // namespace

std::string percent_over(double ratio) {
    std::ostringstream o;
    o << std::fixed << std::setprecision(1) << std::showpos << 100.0 * (ratio - 1.0) << "%";
    return o.str();
}

SerialPart serial_part(double t1, double loops1, double shared_n, double alone_n, int n) {
    SerialPart p;
    if (t1 <= 0 || shared_n <= 0 || n < 1) return p;
    const double outside = std::max(0.0, t1 - loops1);
    const double serial = std::min(t1, outside + alone_n);
    p.share = serial / t1;
    p.outside_share = outside / t1;
    p.bound = t1 / (serial + (t1 - serial) / n);
    p.loops_speedup = (t1 - serial) / shared_n;
    return p;
}

Row timed(const std::string& group, const std::string& name, int threads, double seconds, int runs, double flop,
          double reference, const std::string& reference_note, double torch) {
    Row r;
    r.group = group;
    r.name = name;
    r.threads = threads;
    r.seconds = seconds;
    r.runs = runs;
    r.flop = flop;
    r.reference = reference;
    r.reference_note = reference_note;
    r.torch = torch;
    return r;
}

Row measured(const std::string& group, const std::string& name, int threads, double value, const std::string& unit) {
    Row r;
    r.group = group;
    r.name = name;
    r.threads = threads;
    r.value = value;
    r.unit = unit;
    return r;
}

bool Bench::wants(const std::string& group) const {
    return groups.empty() || std::find(groups.begin(), groups.end(), group) != groups.end();
}

void Bench::add(Row row) {
    print(row);
    rows.push_back(std::move(row));
}

double Bench::peak_for(int threads) const { return threads > 0 && threads <= 256 ? peak[threads] : 0.0; }

void print_header(std::ostream& o) {
    o << std::left << std::setw(8) << "group" << std::setw(62) << "case" << std::right << std::setw(3) << "thr"
      << std::setw(11) << "median" << std::setw(9) << "GFLOP/s" << std::setw(8) << "peak" << std::setw(10)
      << "vs ref" << std::setw(10) << "vs torch" << "\n";
}

void Bench::print(const Row& r) const {
    std::ostream& o = *out;
    o << std::left << std::setw(8) << r.group << std::setw(62) << r.name << std::right << std::setw(3) << r.threads;
    if (!r.unit.empty()) {
        std::ostringstream v;
        v << std::fixed << std::setprecision(r.unit == "x" ? 2 : 1) << r.value << " " << r.unit;  // 1.68x is not 1.7x
        o << "  " << v.str() << (r.note.empty() ? "" : "  " + r.note) << "\n";
        return;
    }
    o << std::setw(11) << format_time(r.seconds);
    std::ostringstream gf, pk;
    if (r.flop > 0) {
        const double gflops = r.flop / r.seconds / 1e9;
        gf << std::fixed << std::setprecision(1) << gflops;
        if (peak_for(r.threads) > 0) pk << std::fixed << std::setprecision(1) << 100.0 * gflops / peak_for(r.threads) << "%";
    }
    o << std::setw(9) << gf.str() << std::setw(8) << pk.str();
    o << std::setw(10) << (r.reference > 0 ? format_ratio(r.reference / r.seconds) : "");
    o << std::setw(10) << (r.torch > 0 ? format_ratio(r.torch / r.seconds) : "");
    if (r.reference > 0) o << "  ref " << format_time(r.reference) << (r.reference_note.empty() ? "" : " " + r.reference_note);
    if (r.torch > 0) o << "  PyTorch " << format_time(r.torch);
    if (r.floor > 0) o << "  " << format_ratio(r.seconds / r.floor) << " the floor " << format_time(r.floor);
    if (!r.note.empty()) o << "  " << r.note;
    o << "\n" << std::flush;
}

std::string to_json(const Bench& b) {
    std::ostringstream o;
    o << std::setprecision(6);
    o << "{\n  \"fma_peak_gflops\": {";
    bool first = true;
    for (int t : b.thread_counts) {
        o << (first ? "" : ", ") << "\"" << t << "\": " << b.peak_for(t);
        first = false;
    }
    o << "},\n  \"cases\": [\n";
    for (std::size_t k = 0; k < b.rows.size(); ++k) {
        const Row& r = b.rows[k];
        o << "    {\"group\": \"" << json_escape(r.group) << "\", \"case\": \"" << json_escape(r.name)
          << "\", \"threads\": " << r.threads;
        if (!r.unit.empty()) {
            o << ", \"value\": " << r.value << ", \"unit\": \"" << json_escape(r.unit) << "\"";
        } else {
            o << ", \"median_s\": " << r.seconds << ", \"runs\": " << r.runs;
            if (r.flop > 0) {
                const double gflops = r.flop / r.seconds / 1e9;
                o << ", \"gflop\": " << r.flop / 1e9 << ", \"gflops\": " << gflops;
                if (b.peak_for(r.threads) > 0) o << ", \"peak_fraction\": " << gflops / b.peak_for(r.threads);
            }
            if (r.reference > 0)
                o << ", \"reference_s\": " << r.reference << ", \"speedup_vs_reference\": " << r.reference / r.seconds
                  << (r.reference_note.empty() ? "" : ", \"reference_note\": \"" + json_escape(r.reference_note) + "\"");
            if (r.torch > 0) o << ", \"pytorch_s\": " << r.torch << ", \"speedup_vs_pytorch\": " << r.torch / r.seconds;
            if (r.floor > 0) o << ", \"floor_s\": " << r.floor << ", \"over_floor\": " << r.seconds / r.floor;
        }
        if (!r.note.empty()) o << ", \"note\": \"" << json_escape(r.note) << "\"";
        o << "}" << (k + 1 < b.rows.size() ? "," : "") << "\n";
    }
    o << "  ]\n}\n";
    return o.str();
}

}  // namespace tools::bench
