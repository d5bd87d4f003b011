#include "si/core/units.hpp"

#include <cctype>
#include <charconv>
#include <stdexcept>
#include <string>

namespace si {

double q_inverse(double p) {
    if (!(p > 0.0 && p < 1.0)) throw std::invalid_argument("q_inverse: p must be in (0,1)");
    if (p > 0.5) return -q_inverse(1.0 - p);
    // Initial guess from the Abramowitz-Stegun 26.2.23 rational form, then Newton on Q.
    const double t = std::sqrt(-2.0 * std::log(p));
    double x = t - (2.515517 + 0.802853 * t + 0.010328 * t * t) /
                       (1.0 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t);
    for (int i = 0; i < 6; ++i) {
        const double f = q_function(x) - p;
        const double d = -std::exp(-0.5 * x * x) / std::sqrt(2.0 * kPi);
        x -= f / d;
    }
    return x;
}

namespace {
double prefix_scale(std::string_view p) {
    if (p.empty()) return 1.0;
    if (p == "f") return 1e-15;
    if (p == "p") return 1e-12;
    if (p == "n") return 1e-9;
    if (p == "u" || p == "\xC2\xB5" || p == "\xCE\xBC") return 1e-6;
    if (p == "m") return 1e-3;
    if (p == "k") return 1e3;
    if (p == "M") return 1e6;
    if (p == "G") return 1e9;
    if (p == "T") return 1e12;
    throw std::invalid_argument("unknown SI prefix '" + std::string(p) + "'");
}
}  // namespace

bool ends_with_ci(std::string_view s, std::string_view suf) noexcept {
    if (suf.empty() || s.size() < suf.size()) return false;
    for (std::size_t i = 0; i < suf.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(s[s.size() - suf.size() + i])) !=
            std::tolower(static_cast<unsigned char>(suf[i])))
            return false;
    return true;
}

double parse_quantity(std::string_view text, std::string_view unit) {
    auto trim = [](std::string_view s) {
        while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
        while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
        return s;
    };
    text = trim(text);
    if (text.empty()) throw std::invalid_argument("empty value");
    // Longest numeric prefix (strtod accepts "1e-3", "-2.5", ".5").
    std::string buf(text);
    char* end = nullptr;
    const double v = std::strtod(buf.c_str(), &end);
    if (end == buf.c_str()) throw std::invalid_argument("'" + buf + "' is not a number");
    if (!std::isfinite(v)) throw std::invalid_argument("'" + buf + "' is not finite");
    std::string_view rest = trim(std::string_view(buf).substr(static_cast<std::size_t>(end - buf.c_str())));
    if (rest.empty()) return v;
    // Strip the unit, if given, from the end; what is left must be a prefix.
    std::string_view prefix = rest;
    if (!unit.empty() && ends_with_ci(rest, unit)) {
        prefix = trim(rest.substr(0, rest.size() - unit.size()));
    } else if (unit == "Bd" && ends_with_ci(rest, "baud")) {
        prefix = trim(rest.substr(0, rest.size() - 4));
    } else if (unit == "s" && ends_with_ci(rest, "sec")) {
        prefix = trim(rest.substr(0, rest.size() - 3));
    }
    if (unit == "dB" || unit == "UI" || unit.empty()) {
        if (!prefix.empty())
            throw std::invalid_argument("unexpected suffix '" + std::string(rest) + "'" +
                                        (unit.empty() ? std::string(" (this key has no unit)")
                                                      : " (unit is " + std::string(unit) + ")"));
        return v;
    }
    try {
        return v * prefix_scale(prefix);
    } catch (const std::invalid_argument&) {
        throw std::invalid_argument("cannot read '" + std::string(rest) + "' as a prefix of " +
                                    std::string(unit));
    }
}

}  // namespace si
