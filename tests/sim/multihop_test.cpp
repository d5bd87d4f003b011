// Multi-hop links (si/sim/multihop.hpp): a retimer hands its decisions, errors included, to the
// next hop; end-to-end counts against the pattern; jitter transfer through the retimer's CDR;
// thread identity; refusal of a retimer without a recovered clock.
#include <gtest/gtest.h>

#include <cmath>

#include "si/core/error.hpp"
#include "si/sim/multihop.hpp"

namespace {

// One electrical hop of a 53.125 GBd PAM4 lane: 20 dB channel, COM CTLE, 12-tap FFE, 1-tap DFE,
// bang-bang CDR.
si::sim::LinkSpec hop(double noise_v) {
    si::sim::LinkSpec s;
    s.sim.symbols = 100000;
    s.sim.samples_per_ui = 16;
    s.signal.pattern.name = "random";
    s.tx.swing_v = 0.8;
    s.tx.rise_time_s = 7.5e-12;
    s.channel.loss_at_nyquist_db = 20;
    s.rx.ctle.model = "com";
    s.rx.ctle.gdc_db = -8;
    s.rx.afe_bandwidth_hz = 39.84e9;
    s.rx.noise_rms_v = noise_v;
    s.rx.ffe.taps = 12;
    s.rx.ffe.pre = 2;
    s.rx.dfe.taps = 1;
    s.rx.cdr_model = "bang_bang";
    s.rx.cdr.bandwidth_hz = 10e6;
    return s;
}

si::sim::MultiHopSpec two_hops(double noise0, double noise1) {
    si::sim::MultiHopSpec m;
    m.architecture = "electrical";
    m.hops = {hop(noise0), hop(noise1)};
    return m;
}

}  // namespace

TEST(MultiHop, RetimerWithoutErrorsReproducesThePattern) {
    const si::sim::MultiLink ml(two_hops(1e-3, 1e-3));
    const auto r = si::sim::run(ml);
    ASSERT_EQ(r.hops.size(), 2u);
    EXPECT_EQ(r.ber.symbols_compared, 100000u);
    for (const auto& h : r.hops) {
        EXPECT_EQ(h.ber.symbols_compared, 100000u);
        EXPECT_EQ(h.ber.symbol_errors, 0u);
        EXPECT_EQ(h.rx.locked_fraction, 1.0);
    }
    // the last hop's decisions are the pattern, symbol for symbol
    EXPECT_EQ(r.ber.symbol_errors, 0u);
    EXPECT_EQ(r.hop_symbol_errors, 0u);
    EXPECT_EQ(r.missing_symbols, 0u);
}

TEST(MultiHop, EndToEndErrorsAreTheHopsErrors) {
    // noise in both hops: SER ~1e-4 each, where DFE error propagation is small
    auto m = two_hops(6.5e-3, 6.5e-3);
    for (auto& h : m.hops) h.sim.symbols = 300000;
    const si::sim::MultiLink ml(m);
    const auto r = si::sim::run(ml);
    const auto e0 = r.hops[0].ber.symbol_errors, e1 = r.hops[1].ber.symbol_errors;
    ASSERT_GT(e0, 20u);
    ASSERT_GT(e1, 20u);
    // the hops' own counters and the end-to-end bookkeeping see the same errors
    EXPECT_EQ(e0 + e1, r.hop_symbol_errors);
    // an end-to-end error needs a hop error; two errors on one symbol can cancel, never add
    EXPECT_LE(r.ber.symbol_errors, r.hop_symbol_errors - r.coincident_errors);
    EXPECT_GE(r.ber.symbol_errors + 2 * r.coincident_errors, r.hop_symbol_errors - r.coincident_errors);
    // coincidences are rare at this SER (DFE bursts stay inside a hop)
    EXPECT_LT(r.coincident_errors, r.hop_symbol_errors / 10 + 2);
    // counted against the original pattern: SER_e2e ~ SER_0 + SER_1, and the statistical
    // end-to-end SER agrees within 2x
    const double ser = r.ber.ser();
    EXPECT_NEAR(ser, (static_cast<double>(e0 + e1)) / 3e5, 0.1 * ser + 2e-5);
    EXPECT_LT(ser / r.ser_statistical, 2.0);
    EXPECT_GT(ser / r.ser_statistical, 0.5);
}

TEST(MultiHop, BitIdenticalForAnyThreadCount) {
    auto m = two_hops(9e-3, 9e-3);
    for (auto& h : m.hops) {
        h.sim.symbols = 60000;
        h.sim.segment_symbols = 20000;
        h.rx.ffe.mode = "lms";
        h.rx.ffe.mu = 2e-4;
        h.rx.training_symbols = 20000;
    }
    m.hops[0].tx.rj_rms_ui = 0.01;  // jitter (waveform path) in hop 0 too
    std::vector<si::sim::MultiRunResult> rs;
    for (int t : {1, 2, 3}) {
        auto mt = m;
        mt.hops[0].sim.threads = t;
        rs.push_back(si::sim::run(si::sim::MultiLink(mt)));
    }
    ASSERT_GT(rs[0].ber.symbol_errors, 0u);

    for (std::size_t i = 1; i < rs.size(); ++i) {
        EXPECT_EQ(rs[i].ber.symbol_errors, rs[0].ber.symbol_errors);
        EXPECT_EQ(rs[i].ber.bit_errors, rs[0].ber.bit_errors);
        for (std::size_t h = 0; h < 2; ++h) {
            EXPECT_EQ(rs[i].hops[h].ber.symbol_errors, rs[0].hops[h].ber.symbol_errors);
            EXPECT_EQ(rs[i].hops[h].eye->histogram(), rs[0].hops[h].eye->histogram());
            EXPECT_EQ(rs[i].hops[h].rx.rms_jitter_ui, rs[0].hops[h].rx.rms_jitter_ui);
        }
    }
}

// The retimer's recovered clock launches the next hop: sinusoidal jitter on hop 0's TX below its
// CDR bandwidth is tracked and passed on (hop 1's clock follows it), jitter far above the
// bandwidth is filtered (jitter transfer of the retimer's loop).
TEST(MultiHop, RetimerPassesJitterBelowItsBandwidthAndFiltersItAbove) {
    // first-order bang-bang loops (slew-limited, corner ~ a few MHz) on a 12 dB channel, where
    // the detector sees clean crossings (as the JTOL test in receiver_test.cpp)
    constexpr double A = 0.12;  // UI peak
    auto rms_hop1 = [&](double f_hz, double amp) {
        auto m = two_hops(2e-3, 2e-3);
        for (auto& h : m.hops) {
            h.channel.loss_at_nyquist_db = 12;
            h.rx.cdr.bandwidth_hz = 0;
            h.rx.cdr.kp = 1.0 / 256;
            h.rx.cdr.ki = 0;
            h.rx.cdr.pi_steps = 256;
            h.rx.training_symbols = 5000;
        }
        m.hops[0].tx.sj_amp_ui = amp;
        m.hops[0].tx.sj_freq_hz = f_hz;
        const auto r = si::sim::run(si::sim::MultiLink(m));
        // untracked 0.12 UI SJ (2 GHz) leaves hop 0 at the edge of its eye: a few errors at most
        EXPECT_LE(r.ber.symbol_errors, 5u) << f_hz << " hop errors " << r.hops[0].ber.symbol_errors << " " << r.hops[1].ber.symbol_errors;
        return std::pair{r.hops[0].rx.rms_jitter_ui, r.hops[1].rx.rms_jitter_ui};
    };
    const double sj_rms = A / std::sqrt(2.0);
    // hop 0's rms is its sampling offset from the SJ-displaced symbols: small where it tracks
    const auto [low0, low1] = rms_hop1(1e6, A);  // far below the loop corner
    const auto [high0, high1] = rms_hop1(2e9, A);  // far above it
    const auto [base0, base1] = rms_hop1(1e6, 0.0);  // the loops' own dither and noise
    EXPECT_LT(low0, 0.2 * sj_rms) << low0;       // hop 0 follows the SJ ...
    EXPECT_GT(low1, 0.7 * sj_rms) << low1;       // ... and its clock passes it to hop 1
    EXPECT_GT(high0, 0.8 * sj_rms) << high0;     // hop 0 does not follow ...
    // ... so hop 1 is launched on a clock about as clean as without SJ
    EXPECT_LT(high1, base1 + 0.1 * sj_rms) << high1 << " vs " << base1;
    EXPECT_LT(base0, 0.2 * sj_rms);
}

TEST(MultiHop, ARetimerNeedsARecoveredClock) {
    auto m = two_hops(1e-3, 1e-3);
    m.hops[0].rx.cdr_model = "ideal";
    try {
        const si::sim::MultiLink ml(m);
        FAIL() << "accepted";
    } catch (const si::ConfigError& e) {
        EXPECT_EQ(e.key(), "hop.0.rx.cdr.model");
    }
    m = two_hops(1e-3, 1e-3);
    m.hops[1].tx.swing_v = -1;
    try {
        const si::sim::MultiLink ml(m);
        FAIL() << "accepted";
    } catch (const si::ConfigError& e) {
        EXPECT_EQ(e.key(), "hop.1.tx.swing");
    }
}
