#include "si/channel/network.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <sstream>

#include "si/core/error.hpp"
#include "si/core/units.hpp"

namespace si::channel {

using cd = std::complex<double>;

std::string DiffPairing::text() const {
    return str("in+ ", in_p, ", in- ", in_n, ", out+ ", out_p, ", out- ", out_n);
}
std::string DiffPairing::spec() const { return str(in_p, ",", in_n, ",", out_p, ",", out_n); }

DiffPairing parse_pairing(const std::string& spec, int ports) {
    std::vector<int> v;
    std::string tok;
    auto flush = [&] {
        if (tok.empty()) return;
        std::size_t used = 0;
        int x = 0;
        try {
            x = std::stoi(tok, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != tok.size())
            throw ConfigError("channel.ports", str("'", tok, "' is not a port number in '", spec,
                                                   "' (expected in+,in-,out+,out-)"));
        v.push_back(x);
        tok.clear();
    };
    for (char c : spec) {
        if (c == ',' || c == ' ' || c == '\t')
            flush();
        else
            tok += c;
    }
    flush();
    if (v.size() != 4)
        throw ConfigError("channel.ports",
                          str("needs 4 ports in+,in-,out+,out- (got '", spec, "')"));
    for (int x : v)
        if (x < 1 || x > ports)
            throw ConfigError("channel.ports",
                              str("port ", x, " outside 1..", ports, " in '", spec, "'"));
    for (int i = 0; i < 4; ++i)
        for (int j = i + 1; j < 4; ++j)
            if (v[i] == v[j])
                throw ConfigError("channel.ports",
                                  str("port ", v[i], " used twice in '", spec, "'"));
    return {v[0], v[1], v[2], v[3]};
}

DiffPairing detect_pairing(const Touchstone& ts, std::string& report) {
    if (ts.ports != 4)
        throw ModelError(str(ts.path, ": pairing detection needs a 4-port file (this one has ",
                             ts.ports, " ports); give the pairing explicitly"));
    if (ts.f_hz.empty()) throw ModelError(str(ts.path, ": no data"));
    std::vector<std::size_t> idx;
    for (std::size_t k = 0; k < ts.f_hz.size() && idx.size() < 5; ++k)
        if (ts.f_hz[k] > 0) idx.push_back(k);
    if (idx.empty()) idx.push_back(0);
    auto mean_abs = [&](int a, int b) {  // 0-based, symmetrised over both directions
        double acc = 0;
        for (auto k : idx) acc += 0.5 * (std::abs(ts.s[k](a, b)) + std::abs(ts.s[k](b, a)));
        return acc / static_cast<double>(idx.size());
    };
    // The three ways to split {0,1,2,3} into two through paths.
    const std::array<std::array<int, 4>, 3> splits{{{0, 1, 2, 3}, {0, 2, 1, 3}, {0, 3, 1, 2}}};
    std::array<double, 3> score{};
    std::ostringstream os;
    os.precision(3);
    os << "through-path scores (mean |S| at " << ts.f_hz[idx.front()] / 1e6 << "-"
       << ts.f_hz[idx.back()] / 1e6 << " MHz):";
    for (int c = 0; c < 3; ++c) {
        const auto& s = splits[c];
        const double a = mean_abs(s[0], s[1]), b = mean_abs(s[2], s[3]);
        score[c] = 0.5 * (a + b);
        os << " " << s[0] + 1 << "-" << s[1] + 1 << "/" << s[2] + 1 << "-" << s[3] + 1
           << ": |S|=" << a << "," << b << ";";
    }
    std::array<int, 3> order{0, 1, 2};
    std::sort(order.begin(), order.end(), [&](int x, int y) { return score[x] > score[y]; });
    const double best = score[order[0]], next = score[order[1]];
    if (!(best >= 0.3) || !(best >= 3.0 * next)) {
        report = os.str() + " ambiguous";
        throw ModelError(str(ts.path, ": cannot tell the through paths (", report,
                             "); give the pairing explicitly (in+,in-,out+,out-)"));
    }
    const auto& s = splits[order[0]];
    // Path A: s[0] -> s[1] (s[0] = port 1 is an input); path B: s[2] -> s[3].
    DiffPairing p{s[0] + 1, s[2] + 1, s[1] + 1, s[3] + 1};
    os << " -> through paths " << s[0] + 1 << "->" << s[1] + 1 << " and " << s[2] + 1 << "->"
       << s[3] + 1 << ", pairing " << p.spec() << " (" << p.text() << ")";
    report = os.str();
    return p;
}

DiffNetwork to_differential(const Touchstone& ts, const DiffPairing& pr) {
    DiffNetwork out;
    out.f_hz = ts.f_hz;
    if (ts.ports == 2) {
        out.sdd.reserve(ts.s.size());
        for (const auto& s : ts.s) out.sdd.emplace_back(s);
        out.source = str(ts.path, " (2-port, taken as a differential through 1->2)");
        return out;
    }
    if (ts.ports < 4)
        throw ModelError(str(ts.path, ": a ", ts.ports,
                             "-port file cannot give a differential through (need 2 or >= 4)"));
    const std::array<int, 4> p{pr.in_p, pr.in_n, pr.out_p, pr.out_n};
    for (int x : p)
        if (x < 1 || x > ts.ports)
            throw ConfigError("channel.ports", str("port ", x, " outside 1..", ts.ports));
    // Renormalise to 50 ohm if needed (only the four ports used matter).
    const std::vector<cd> r50(static_cast<std::size_t>(ts.ports), cd(50.0, 0.0));
    const bool renorm = ts.z_ref_ohm != r50;
    Eigen::Matrix<double, 2, 4> m;
    const double h = 1.0 / std::sqrt(2.0);
    m << h, -h, 0, 0, 0, 0, h, -h;
    out.sdd.reserve(ts.s.size());
    for (const auto& s0 : ts.s) {
        const Eigen::MatrixXcd s = renorm ? renormalize(s0, ts.z_ref_ohm, r50) : s0;
        Eigen::Matrix4cd sr;
        for (int i = 0; i < 4; ++i)
            for (int j = 0; j < 4; ++j) sr(i, j) = s(p[i] - 1, p[j] - 1);
        out.sdd.emplace_back(m.cast<cd>() * sr * m.transpose().cast<cd>());
    }
    out.source = str(ts.path, " (", ts.ports, "-port, ", pr.text(),
                     renorm ? ", renormalised to 50 ohm" : "", ")");
    return out;
}

std::vector<double> unwrap_phase(const std::vector<cd>& h) {
    std::vector<double> ph(h.size());
    for (std::size_t k = 0; k < h.size(); ++k) {
        const double a = std::arg(h[k]);
        if (k == 0) {
            ph[k] = a;
            continue;
        }
        double d = a - std::arg(h[k - 1]);
        d -= 2 * kPi * std::round(d / (2 * kPi));  // step reduced to [-pi, pi]
        ph[k] = ph[k - 1] + d;
    }
    return ph;
}

cd interp_mag_phase(const std::vector<double>& f, const std::vector<double>& mag,
                    const std::vector<double>& ph, double x) {
    const auto it = std::upper_bound(f.begin(), f.end(), x);
    std::size_t i = static_cast<std::size_t>(it - f.begin());
    if (i == 0) i = 1;
    if (i >= f.size()) i = f.size() - 1;
    const double t = (x - f[i - 1]) / (f[i] - f[i - 1]);
    const double a = mag[i - 1] + t * (mag[i] - mag[i - 1]);
    const double p = ph[i - 1] + t * (ph[i] - ph[i - 1]);
    return std::polar(a, p);
}

namespace {
// One element series of a network, prepared for interpolation.
struct Series {
    std::vector<double> mag, ph;
};
Series series(const DiffNetwork& n, int i, int j) {
    std::vector<cd> h(n.sdd.size());
    for (std::size_t k = 0; k < h.size(); ++k) h[k] = n.sdd[k](i, j);
    Series s;
    s.mag.resize(h.size());
    for (std::size_t k = 0; k < h.size(); ++k) s.mag[k] = std::abs(h[k]);
    s.ph = unwrap_phase(h);
    return s;
}
}  // namespace

DiffNetwork cascade(const std::vector<DiffNetwork>& parts) {
    if (parts.empty()) throw ModelError("cascade: no networks");
    for (const auto& p : parts)
        if (p.f_hz.size() < 2 || p.f_hz.size() != p.sdd.size())
            throw ModelError(str("cascade: network '", p.source, "' has fewer than 2 points"));
    double lo = parts[0].f_hz.front(), hi = parts[0].f_hz.back();
    for (const auto& p : parts) {
        lo = std::max(lo, p.f_hz.front());
        hi = std::min(hi, p.f_hz.back());
    }
    DiffNetwork out;
    std::vector<std::size_t> keep;
    for (std::size_t k = 0; k < parts[0].f_hz.size(); ++k)
        if (parts[0].f_hz[k] >= lo && parts[0].f_hz[k] <= hi) keep.push_back(k);
    if (keep.size() < 2)
        throw ModelError(str("cascade: frequency ranges do not overlap (common range ", lo / 1e9,
                             "-", hi / 1e9, " GHz holds ", keep.size(),
                             " points of the first grid)"));
    for (auto k : keep) {
        out.f_hz.push_back(parts[0].f_hz[k]);
        out.sdd.push_back(parts[0].sdd[k]);
    }
    std::string src = parts[0].source;
    for (std::size_t n = 1; n < parts.size(); ++n) {
        const auto& b = parts[n];
        std::array<Series, 4> ser{series(b, 0, 0), series(b, 0, 1), series(b, 1, 0),
                                  series(b, 1, 1)};
        for (std::size_t k = 0; k < out.f_hz.size(); ++k) {
            const double f = out.f_hz[k];
            Eigen::Matrix2cd bm;
            bm(0, 0) = interp_mag_phase(b.f_hz, ser[0].mag, ser[0].ph, f);
            bm(0, 1) = interp_mag_phase(b.f_hz, ser[1].mag, ser[1].ph, f);
            bm(1, 0) = interp_mag_phase(b.f_hz, ser[2].mag, ser[2].ph, f);
            bm(1, 1) = interp_mag_phase(b.f_hz, ser[3].mag, ser[3].ph, f);
            const Eigen::Matrix2cd a = out.sdd[k];
            const cd d = 1.0 - a(1, 1) * bm(0, 0);
            if (std::abs(d) < 1e-12)
                throw ModelError(str("cascade: 1 - A22 B11 = 0 at ", f, " Hz (resonant joint)"));
            Eigen::Matrix2cd c;
            c(0, 0) = a(0, 0) + a(0, 1) * a(1, 0) * bm(0, 0) / d;
            c(0, 1) = a(0, 1) * bm(0, 1) / d;
            c(1, 0) = a(1, 0) * bm(1, 0) / d;
            c(1, 1) = bm(1, 1) + bm(1, 0) * bm(0, 1) * a(1, 1) / d;
            out.sdd[k] = c;
        }
        src += " + " + b.source;
    }
    out.source = "cascade: " + src;
    return out;
}

}  // namespace si::channel
