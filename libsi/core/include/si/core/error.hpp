#pragma once
/// \file error.hpp
/// The si::Error family. Thrown at construction, validation and I/O time only, never from
/// process() kernels. The command line maps ConfigError/IoError to exit code 2 and anything
/// else to exit code 1.
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace si {

/// Base of every error the library throws on purpose.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A configuration value breaks a rule. The message names the key path, the rule and the value,
/// e.g. "rx.ctle.fp1: must be > 0 (got -1)". When the value came from a file, the loader prefixes
/// "file:line:column: ".
class ConfigError : public Error {
public:
    ConfigError(std::string key, const std::string& what)
        : Error(key.empty() ? what : key + ": " + what), key_(std::move(key)) {}
    [[nodiscard]] const std::string& key() const noexcept { return key_; }

private:
    std::string key_;
};

/// Reading or writing a file failed. The message names the file and, when known, the line:
/// "chan.s4p:1234: frequency point 57 has 30 values, expected 32".
class IoError : public Error {
public:
    IoError(std::string file, long line, const std::string& what)
        : Error(format(file, line, what)), file_(std::move(file)), line_(line) {}
    [[nodiscard]] const std::string& file() const noexcept { return file_; }
    /// 1-based line number, or 0 when the error is not tied to a line.
    [[nodiscard]] long line() const noexcept { return line_; }

private:
    static std::string format(const std::string& file, long line, const std::string& what) {
        std::ostringstream os;
        os << file;
        if (line > 0) os << ":" << line;
        os << ": " << what;
        return os.str();
    }
    std::string file_;
    long line_;
};

/// A model cannot be built from otherwise well-formed input (e.g. a channel whose data do not
/// reach the frequency the simulation needs).
class ModelError : public Error {
public:
    using Error::Error;
};

namespace detail {
inline void append(std::ostringstream&) {}
template <class T, class... R>
void append(std::ostringstream& os, const T& t, const R&... r) {
    os << t;
    append(os, r...);
}
}  // namespace detail

/// Concatenates anything streamable into a string: si::str("got ", x, " Hz").
template <class... A>
std::string str(const A&... a) {
    std::ostringstream os;
    os.precision(10);
    detail::append(os, a...);
    return os.str();
}

/// Throws ConfigError(key, rule + " (got value)") unless cond holds.
template <class V>
void require(bool cond, const std::string& key, const std::string& rule, const V& value) {
    if (!cond) throw ConfigError(key, str(rule, " (got ", value, ")"));
}

}  // namespace si

#ifndef NDEBUG
#include <cassert>
#define SI_ASSERT(x) assert(x)
#else
#define SI_ASSERT(x) ((void)0)
#endif
