#include "si/channel/touchstone.hpp"

#include <Eigen/LU>
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <fstream>
#include <optional>
#include <sstream>

#include "si/core/error.hpp"
#include "si/core/units.hpp"

namespace si::channel {
namespace {

using cd = std::complex<double>;

struct Token {
    std::string_view text;
    std::size_t col;  // 1-based column in the raw line
};

struct Line {
    long no = 0;
    std::string_view content;  // comment stripped, trimmed
    std::size_t offset = 0;    // column offset of content in the raw line (0-based)
    std::string_view comment;  // text after '!', or ""
};

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

std::string lower(std::string_view s) {
    std::string r(s);
    for (auto& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return r;
}

std::vector<Token> tokenize(const Line& l) {
    std::vector<Token> out;
    const auto& s = l.content;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && is_blank(s[i])) ++i;
        const std::size_t b = i;
        while (i < s.size() && !is_blank(s[i])) ++i;
        if (i > b) out.push_back({s.substr(b, i - b), l.offset + b + 1});
    }
    return out;
}

/// Strict number: the whole token must parse, and be finite.
std::optional<double> to_number(std::string_view t) {
    if (!t.empty() && t.front() == '+') t.remove_prefix(1);
    if (t.empty()) return std::nullopt;
    double v = 0;
    const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc() || p != t.data() + t.size()) return std::nullopt;
    return v;
}

/// Reference impedance token: "50", "50.0", "(50+50j)", "50-3.2j", "(10+10j)".
std::optional<cd> to_reference(std::string_view t) {
    if (!t.empty() && t.front() == '(' && t.back() == ')') t = t.substr(1, t.size() - 2);
    if (auto v = to_number(t)) return cd(*v, 0.0);
    if (t.size() < 2 || (t.back() != 'j' && t.back() != 'J' && t.back() != 'i'))
        return std::nullopt;
    t.remove_suffix(1);
    for (std::size_t k = t.size(); k-- > 1;) {
        if ((t[k] == '+' || t[k] == '-') && t[k - 1] != 'e' && t[k - 1] != 'E') {
            auto re = to_number(t.substr(0, k));
            auto im = to_number(t.substr(k + (t[k] == '+' ? 1 : 0)));
            if (re && im) return cd(*re, *im);
            return std::nullopt;
        }
    }
    return std::nullopt;
}

struct Options {
    double f_mult = 1e9;
    char parameter = 'S';
    std::string format = "ma";
    std::vector<cd> refs{cd(50.0, 0.0)};
};

struct Record {
    long line;
    std::vector<double> values;
};

class Parser {
public:
    Parser(std::string_view text, std::string name, int ports_hint)
        : text_(text), name_(std::move(name)), hint_(ports_hint) {}

    Touchstone run();

private:
    [[noreturn]] void fail(long line, const std::string& what) const {
        throw IoError(name_, line, what);
    }
    void split_lines();
    Options parse_option_line(const Line& l) const;
    std::vector<double> numbers(const Line& l, const char* what) const;
    void keyword(const Line& l);
    void finish();
    void convert_point(long line, double f, const double* v, std::size_t count);

    std::string_view text_;
    std::string name_;
    int hint_;
    std::vector<Line> lines_;
    Touchstone ts_;

    // state
    bool v2_ = false;
    bool have_option_ = false;
    long option_line_ = 0;
    Options opt_;
    int n_ = 0;
    long nports_line_ = 0;
    std::optional<long> nfreq_;
    long nfreq_line_ = 0;
    std::optional<long> nnoise_;
    bool order_21_12_ = true;  // v1 2-port legacy order
    bool have_order_ = false;
    std::vector<cd> reference_;
    long reference_line_ = 0;
    std::size_t reference_pending_ = 0;
    enum class Section { header, info, network, noise, end } section_ = Section::header;
    long network_line_ = 0;
    std::vector<Record> records_;
    long noise_rows_ = 0;
    bool saw_noise_kw_ = false;
    bool port_impedance_comments_ = false;
    bool saw_any_keyword_after_option_ = false;
};

void Parser::split_lines() {
    std::string_view t = text_;
    if (t.size() >= 3 && static_cast<unsigned char>(t[0]) == 0xEF &&
        static_cast<unsigned char>(t[1]) == 0xBB && static_cast<unsigned char>(t[2]) == 0xBF)
        t.remove_prefix(3);
    long no = 0;
    std::size_t pos = 0;
    while (pos <= t.size()) {
        std::size_t e = t.find('\n', pos);
        if (e == std::string_view::npos) e = t.size();
        std::string_view raw = t.substr(pos, e - pos);
        ++no;
        Line l;
        l.no = no;
        const std::size_t bang = raw.find('!');
        std::string_view content = raw.substr(0, bang);
        if (bang != std::string_view::npos) l.comment = raw.substr(bang + 1);
        std::size_t b = 0;
        while (b < content.size() && is_blank(content[b])) ++b;
        std::size_t en = content.size();
        while (en > b && is_blank(content[en - 1])) --en;
        l.content = content.substr(b, en - b);
        l.offset = b;
        for (std::size_t k = 0; k < l.content.size(); ++k) {
            const auto c = static_cast<unsigned char>(l.content[k]);
            if (c >= 0x80 || (c < 0x20 && c != '\t'))
                fail(no, str("column ", b + k + 1, ": byte 0x", std::hex, static_cast<int>(c),
                             " outside a comment (only ASCII is allowed outside '!' comments)"));
        }
        lines_.push_back(l);
        if (e == t.size()) break;
        pos = e + 1;
    }
}

Options Parser::parse_option_line(const Line& l) const {
    Options o;
    Line body = l;
    body.content = l.content.substr(1);  // drop '#', which may be glued to the first token
    body.offset = l.offset + 1;
    const auto toks = tokenize(body);
    bool have_unit = false, have_param = false, have_format = false, have_r = false;
    auto dup = [&](bool& seen, const Token& t, const char* what) {
        if (seen)
            fail(l.no, str("column ", t.col, ": option line gives the ", what, " twice ('", t.text,
                           "')"));
        seen = true;
    };
    for (std::size_t i = 0; i < toks.size(); ++i) {
        const auto& t = toks[i];
        const std::string k = lower(t.text);
        if (k == "hz" || k == "khz" || k == "mhz" || k == "ghz") {
            dup(have_unit, t, "frequency unit");
            o.f_mult = k == "hz" ? 1.0 : k == "khz" ? 1e3 : k == "mhz" ? 1e6 : 1e9;
        } else if (k == "s" || k == "y" || k == "z" || k == "h" || k == "g") {
            dup(have_param, t, "parameter type");
            o.parameter = static_cast<char>(std::toupper(static_cast<unsigned char>(k[0])));
        } else if (k == "ma" || k == "db" || k == "ri") {
            dup(have_format, t, "data format");
            o.format = k;
        } else if (k == "r") {
            dup(have_r, t, "reference 'R'");
            o.refs.clear();
            while (i + 1 < toks.size()) {
                auto r = to_reference(toks[i + 1].text);
                if (!r) break;
                o.refs.push_back(*r);
                ++i;
            }
            if (o.refs.empty())
                fail(l.no, str("column ", t.col, ": 'R' must be followed by a reference resistance",
                               i + 1 < toks.size() ? str(" (got '", toks[i + 1].text, "')")
                                                   : std::string(" (end of line)")));
        } else {
            std::string hint;
            if (k == "ns" || k == "ps" || k == "us" || k == "ms" || k == "fs" || k == "sec")
                hint = " (time-domain data are not Touchstone network data)";
            else if (k == "thz")
                hint = " (the Touchstone frequency units are Hz, kHz, MHz and GHz)";
            fail(l.no, str("column ", t.col, ": unknown option-line token '", t.text, "'", hint,
                           "; expected Hz|kHz|MHz|GHz, S|Y|Z|H|G, MA|DB|RI, R <ohm>"));
        }
    }
    for (const auto& r : o.refs)
        if (!(r.real() > 0))
            fail(l.no, str("reference impedance must have a positive real part (got ", r, ")"));
    return o;
}

std::vector<double> Parser::numbers(const Line& l, const char* what) const {
    std::vector<double> v;
    for (const auto& t : tokenize(l)) {
        auto x = to_number(t.text);
        if (!x) {
            const std::string k = lower(t.text);
            if (k.find("nan") != std::string::npos || k.find("inf") != std::string::npos)
                fail(l.no, str("column ", t.col, ": ", what, " value '", t.text,
                               "' is not a finite number"));
            fail(l.no, str("column ", t.col, ": ", what, " value '", t.text, "' is not a number"));
        }
        if (!std::isfinite(*x))
            fail(l.no,
                 str("column ", t.col, ": ", what, " value '", t.text, "' is not a finite number"));
        v.push_back(*x);
    }
    return v;
}

void Parser::keyword(const Line& l) {
    const std::size_t close = l.content.find(']');
    if (close == std::string_view::npos) fail(l.no, "keyword without closing ']'");
    std::string name;
    for (char c : lower(l.content.substr(1, close - 1))) {
        if (is_blank(c)) {
            if (!name.empty() && name.back() != ' ') name += ' ';
        } else {
            name += c;
        }
    }
    while (!name.empty() && name.back() == ' ') name.pop_back();
    Line arg = l;
    arg.content = l.content.substr(close + 1);
    arg.offset = l.offset + close + 1;
    while (!arg.content.empty() && is_blank(arg.content.front())) {
        arg.content.remove_prefix(1);
        ++arg.offset;
    }
    const std::string argtext(arg.content);
    const std::string kw = "[" + std::string(l.content.substr(1, close - 1)) + "]";

    if (section_ == Section::info) {
        if (name == "end information") section_ = Section::header;
        return;  // everything inside the information block is free-form
    }
    if (section_ == Section::end) fail(l.no, str(kw, " after [End]"));
    if (!v2_) {
        if (name == "version")
            fail(l.no, "[Version] must be the first non-comment line of the file");
        fail(l.no, str("keyword ", kw, " in a version 1 file (no [Version] line at the top)"));
    }
    if (name == "version") fail(l.no, "[Version] given twice");
    if (!have_option_ && name != "begin information")
        fail(l.no, str(kw,
                       " before the option line; in version 2 files the option line ('# ...') "
                       "must follow [Version]"));
    saw_any_keyword_after_option_ = true;
    if (reference_pending_ > 0)
        fail(l.no, str("[Reference] (line ", reference_line_, ") has ", reference_.size(),
                       " values, expected ", n_));
    // Counts are bounded before any cast (a huge value must not wrap or size an allocation).
    auto one_int = [&](long min, long max = 1L << 40) {
        const auto v = numbers(arg, kw.c_str());
        if (v.size() != 1 || v[0] != std::floor(v[0]) || v[0] < static_cast<double>(min) ||
            v[0] > static_cast<double>(max))
            fail(l.no, str(kw, " needs one integer in [", min, ", ", max, "] (got '", argtext, "')"));
        return static_cast<long>(v[0]);
    };
    if (name == "number of ports") {
        if (n_ > 0 && nports_line_ > 0) fail(l.no, "[Number of Ports] given twice");
        n_ = static_cast<int>(one_int(1, kMaxTouchstonePorts));
        nports_line_ = l.no;
    } else if (name == "two-port data order") {
        const std::string a = lower(argtext);
        if (a == "12_21")
            order_21_12_ = false;
        else if (a == "21_12")
            order_21_12_ = true;
        else
            fail(l.no, str("[Two-Port Data Order] must be 12_21 or 21_12 (got '", argtext, "')"));
        have_order_ = true;
        ts_.two_port_order = a;
    } else if (name == "number of frequencies") {
        nfreq_ = one_int(1);
        nfreq_line_ = l.no;
    } else if (name == "number of noise frequencies") {
        nnoise_ = one_int(0);
    } else if (name == "reference") {
        if (n_ == 0) fail(l.no, "[Reference] before [Number of Ports]");
        reference_.clear();
        reference_line_ = l.no;
        for (const auto& t : tokenize(arg)) {
            auto r = to_reference(t.text);
            if (!r)
                fail(l.no,
                     str("column ", t.col, ": [Reference] value '", t.text, "' is not a number"));
            reference_.push_back(*r);
        }
        if (reference_.size() > static_cast<std::size_t>(n_))
            fail(l.no, str("[Reference] has ", reference_.size(), " values, expected ", n_));
        reference_pending_ = static_cast<std::size_t>(n_) - reference_.size();
    } else if (name == "matrix format") {
        const std::string a = lower(argtext);
        if (a == "full")
            ts_.matrix_format = "Full";
        else if (a == "upper")
            ts_.matrix_format = "Upper";
        else if (a == "lower")
            ts_.matrix_format = "Lower";
        else
            fail(l.no, str("[Matrix Format] must be Full, Upper or Lower (got '", argtext, "')"));
    } else if (name == "mixed-mode order") {
        ts_.mixed_mode_order = argtext;
    } else if (name == "begin information") {
        section_ = Section::info;
    } else if (name == "end information") {
        fail(l.no, "[End Information] without [Begin Information]");
    } else if (name == "network data") {
        if (n_ == 0) fail(l.no, "[Network Data] before [Number of Ports]");
        if (!nfreq_) fail(l.no, "[Number of Frequencies] is required before [Network Data]");
        if (n_ == 2 && !have_order_)
            fail(l.no, "[Two-Port Data Order] (12_21 or 21_12) is required for 2-port files");
        if (section_ == Section::network || network_line_ > 0)
            fail(l.no, "[Network Data] given twice");
        section_ = Section::network;
        network_line_ = l.no;
    } else if (name == "noise data") {
        if (section_ != Section::network) fail(l.no, "[Noise Data] before [Network Data]");
        section_ = Section::noise;
        saw_noise_kw_ = true;
    } else if (name == "end") {
        if (network_line_ == 0) fail(l.no, "[End] before [Network Data]");
        section_ = Section::end;
    } else if (name == "binary" || name.find("binary") != std::string::npos) {
        fail(l.no, str(kw, ": binary Touchstone data are not supported"));
    } else {
        fail(l.no, str("unknown keyword ", kw));
    }
}

Touchstone Parser::run() {
    ts_.path = name_;
    split_lines();
    bool first = true;
    for (const Line& l : lines_) {
        if (!l.comment.empty()) {
            std::string_view c = l.comment;
            while (!c.empty() && is_blank(c.front())) c.remove_prefix(1);
            if (c.size() >= 14 && lower(c.substr(0, 14)) == "port impedance")
                port_impedance_comments_ = true;
        }
        if (l.content.empty()) continue;
        const char c0 = l.content.front();
        if (first) {
            first = false;
            if (c0 == '[' && lower(l.content.substr(0, 9)) == "[version]") {
                Line arg = l;
                arg.content = l.content.substr(9);
                const auto toks = tokenize(arg);
                if (toks.size() != 1) fail(l.no, "[Version] needs one value (2.0 or 2.1)");
                const std::string v(toks[0].text);
                if (v == "2.0" || v == "2.1" || v == "2") {
                    v2_ = true;
                    ts_.version = 2;
                    continue;
                }
                if (!v.empty() && v[0] >= '3' && v[0] <= '9')
                    fail(l.no, str("unsupported Touchstone version ", v,
                                   " (this reader handles 1.x and 2.x)"));
                fail(l.no, str("[Version] must be 2.0 or 2.1 (got '", v, "')"));
            }
        }
        if (section_ == Section::info) {
            if (c0 == '[') keyword(l);
            continue;
        }
        if (c0 == '#') {
            if (v2_ && have_option_) fail(l.no, "second option line (only one is allowed in v2)");
            if (v2_ && saw_any_keyword_after_option_)
                fail(l.no, "option line must come right after [Version]");
            if (have_option_) {
                ts_.warnings.push_back(str(name_, ":", l.no,
                                           ": second option line ignored (the "
                                           "first, on line ",
                                           option_line_, ", applies)"));
                continue;
            }
            opt_ = parse_option_line(l);
            have_option_ = true;
            option_line_ = l.no;
            continue;
        }
        if (c0 == '[') {
            keyword(l);
            continue;
        }
        // A numeric line.
        if (reference_pending_ > 0) {
            for (const auto& t : tokenize(l)) {
                auto r = to_reference(t.text);
                if (!r)
                    fail(l.no, str("column ", t.col, ": [Reference] value '", t.text,
                                   "' is not a number"));
                if (reference_pending_ == 0)
                    fail(l.no, str("[Reference] has more than ", n_, " values"));
                reference_.push_back(*r);
                --reference_pending_;
            }
            continue;
        }
        if (!have_option_) fail(l.no, "data before the option line ('# GHz S MA R 50')");
        if (v2_) {
            if (section_ == Section::header) fail(l.no, "numeric data before [Network Data]");
            if (section_ == Section::end) {
                fail(l.no, "data after [End]");
            }
            if (section_ == Section::noise) {
                const auto v = numbers(l, "noise");
                if (v.size() != 5)
                    fail(l.no, str("noise data row has ", v.size(), " values, expected 5"));
                ++noise_rows_;
                continue;
            }
        }
        records_.push_back({l.no, numbers(l, "network data")});
    }
    finish();
    return std::move(ts_);
}

void Parser::finish() {
    const long last_line = lines_.empty() ? 1 : lines_.back().no;
    if (section_ == Section::info) fail(last_line, "[Begin Information] without [End Information]");
    if (reference_pending_ > 0)
        fail(reference_line_, str("[Reference] has ", reference_.size(), " values, expected ", n_,
                                  " (end of file)"));
    if (!have_option_) fail(last_line, "no option line ('# GHz S MA R 50') found");
    if (v2_) {
        if (n_ == 0) fail(last_line, "[Number of Ports] is required in version 2 files");
        if (network_line_ == 0) fail(last_line, "[Network Data] is missing");
        if (hint_ > 0 && hint_ != n_)
            fail(nports_line_,
                 str("[Number of Ports] is ", n_, " but ", hint_, " ports were requested"));
        if (section_ != Section::end)
            ts_.warnings.push_back(str(name_, ": [End] is missing (required in version 2 files)"));
        const int ext = ports_from_extension(name_);
        if (ext > 0 && ext != n_)
            ts_.warnings.push_back(str(name_, ": extension says ", ext,
                                       " ports, [Number of Ports] says ", n_, " (keyword used)"));
        if (n_ != 2 && have_order_)
            ts_.warnings.push_back(
                str(name_, ": [Two-Port Data Order] ignored (file has ", n_, " ports)"));
        if (saw_noise_kw_ || noise_rows_ > 0) {
            if (n_ != 2) fail(last_line, "[Noise Data] is only defined for 2-port files");
            if (nnoise_ && *nnoise_ != noise_rows_)
                ts_.warnings.push_back(str(name_, ": [Number of Noise Frequencies] is ", *nnoise_,
                                           " but ", noise_rows_, " noise rows were found"));
            ts_.warnings.push_back(
                str(name_, ": noise data (", noise_rows_, " frequencies) ignored"));
        } else if (nnoise_ && *nnoise_ > 0) {
            ts_.warnings.push_back(str(name_, ": [Number of Noise Frequencies] is ", *nnoise_,
                                       " but there is no [Noise Data]"));
        }
    } else {
        n_ = hint_ > 0 ? hint_ : ports_from_extension(name_);
        if (n_ > kMaxTouchstonePorts)
            fail(0, str(hint_ > 0 ? "requested port count " : "the .sNp extension says ", n_,
                        " ports; sisim reads at most ", kMaxTouchstonePorts));
    }
    if (records_.empty()) fail(last_line, "no network data (the file holds no frequency point)");

    // Group the records into frequency points: an odd count starts a point, even continues it.
    struct Point {
        long line, last_line;
        std::vector<double> v;
    };
    std::vector<Point> points;
    for (auto& r : records_) {
        if (r.values.size() % 2 == 1) {
            points.push_back({r.line, r.line, std::move(r.values)});
        } else {
            if (points.empty())
                fail(r.line, str("line has ", r.values.size(),
                                 " values (an even count continues a frequency point) but no "
                                 "frequency point has started"));
            auto& p = points.back();
            p.v.insert(p.v.end(), r.values.begin(), r.values.end());
            p.last_line = r.line;
        }
    }
    if (n_ == 0) {  // v1 without extension or hint: infer from the first point
        const double m = std::sqrt((static_cast<double>(points.front().v.size()) - 1.0) / 2.0);
        const int n = m <= kMaxTouchstonePorts ? static_cast<int>(std::lround(m)) : 0;
        if (n < 1 || 2 * n * n + 1 != static_cast<int>(points.front().v.size()))
            fail(points.front().line,
                 str("cannot tell the number of ports: the name has no .sNp extension and the "
                     "first frequency point has ",
                     points.front().v.size() - 1, " values (not 2 n^2)"));
        n_ = n;
        ts_.warnings.push_back(
            str(name_, ": number of ports (", n_, ") inferred from the first frequency point"));
    }
    ts_.ports = n_;
    ts_.parameter = opt_.parameter;
    const bool full = ts_.matrix_format == "Full";
    const auto nz = static_cast<std::size_t>(n_);  // n_ <= kMaxTouchstonePorts: no overflow
    const std::size_t per_point = full ? 2 * nz * nz : nz * (nz + 1);

    // References.
    std::vector<cd> refs = opt_.refs;
    if (refs.size() == 1) refs.assign(static_cast<std::size_t>(n_), refs[0]);
    if (refs.size() != static_cast<std::size_t>(n_))
        fail(option_line_,
             str("option line gives ", opt_.refs.size(), " reference values; expected 1 or ", n_));
    if (!reference_.empty()) refs = reference_;
    for (const auto& r : refs)
        if (!(r.real() > 0))
            fail(reference_line_ ? reference_line_ : option_line_,
                 str("reference impedance must have a positive real part (got ", r, ")"));
    ts_.z_ref_ohm = refs;
    if (std::any_of(refs.begin(), refs.end(), [&](const cd& r) { return r != refs[0]; })) {
        std::ostringstream os;
        for (std::size_t i = 0; i < refs.size(); ++i) os << (i ? ", " : "") << refs[i].real();
        ts_.warnings.push_back(str(name_, ": reference impedances differ between ports (", os.str(),
                                   " ohm); some instruments ignore [Reference] on import"));
    }
    if (port_impedance_comments_)
        ts_.warnings.push_back(
            str(name_,
                ": per-frequency '! Port Impedance' comments (HFSS/Ansys) are ignored; S is "
                "taken as referenced to ",
                refs[0].real(), " ohm as the option line says"));
    if (opt_.parameter != 'S' &&
        std::any_of(refs.begin(), refs.end(), [](const cd& r) { return r.imag() != 0.0; }))
        fail(option_line_, str(opt_.parameter,
                               "-parameters with complex reference impedances are not supported"));
    if ((opt_.parameter == 'H' || opt_.parameter == 'G') && n_ != 2)
        fail(option_line_, str(opt_.parameter, "-parameters are only defined for 2-port files"));

    ts_.f_hz.reserve(points.size());
    ts_.s.reserve(points.size());
    bool noise = false;
    long noise_count = 0;
    for (std::size_t k = 0; k < points.size(); ++k) {
        const auto& p = points[k];
        const double f = p.v[0] * opt_.f_mult;
        if (!noise && !ts_.f_hz.empty() && !(f > ts_.f_hz.back())) {
            if (!v2_ && n_ == 2) {
                noise = true;  // v1 2-port: noise block starts at the first non-increasing f
            } else {
                fail(p.line, str("frequency ", p.v[0], " is not above the previous one (",
                                 ts_.f_hz.back() / opt_.f_mult, "); frequencies must increase"));
            }
        }
        if (noise) {
            if (p.v.size() != 5)
                fail(p.line, str("noise data row has ", p.v.size(), " values, expected 5"));
            ++noise_count;
            continue;
        }
        if (p.v.size() - 1 != per_point)
            fail(p.line, str("frequency point ", ts_.f_hz.size() + 1, " (f = ", p.v[0], ") has ",
                             p.v.size() - 1, " values, expected ", per_point,
                             p.last_line != p.line ? str(" (lines ", p.line, "-", p.last_line, ")")
                                                   : std::string(),
                             "; complex pairs must not be split across lines"));
        if (f < 0) fail(p.line, str("negative frequency ", p.v[0]));
        convert_point(p.line, f, p.v.data() + 1, per_point);
    }
    if (noise)
        ts_.warnings.push_back(str(name_, ": noise data (", noise_count, " frequencies) ignored"));
    if (v2_ && nfreq_ && *nfreq_ != static_cast<long>(ts_.f_hz.size()))
        fail(nfreq_line_, str("[Number of Frequencies] is ", *nfreq_, " but the data hold ",
                              ts_.f_hz.size(), " frequency points"));
}

void Parser::convert_point(long line, double f, const double* v, std::size_t count) {
    const int n = n_;
    auto pair = [&](std::size_t i) {
        const double a = v[2 * i], b = v[2 * i + 1];
        if (opt_.format == "ri") return cd(a, b);
        const double mag = opt_.format == "db" ? std::pow(10.0, a / 20.0) : a;
        return std::polar(mag, b * kPi / 180.0);
    };
    Eigen::MatrixXcd m(n, n);
    if (ts_.matrix_format == "Full") {
        const bool col_major = n == 2 && order_21_12_;
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j) {
                const auto x = pair(static_cast<std::size_t>(i * n + j));
                if (col_major)
                    m(j, i) = x;
                else
                    m(i, j) = x;
            }
    } else {
        const bool lower_fmt = ts_.matrix_format == "Lower";
        std::size_t idx = 0;
        for (int i = 0; i < n; ++i) {
            const int j0 = lower_fmt ? 0 : i, j1 = lower_fmt ? i : n - 1;
            for (int j = j0; j <= j1; ++j) {
                const auto x = pair(idx++);
                m(i, j) = x;
                m(j, i) = x;
            }
        }
        (void)count;
    }
    // Conversion to S. v1: Y/Z/H/G normalised to R; v2: in ohm / siemens.
    const bool normalised = !v2_;
    const char p = opt_.parameter;
    Eigen::MatrixXcd s;
    const Eigen::MatrixXcd id = Eigen::MatrixXcd::Identity(n, n);
    auto from_z = [&](const Eigen::MatrixXcd& z) -> Eigen::MatrixXcd {
        if (normalised) return (z - id) * (z + id).inverse();
        return z_to_s(z, ts_.z_ref_ohm);
    };
    auto from_y = [&](const Eigen::MatrixXcd& y) -> Eigen::MatrixXcd {
        Eigen::MatrixXcd yn = y;
        if (!normalised)
            for (int i = 0; i < n; ++i)
                for (int j = 0; j < n; ++j)
                    yn(i, j) *= std::sqrt(ts_.z_ref_ohm[i].real() * ts_.z_ref_ohm[j].real());
        return (id - yn) * (id + yn).inverse();
    };
    // H -> Z and G -> Y have the same form: X11 = det/M22, X12 = M12/M22, X21 = -M21/M22,
    // X22 = 1/M22 (and the v1 normalisation carries through unchanged).
    auto hybrid = [&](const Eigen::MatrixXcd& h) {
        Eigen::MatrixXcd x(2, 2);
        const cd h22 = h(1, 1);
        if (std::abs(h22) == 0.0)
            throw ModelError(str(name_, ":", line, ": ", p, "22 = 0, cannot convert to S"));
        x(0, 0) = (h(0, 0) * h(1, 1) - h(0, 1) * h(1, 0)) / h22;
        x(0, 1) = h(0, 1) / h22;
        x(1, 0) = -h(1, 0) / h22;
        x(1, 1) = 1.0 / h22;
        return x;
    };
    switch (p) {
        case 'S':
            s = m;
            break;
        case 'Z':
            s = from_z(m);
            break;
        case 'Y':
            s = from_y(m);
            break;
        case 'H':
            s = from_z(hybrid(m));
            break;
        case 'G':
            s = from_y(hybrid(m));
            break;
        default:
            fail(line, "internal: unknown parameter");
    }
    if (!s.allFinite())
        throw ModelError(str(name_, ":", line, ": ", p,
                             "-parameters cannot be converted to S at this frequency (singular)"));
    ts_.f_hz.push_back(f);
    ts_.s.push_back(std::move(s));
}

std::vector<double> real_refs(const std::vector<cd>& z, const char* what) {
    std::vector<double> r;
    for (const auto& x : z) {
        if (x.imag() != 0.0 || !(x.real() > 0))
            throw ModelError(
                str(what, ": reference impedances must be real and positive (got ", x, ")"));
        r.push_back(x.real());
    }
    return r;
}

}  // namespace

int ports_from_extension(const std::string& path) {
    const std::size_t dot = path.find_last_of('.');
    if (dot == std::string::npos) return 0;
    const std::string e = lower(path.substr(dot + 1));
    if (e.size() < 3 || e.front() != 's' || e.back() != 'p') return 0;
    int n = 0;
    for (std::size_t i = 1; i + 1 < e.size(); ++i) {
        if (!std::isdigit(static_cast<unsigned char>(e[i]))) return 0;
        n = n * 10 + (e[i] - '0');
        if (n > 100000) return 0;
    }
    return n;
}

Touchstone parse_touchstone(std::string_view text, const std::string& name, int ports_hint) {
    if (ports_hint < 0 || ports_hint > kMaxTouchstonePorts)
        throw ConfigError("ports", str("must be in [0, ", kMaxTouchstonePorts, "] (got ", ports_hint, ")"));
    return Parser(text, name, ports_hint).run();
}

namespace {
// Parsed files kept for reuse (sweeps read the same channel for every point). The key is the
// path as given, the port override, and the file's size and modification time, so an edited
// file is parsed again. A handful of entries bounds the memory.
struct CacheEntry {
    std::string path;
    int ports = 0;
    std::uintmax_t size = 0;
    std::filesystem::file_time_type mtime;
    std::shared_ptr<const Touchstone> data;
};
std::mutex g_cache_mutex;
std::deque<CacheEntry> g_cache;
constexpr std::size_t kCacheEntries = 16;

Touchstone read_touchstone_uncached(const std::string& path, int ports_override) {
    // A directory, device or FIFO has no size to bound the read: only regular files are read.
    std::error_code ec;
    const auto st = std::filesystem::status(path, ec);
    if (ec) throw IoError(path, 0, "cannot open file: " + ec.message());
    if (!std::filesystem::is_regular_file(st))
        throw IoError(path, 0,
                      std::filesystem::is_directory(st) ? "is a directory, not a Touchstone file"
                                                        : "is not a regular file");
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) throw IoError(path, 0, "cannot open file");
    const auto size = static_cast<std::streamoff>(in.tellg());
    if (size < 0) throw IoError(path, 0, "cannot determine the file size");
    if (static_cast<std::uint64_t>(size) > kMaxTouchstoneBytes)
        throw IoError(path, 0, str("file is ", size, " bytes; sisim reads Touchstone files of at most ",
                                   kMaxTouchstoneBytes, " bytes (memory is about 10x the file size)"));
    std::string text(static_cast<std::size_t>(size), '\0');
    in.seekg(0);
    if (!in.read(text.data(), size)) throw IoError(path, 0, "read error");
    return parse_touchstone(text, path, ports_override);
}
}  // namespace

std::shared_ptr<const Touchstone> read_touchstone_shared(const std::string& path, int ports_override) {
    std::error_code ec1, ec2;
    const auto size = std::filesystem::file_size(path, ec1);
    const auto mtime = std::filesystem::last_write_time(path, ec2);
    if (ec1 || ec2)  // reports the error
        return std::make_shared<const Touchstone>(read_touchstone_uncached(path, ports_override));
    {
        std::lock_guard<std::mutex> lock(g_cache_mutex);
        for (const auto& e : g_cache)
            if (e.path == path && e.ports == ports_override && e.size == size && e.mtime == mtime)
                return e.data;
    }
    auto data = std::make_shared<const Touchstone>(read_touchstone_uncached(path, ports_override));
    std::lock_guard<std::mutex> lock(g_cache_mutex);
    g_cache.push_front(CacheEntry{path, ports_override, size, mtime, data});
    if (g_cache.size() > kCacheEntries) g_cache.pop_back();
    return data;
}

Touchstone read_touchstone(const std::string& path, int ports_override) {
    return *read_touchstone_shared(path, ports_override);
}

Eigen::MatrixXcd s_to_z(const Eigen::MatrixXcd& s, const std::vector<cd>& z_ref_ohm) {
    const auto r = real_refs(z_ref_ohm, "s_to_z");
    const auto n = s.rows();
    const Eigen::MatrixXcd id = Eigen::MatrixXcd::Identity(n, n);
    Eigen::FullPivLU<Eigen::MatrixXcd> lu(id - s);
    if (!lu.isInvertible()) throw ModelError("s_to_z: I - S is singular (ideal open)");
    Eigen::MatrixXcd z = (id + s) * lu.inverse();
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = 0; j < n; ++j)
            z(i, j) *= std::sqrt(r[static_cast<std::size_t>(i)] * r[static_cast<std::size_t>(j)]);
    return z;
}

Eigen::MatrixXcd z_to_s(const Eigen::MatrixXcd& z_ohm, const std::vector<cd>& z_ref_ohm) {
    const auto r = real_refs(z_ref_ohm, "z_to_s");
    const auto n = z_ohm.rows();
    Eigen::MatrixXcd zn = z_ohm;
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = 0; j < n; ++j)
            zn(i, j) /= std::sqrt(r[static_cast<std::size_t>(i)] * r[static_cast<std::size_t>(j)]);
    const Eigen::MatrixXcd id = Eigen::MatrixXcd::Identity(n, n);
    return (zn - id) * (zn + id).inverse();
}

Eigen::MatrixXcd renormalize(const Eigen::MatrixXcd& s, const std::vector<cd>& from_ohm,
                             const std::vector<cd>& to_ohm) {
    const auto a = real_refs(from_ohm, "renormalize");
    const auto b = real_refs(to_ohm, "renormalize");
    const auto n = s.rows();
    if (a.size() != static_cast<std::size_t>(n) || b.size() != static_cast<std::size_t>(n))
        throw ModelError("renormalize: reference count differs from the port count");
    Eigen::VectorXcd d(n);
    for (Eigen::Index i = 0; i < n; ++i)
        d(i) = std::sqrt(a[static_cast<std::size_t>(i)] / b[static_cast<std::size_t>(i)]);
    const Eigen::MatrixXcd id = Eigen::MatrixXcd::Identity(n, n);
    const Eigen::MatrixXcd q = d.asDiagonal() * (id + s);
    const Eigen::MatrixXcd p = d.cwiseInverse().asDiagonal() * (id - s);
    return (q - p) * (q + p).inverse();
}

}  // namespace si::channel
