// The bench's table: one Row per case, printed as soon as the case is
// measured (so a long run shows its progress), and every row again as JSON at
// the end for --json. The Bench also carries the run's settings, which every
// case reads.
#pragma once

#include <iostream>
#include <string>
#include <vector>

namespace tools::bench {

/// One line of the table: a timed case or, for machine rows, a measured quantity.
struct Row {
    std::string group;           ///< machine, course, lenet, epoch, scaling
    std::string name;            ///< what ran
    int threads = 1;             ///< threads it ran on
    double seconds = 0.0;        ///< median per call
    int runs = 0;                ///< runs the median is taken over
    double flop = 0.0;           ///< per call; 0 when not meaningful
    double reference = 0.0;      ///< the reference passes' median per call; 0 when not run
    std::string reference_note;  ///< how the reference time was obtained, if not measured the same way
    double torch = 0.0;          ///< PyTorch's time from the issue; 0 when none
    double value = 0.0;          ///< for machine rows: the measured quantity
    std::string unit;            ///< for machine rows: its unit
    std::string note;            ///< anything else worth printing with the row
    double floor = 0.0;          ///< seconds the FLOP would take at the FMA peak (the arithmetic floor); 0 when none
};

/// A timed row.
/// @param group          the case's group
/// @param name           what ran
/// @param threads        threads it ran on
/// @param seconds        median per call
/// @param runs           runs the median is taken over
/// @param flop           FLOP per call; 0 when not meaningful
/// @param reference      the reference passes' median per call; 0 when not run
/// @param reference_note how the reference time was obtained, if not measured the same way
/// @param torch          PyTorch's time from the issue; 0 when none
/// @return the row
Row timed(const std::string& group, const std::string& name, int threads, double seconds, int runs, double flop,
          double reference, const std::string& reference_note, double torch);

/// A row that reports a measured quantity instead of a time.
/// @param group   the case's group
/// @param name    what was measured
/// @param threads threads it ran on
/// @param value   the measured quantity
/// @param unit    its unit, printed after it
/// @return the row
Row measured(const std::string& group, const std::string& name, int threads, double value, const std::string& unit);

/// The run's settings, the machine's FMA peaks and the rows so far.
struct Bench {
    std::vector<int> thread_counts;   ///< 1 and the chosen count
    int runs = 5;                     ///< runs per pass case
    int epoch_runs = 7;               ///< rounds of epochs: on a shared VM a 2-thread epoch varies by 20-40% from run to run
    std::vector<std::string> groups;  ///< the groups to run; empty for all
    std::vector<Row> rows;            ///< every row added, in order
    double peak[257] = {};            ///< FMA GFLOP/s by thread count
    std::ostream* out = &std::cout;   ///< where rows are printed

    /// @param group a group's name
    /// @return whether this run includes @p group
    bool wants(const std::string& group) const;
    /// Prints @p row and keeps it for the JSON.
    /// @param row a measured case
    void add(Row row);
    /// @param threads a thread count
    /// @return the FMA peak measured with @p threads threads, 0 if none was
    double peak_for(int threads) const;
    /// Prints @p r as one line under print_header's columns.
    /// @param r the row
    void print(const Row& r) const;
};

/// Prints the column headings that Bench::print lines its rows up under.
/// @param o where to print
void print_header(std::ostream& o);

/// A ratio as a signed percentage with one decimal: 1.072 → "+7.2%", 0.95 → "-5.0%".
/// @param ratio a time over a reference time
/// @return the text
std::string percent_over(double ratio);

/// What bounds an epoch's speed-up on more threads (Amdahl's law), from one
/// epoch on 1 thread and one on n threads, each with its ThreadPool's loop
/// times: the serial part is the 1-thread epoch's time outside the pool's
/// loops, plus the loops the n-thread pool ran on the caller alone (too small
/// to share, which take about as long on 1 thread; on a busy machine also
/// those run alone after a stall, which makes the part look larger).
struct SerialPart {
    double share = 0.0;          ///< serial part over the 1-thread epoch
    double outside_share = 0.0;  ///< of which outside the loops
    double bound = 0.0;          ///< the 1-thread epoch over (serial + the rest / n)
    double loops_speedup = 0.0;  ///< how much faster the shared loops ran on n threads
};
/// @param t1       seconds of the 1-thread epoch
/// @param loops1   seconds it spent in the pool's loops
/// @param shared_n seconds the n-thread epoch spent in loops shared with other threads
/// @param alone_n  seconds it spent in loops the caller ran alone
/// @param n        the thread count
/// @return the parts; all 0 when the times are not positive
SerialPart serial_part(double t1, double loops1, double shared_n, double alone_n, int n);

/// The run as a JSON document: the FMA peaks and every row (what --json writes).
/// @param b a finished run
/// @return the document
std::string to_json(const Bench& b);

}  // namespace tools::bench
