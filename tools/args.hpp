// A small command-line flag parser for the plaincnn subcommands.
//
// Each subcommand lists the flags it accepts; Flags parses the arguments
// against that list and hands out typed values. A flag's value follows it
// ("--stride 2,2") or an '=' ("--stride=2,2"). Every error is a
// std::invalid_argument whose one-line message names the flag and the bad
// value, e.g.  --stride: expected SH,SW with positive integers, got '0,1'
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "tools/commands.hpp"

namespace tools {

/// One flag a subcommand accepts.
struct Flag {
    std::string name;         ///< the name without the leading dashes, e.g. "stride"
    std::string value;        ///< how the value looks in help and messages, e.g. "SH,SW"; empty for a switch that takes no value
    std::string help;         ///< one line for --help, including the default if there is one
    bool required = false;    ///< parsing fails when a required flag is absent (unless --help is given)
};

/// The help text of a subcommand: the usage line(s), then one line per flag.
/// @param usage  e.g. "usage: plaincnn train [options]"
/// @param flags  the flags the subcommand accepts
/// @return the text, ending in '\n'
std::string format_help(const std::string& usage, const std::vector<Flag>& flags);

/// A subcommand's arguments, parsed against the flags it accepts.
class Flags {
public:
    /// Parses @p args. If "--help" or "-h" is among them, help() is true and
    /// nothing else is checked, so help always works.
    /// @param args   the arguments after the subcommand's name
    /// @param known  the flags the subcommand accepts
    /// @throws std::invalid_argument for an unknown flag (naming it and the
    ///         known ones), a stray argument that is not a flag, a flag given
    ///         twice, a missing or empty value, a value given to a switch, or
    ///         a required flag that is absent.
    Flags(const Args& args, std::vector<Flag> known);

    /// @return whether --help or -h was given
    bool help() const { return help_; }

    /// Whether flag @p name was given. Throws std::logic_error if the
    /// subcommand never declared the flag (a bug in the caller).
    /// @param name the flag's name without the dashes
    /// @return true if the flag was on the command line
    bool has(const std::string& name) const;

    /// The value of a flag that must be present (declared required, or checked with has()).
    /// @param name the flag's name without the dashes
    /// @return the value as given
    /// @throws std::invalid_argument if the flag was not given.
    std::string text(const std::string& name) const;

    /// The value of flag @p name, or @p fallback if it was not given.
    /// @param name     the flag's name without the dashes
    /// @param fallback the default value
    /// @return the value as given, or @p fallback
    std::string text(const std::string& name, const std::string& fallback) const;

    /// An integer in [@p min, @p max], or @p fallback if the flag was not given.
    /// @param name     the flag's name without the dashes
    /// @param fallback the default value (not checked against the range)
    /// @param min      the smallest value accepted
    /// @param max      the largest value accepted
    /// @return the value, or @p fallback
    /// @throws std::invalid_argument naming the flag and the value if it is
    ///         not a decimal integer or lies outside the range.
    int integer(const std::string& name, int fallback, int min, int max) const;

    /// A non-negative integer up to 2^64 - 1 (a seed), or @p fallback.
    /// @param name     the flag's name without the dashes
    /// @param fallback the default value
    /// @return the value, or @p fallback
    /// @throws std::invalid_argument naming the flag and the value otherwise.
    unsigned long long unsigned_integer(const std::string& name, unsigned long long fallback) const;

    /// Two positive integers "A,B" (a kernel or a stride) of a flag that must be present.
    /// @param name the flag's name without the dashes
    /// @return {A, B}, e.g. {sh, sw} for --stride
    /// @throws std::invalid_argument naming the flag and the value, e.g.
    ///         "--stride: expected SH,SW with positive integers, got '0,1'".
    std::pair<int, int> positive_pair(const std::string& name) const;

    /// Two positive integers "A,B", or @p fallback if the flag was not given.
    /// @param name     the flag's name without the dashes
    /// @param fallback the default pair
    /// @return {A, B}, or @p fallback
    /// @throws std::invalid_argument as positive_pair(name).
    std::pair<int, int> positive_pair(const std::string& name, std::pair<int, int> fallback) const;

    /// One of @p options, or @p fallback if the flag was not given.
    /// @param name     the flag's name without the dashes
    /// @param options  the values accepted, e.g. {"tf1", "keras"}
    /// @param fallback the default value
    /// @return the value, or @p fallback
    /// @throws std::invalid_argument naming the flag, the options and the value otherwise.
    std::string choice(const std::string& name, const std::vector<std::string>& options,
                       const std::string& fallback) const;

private:
    const Flag& spec(const std::string& name) const;
    [[noreturn]] void bad_value(const std::string& name, const std::string& expected) const;

    std::vector<Flag> known_;
    std::vector<std::pair<std::string, std::string>> given_;  // (name, value) in command-line order
    bool help_ = false;
};

}  // namespace tools
