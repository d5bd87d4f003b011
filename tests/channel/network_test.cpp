// Mixed-mode conversion, pairing, cascading.
#include <cmath>
#include <complex>
#include <numbers>
#include <si/channel/network.hpp>
#include <si/channel/response.hpp>
#include <si/core/error.hpp>
#include <si/core/units.hpp>

#include "si_test.hpp"

namespace {

using namespace si::channel;
using cd = std::complex<double>;

std::string bundled_thru() { return si::testing::test_data("channel/DPO_4in_Meg7_THRU.s4p"); }

const Touchstone& dpo4() {  // parsed once: 4 MB
    static const Touchstone ts = read_touchstone(bundled_thru());
    return ts;
}

double db(cd x) { return -20.0 * std::log10(std::abs(x)); }

struct IlRow {
    const char* file;
    double il_db[5];
};
constexpr double kIlFreqs[5] = {6.25e9, 12.89e9, 14e9, 26.5625e9, 53.125e9};
// ../shared/data/README.md, "Independently computed Sdd21 insertion loss".
constexpr IlRow kIlTable[] = {
    {"channels/ieee8023ck_orthobp_12dB/DPO_4in_Meg7_THRU.s4p", {4.27, 6.95, 7.55, 12.17, 88.92}},
    {"channels/ieee8023ck_orthobp_28dB/DPO_12in_Meg7_THRU.s4p",
     {10.15, 17.02, 18.00, 28.25, 114.20}},
    {"channels/ieee8023ck_cable_19p75dB/CA_19p75dB_thru.s4p", {7.32, 11.46, 12.08, 19.74, 35.77}},
    {"channels/c2c_pcb_12dB/C2C_PCB_SYSVIA_12dB_thru.s4p", {3.97, 6.78, 7.24, 12.17, 75.33}},
};
// The README rounds to 0.01 dB; 0.05 dB leaves room for that rounding and for the linear
// magnitude interpolation at 26.5625 GHz, which lies between two 10 MHz points.
constexpr double kIlTolDb = 0.05;

void check_il(const Touchstone& ts, const IlRow& row) {
    const auto h = make_response(to_differential(ts, parse_pairing("1,3,2,4", 4)));
    for (int i = 0; i < 5; ++i)
        EXPECT_NEAR(db(h(kIlFreqs[i])), row.il_db[i], kIlTolDb)
            << row.file << " at " << kIlFreqs[i] / 1e9 << " GHz";
}

TEST(DiffPairing, ParsesAndRejects) {
    const auto p = parse_pairing("1,3,2,4", 4);
    EXPECT_EQ(p.in_p, 1);
    EXPECT_EQ(p.in_n, 3);
    EXPECT_EQ(p.out_p, 2);
    EXPECT_EQ(p.out_n, 4);
    EXPECT_EQ(p.text(), "in+ 1, in- 3, out+ 2, out- 4");
    EXPECT_EQ(parse_pairing(p.spec(), 4).in_n, 3);
    EXPECT_EQ(parse_pairing(" 5 7, 6 8", 8).out_n, 8);
    SI_EXPECT_THROW_MSG((void)parse_pairing("1,3,2", 4), si::ConfigError,
                        "channel.ports: needs 4 ports in+,in-,out+,out- (got '1,3,2')");
    SI_EXPECT_THROW_MSG((void)parse_pairing("1,3,2,5", 4), si::ConfigError, "port 5 outside 1..4");
    SI_EXPECT_THROW_MSG((void)parse_pairing("1,1,2,4", 4), si::ConfigError, "port 1 used twice");
    SI_EXPECT_THROW_MSG((void)parse_pairing("1,x3,2,4", 4), si::ConfigError,
                        "'x3' is not a port number");
}

TEST(DiffNetwork, BundledIeeeThruMatchesPublishedLoss) { check_il(dpo4(), kIlTable[0]); }

TEST(DiffNetwork, SharedIeeeThrusMatchPublishedLoss) {
    SI_REQUIRE_SHARED(dir, "channels");
    for (const auto& row : kIlTable) check_il(read_touchstone(dir + "/../" + row.file), row);
}

TEST(DiffNetwork, Sdd21IsTheReadmeCombinationOfSingleEndedTerms) {
    const auto net = to_differential(dpo4(), {1, 3, 2, 4});
    ASSERT_EQ(net.f_hz.size(), dpo4().f_hz.size());
    for (std::size_t k : {0ul, 1000ul, 2656ul, 6000ul}) {
        const auto& s = dpo4().s[k];  // 0-based: S21 = s(1,0), S23 = s(1,2), ...
        const cd want = (s(1, 0) - s(1, 2) - s(3, 0) + s(3, 2)) / 2.0;
        EXPECT_LT(std::abs(net.sdd[k](1, 0) - want), 1e-14) << k;
        const cd sdd11 = (s(0, 0) - s(0, 2) - s(2, 0) + s(2, 2)) / 2.0;
        EXPECT_LT(std::abs(net.sdd[k](0, 0) - sdd11), 1e-14) << k;
    }
}

// A single-ended 4-port made of two ideal 50 ohm thrus a->b and c->d.
Touchstone two_thrus(int a, int b, int c, int d, std::vector<double> f = {0.0, 1e9, 2e9}) {
    Touchstone ts;
    ts.path = "synthetic.s4p";
    ts.ports = 4;
    ts.f_hz = f;
    ts.z_ref_ohm.assign(4, 50.0);
    Eigen::MatrixXcd s = Eigen::MatrixXcd::Zero(4, 4);
    s(a - 1, b - 1) = s(b - 1, a - 1) = 1.0;
    s(c - 1, d - 1) = s(d - 1, c - 1) = 1.0;
    ts.s.assign(f.size(), s);
    return ts;
}

TEST(DiffNetwork, IdealThrusGiveUnitSdd21AndPolarityFollowsPairing) {
    const auto ts = two_thrus(1, 2, 3, 4);
    const auto net = to_differential(ts, {1, 3, 2, 4});
    EXPECT_LT(std::abs(net.sdd[1](1, 0) - 1.0), 1e-15);
    EXPECT_LT(std::abs(net.sdd[1](0, 0)), 1e-15);
    const auto swapped = to_differential(ts, {3, 1, 2, 4});  // in+ and in- exchanged
    EXPECT_LT(std::abs(swapped.sdd[1](1, 0) + 1.0), 1e-15);
    // Two series 20 ohm resistors (1->2, 3->4) in 50 ohm: S11 = r/(r+2), S21 = 2/(r+2),
    // r = 0.4. Written at 75 ohm they look different; to_differential renormalises to 50 ohm
    // first, so the differential result is unchanged.
    Touchstone r50 = ts;
    const double r = 0.4;
    for (auto& s : r50.s) {
        s.setZero();
        s(0, 0) = s(1, 1) = s(2, 2) = s(3, 3) = r / (r + 2);
        s(0, 1) = s(1, 0) = s(2, 3) = s(3, 2) = 2 / (r + 2);
    }
    Touchstone r75 = r50;
    r75.z_ref_ohm.assign(4, 75.0);
    for (auto& s : r75.s) s = renormalize(s, r50.z_ref_ohm, r75.z_ref_ohm);
    // Series 20 ohm between 75 ohm ports: S11 = 20 / (20 + 150).
    EXPECT_NEAR(std::abs(r75.s[1](0, 0) - 20.0 / 170.0), 0.0, 1e-12);
    const auto d50 = to_differential(r50, {1, 3, 2, 4});
    const auto d75 = to_differential(r75, {1, 3, 2, 4});
    EXPECT_LT((d75.sdd[1] - d50.sdd[1]).cwiseAbs().maxCoeff(), 1e-12);
    EXPECT_NEAR(std::abs(d50.sdd[1](1, 0) - 2 / (r + 2)), 0.0, 1e-15);  // 100 ohm, 40 ohm series
    EXPECT_NE(d75.source.find("renormalised to 50 ohm"), std::string::npos);
}

TEST(DiffNetwork, TwoPortFilesPassThroughAndOddPortCountsFail) {
    Touchstone ts;
    ts.path = "x.s2p";
    ts.ports = 2;
    ts.f_hz = {1e9, 2e9};
    Eigen::MatrixXcd s(2, 2);
    s << 0.1, 0.8, 0.8, 0.2;
    ts.s = {s, s};
    ts.z_ref_ohm.assign(2, 50.0);
    const auto net = to_differential(ts, {});
    EXPECT_EQ(net.sdd[0](1, 0), cd(0.8));
    EXPECT_EQ(net.sdd[0](1, 1), cd(0.2));
    ts.ports = 3;
    SI_EXPECT_THROW_MSG((void)to_differential(ts, {}), si::ModelError, "3-port file cannot give");
}

TEST(DetectPairing, FindsTheIeeeLayout) {
    std::string report;
    const auto p = detect_pairing(dpo4(), report);
    EXPECT_EQ(p.spec(), "1,3,2,4");
    EXPECT_NE(report.find("through paths 1->2 and 3->4"), std::string::npos) << report;
}

TEST(DetectPairing, FindsSharedIeeeThrusAndRejectsCrosstalk) {
    SI_REQUIRE_SHARED(dir, "channels");
    for (const auto& row : kIlTable) {
        std::string report;
        EXPECT_EQ(detect_pairing(read_touchstone(dir + "/../" + row.file), report).spec(),
                  "1,3,2,4")
            << row.file << ": " << report;
    }
    std::string report;
    SI_EXPECT_THROW_MSG(
        (void)detect_pairing(
            read_touchstone(dir + "/ieee8023ck_orthobp_12dB/DPO_4in_Meg7_NENF89.s4p"), report),
        si::ModelError, "cannot tell the through paths");
}

TEST(DetectPairing, FollowsOtherPortLayouts) {
    std::string report;
    EXPECT_EQ(detect_pairing(two_thrus(1, 3, 2, 4), report).spec(), "1,2,3,4");
    EXPECT_EQ(detect_pairing(two_thrus(1, 4, 2, 3), report).spec(), "1,2,4,3");
    Touchstone none = two_thrus(1, 2, 3, 4);
    for (auto& s : none.s) s.setConstant(0.1);  // no dominant path
    SI_EXPECT_THROW_MSG((void)detect_pairing(none, report), si::ModelError, "ambiguous");
    Touchstone six = two_thrus(1, 2, 3, 4);
    six.ports = 6;
    SI_EXPECT_THROW_MSG((void)detect_pairing(six, report), si::ModelError, "needs a 4-port file");
}

// Matched line: S = [[0, e], [e, 0]], e = exp(-gamma L) from the COM model.
DiffNetwork matched_line(double length_mm, const std::vector<double>& f) {
    DiffNetwork n;
    n.f_hz = f;
    n.source = si::str("line ", length_mm, " mm");
    for (double x : f) {
        const cd e = std::exp(-com_gamma_per_mm({}, x) * length_mm);
        Eigen::Matrix2cd m;
        m << 0.0, e, e, 0.0;
        n.sdd.push_back(m);
    }
    return n;
}

std::vector<double> grid(double f0, double df, int n) {
    std::vector<double> f(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) f[static_cast<std::size_t>(i)] = f0 + df * i;
    return f;
}

TEST(Cascade, IdealThruIsNeutral) {
    const auto f = grid(0.0, 1e8, 301);
    DiffNetwork thru;
    thru.f_hz = f;
    thru.source = "thru";
    Eigen::Matrix2cd t;
    t << 0.0, 1.0, 1.0, 0.0;
    thru.sdd.assign(f.size(), t);
    DiffNetwork dut = to_differential(two_thrus(1, 2, 3, 4, f), {1, 3, 2, 4});
    // Give the DUT reflections so that the joint formula is exercised.
    for (std::size_t k = 0; k < f.size(); ++k) dut.sdd[k] << 0.2, 0.7, 0.7, -0.1;
    for (const auto& c : {cascade({thru, dut}), cascade({dut, thru})})
        for (std::size_t k = 0; k < f.size(); ++k)
            EXPECT_LT((c.sdd[k] - dut.sdd[k]).cwiseAbs().maxCoeff(), 1e-15);
}

TEST(Cascade, TwoMatchedLinesDoubleTheLoss) {
    const auto f = grid(0.0, 1e8, 501);
    const auto one = matched_line(100.0, f);
    const auto two = cascade({one, one});
    const auto full = matched_line(200.0, f);
    for (std::size_t k = 1; k < f.size(); k += 50) {
        EXPECT_NEAR(db(two.sdd[k](1, 0)), 2.0 * db(one.sdd[k](1, 0)), 1e-9) << f[k];
        EXPECT_LT(std::abs(two.sdd[k](1, 0) - full.sdd[k](1, 0)), 1e-12) << f[k];
    }
}

TEST(Cascade, SeriesResistorsAddWithReflections) {
    // Series R between two Z0 ports: S11 = r/(r+2), S21 = 2/(r+2), r = R/Z0. Two in cascade
    // make a series 2R; the joint has multiple reflections.
    auto series_r = [](double r, const std::vector<double>& f) {
        DiffNetwork n;
        n.f_hz = f;
        n.source = "R";
        Eigen::Matrix2cd m;
        m << r / (r + 2), 2 / (r + 2), 2 / (r + 2), r / (r + 2);
        n.sdd.assign(f.size(), m);
        return n;
    };
    const auto f = grid(1e9, 1e9, 5);
    const auto c = cascade({series_r(0.3, f), series_r(0.3, f)});
    const auto want = series_r(0.6, f);
    EXPECT_LT((c.sdd[2] - want.sdd[2]).cwiseAbs().maxCoeff(), 1e-15);
}

TEST(Cascade, InterpolatesOtherGridsOntoTheFirstWithinTheCommonRange) {
    const auto fine = grid(0.0, 1e7, 2001);   // 0-20 GHz
    const auto coarse = grid(0.0, 2e7, 751);  // 0-15 GHz
    const auto c = cascade({matched_line(50.0, fine), matched_line(50.0, coarse)});
    ASSERT_EQ(c.f_hz.size(), 1501u);  // restricted to 0-15 GHz
    EXPECT_DOUBLE_EQ(c.f_hz.back(), 15e9);
    const auto want = matched_line(100.0, c.f_hz);
    // Mid-points of the coarse grid come from interpolation: the phase is not exactly linear
    // (a1 and a2 terms), nor the magnitude; 1e-4 bounds the second-order error at df = 20 MHz.
    // Near DC the sqrt(f) curvature is larger: check from 100 MHz up (error ~1e-6 f^-1.5 [GHz]).
    for (std::size_t k = 10; k < c.f_hz.size(); k += 37)
        EXPECT_LT(std::abs(c.sdd[k](1, 0) - want.sdd[k](1, 0)), 1e-4) << c.f_hz[k];
    SI_EXPECT_THROW_MSG(
        (void)cascade({matched_line(1, grid(0, 1e9, 5)), matched_line(1, grid(5e9, 1e9, 5))}),
        si::ModelError, "do not overlap");
    SI_EXPECT_THROW_MSG((void)cascade({}), si::ModelError, "no networks");
}

}  // namespace
