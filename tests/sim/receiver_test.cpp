// The receiver DSP and clock recovery inside the run: counted SER against the statistical
// counterpart from the same design, bit-identity for any thread count with every feedback loop
// on, CDR lock / frequency tracking at engine level, and jitter tolerance.
#include <gtest/gtest.h>

#include <cmath>

#include "si/core/error.hpp"
#include "si/sim/jtol.hpp"
#include "si/sim/link.hpp"
#include "si/sim/receiver.hpp"
#include "si/sim/stateye.hpp"

namespace {

/// A 112G PAM4 lane over a 20 dB synthetic channel with the COM CTLE: closed at the sampler
/// without an FFE, open with one.
si::sim::LinkSpec lane(std::uint64_t symbols, double noise_v) {
    si::sim::LinkSpec s;
    s.sim.symbols = symbols;
    s.sim.samples_per_ui = 16;
    s.signal.pattern.name = "random";  // independent symbols, as the statistical model assumes
    s.tx.swing_v = 0.8;
    s.tx.rise_time_s = 7.5e-12;
    s.channel.loss_at_nyquist_db = 20;
    s.rx.ctle.model = "com";
    s.rx.ctle.gdc_db = -8;
    s.rx.afe_bandwidth_hz = 39.84e9;
    s.rx.noise_rms_v = noise_v;
    s.rx.ffe.taps = 12;
    s.rx.ffe.pre = 2;
    return s;
}

si::sim::RunResult run(const si::sim::LinkSpec& s) {
    const si::sim::Link link(s);
    return si::sim::run(link);
}

void expect_within_factor(double counted, double statistical, double factor) {
    ASSERT_GT(counted, 0);
    ASSERT_GT(statistical, 0);
    EXPECT_LT(counted / statistical, factor) << counted << " vs " << statistical;
    EXPECT_GT(counted / statistical, 1 / factor) << counted << " vs " << statistical;
}

TEST(Receiver, FfeCountedSerMatchesStatisticalWithin2x) {
    // ~1e-4: 1e6 symbols give ~100 errors (binomial sd 10 %)
    const auto r = run(lane(1000000, 6e-3));
    EXPECT_EQ(r.rx.ser_statistical_method.rfind("slicer after", 0), 0u);
    expect_within_factor(r.ber.ser(), r.rx.ser_statistical, 2.0);
}

TEST(Receiver, FfeDfeCountedSerMatchesIdealFeedbackWithin2x) {
    auto s = lane(1000000, 7e-3);
    s.rx.dfe.taps = 1;
    const auto r = run(s);
    ASSERT_GT(r.ber.symbol_errors, 50u);
    expect_within_factor(r.ber.ser(), r.rx.ser_statistical, 2.0);
    // error propagation only adds errors: counted >= ideal-feedback theory less binomial noise
    EXPECT_GT(r.ber.ser(), 0.7 * r.rx.ser_statistical);
    // the DFE cancels the first post-cursor of the equalized pulse it sees
    const si::sim::Link link(s);
    const auto& d = link.receiver();
    ASSERT_EQ(r.rx.dfe_taps.size(), 1u);
    EXPECT_NEAR(r.rx.dfe_taps[0] * d.detector_main,
                d.equalized[static_cast<std::size_t>(d.eq_cursor) + 1], 1e-12);
}

TEST(Receiver, MlseCountedSerIsBelowItsUnionBoundAndClose) {
    auto s = lane(1000000, 8e-3);
    s.rx.mlse.memory = 1;
    const auto r = run(s);
    ASSERT_GT(r.ber.symbol_errors, 50u);
    // an upper bound, tight at this SER: counted <= bound (plus 4 binomial sd), and within 2x
    EXPECT_LT(static_cast<double>(r.ber.symbol_errors),
              r.rx.ser_statistical * 1e6 + 4 * std::sqrt(r.rx.ser_statistical * 1e6));
    expect_within_factor(r.ber.ser(), r.rx.ser_statistical, 2.0);
    // and the MLSE beats the FFE + DFE on the same lane and noise
    auto d = lane(1000000, 8e-3);
    d.rx.dfe.taps = 1;
    EXPECT_LT(r.ber.symbol_errors, run(d).ber.symbol_errors);
}

TEST(Receiver, BitIdenticalForAnyThreadCountWithCdrDfeAndLms) {
    auto s = lane(36000, 6e-3);
    s.signal.pattern.name = "prbs31";
    s.sim.segment_symbols = 10000;
    s.rx.ffe.mode = "lms";
    s.rx.ffe.mu = 2e-4;
    s.rx.dfe.taps = 2;
    s.rx.dfe.mode = "lms";
    s.rx.cdr_model = "bang_bang";
    s.rx.cdr.bandwidth_hz = 20e6;
    s.rx.cdr.initial_phase_ui = 0.2;
    s.rx.training_symbols = 20000;
    std::vector<si::sim::RunResult> rs;
    for (int t : {1, 2, 3}) {
        s.sim.threads = t;
        rs.push_back(run(s));
    }
    const auto& a = rs[0];
    EXPECT_EQ(a.rx.segments, 4u);
    EXPECT_GT(a.ber.symbols_compared, 0u);
    for (std::size_t i = 1; i < rs.size(); ++i) {
        const auto& b = rs[i];
        EXPECT_EQ(a.ber.symbol_errors, b.ber.symbol_errors);
        EXPECT_EQ(a.ber.bit_errors, b.ber.bit_errors);
        EXPECT_EQ(a.ber.symbols_compared, b.ber.symbols_compared);
        EXPECT_EQ(a.eye->histogram(), b.eye->histogram());
        EXPECT_EQ(a.rx.dsp_eye->histogram(), b.rx.dsp_eye->histogram());
        EXPECT_EQ(a.rx.ffe_taps, b.rx.ffe_taps);
        EXPECT_EQ(a.rx.dfe_taps, b.rx.dfe_taps);
        EXPECT_EQ(a.rx.phase_trace_ui, b.rx.phase_trace_ui);
        EXPECT_EQ(a.rx.mean_phase_ui, b.rx.mean_phase_ui);
        EXPECT_EQ(a.rx.rms_jitter_ui, b.rx.rms_jitter_ui);
        EXPECT_EQ(a.rx.burst_length_histogram, b.rx.burst_length_histogram);
    }
    // LMS moved the taps away from the MMSE start during training
    const si::sim::Link link(s);
    EXPECT_NE(a.rx.ffe_taps, link.receiver().ffe_taps);
}

TEST(Receiver, CdrLocksFromHalfAUiAwayAndSamplesTheEyeCentre) {
    auto s = lane(100000, 4e-3);
    s.rx.dfe.taps = 1;
    s.rx.cdr_model = "bang_bang";
    s.rx.cdr.bandwidth_hz = 10e6;
    s.rx.cdr.initial_phase_ui = 0.5;
    const auto r = run(s);
    ASSERT_TRUE(r.rx.cdr);
    EXPECT_EQ(r.rx.locked_fraction, 1.0);
    // lock within the automatic training (20 loop time constants)
    ASSERT_GE(r.rx.lock_ui, 0);
    EXPECT_LT(static_cast<std::uint64_t>(r.rx.lock_ui), r.rx.training_symbols);
    // the Alexander detector centres the sampler between the symmetric crossings: within a
    // tenth of a UI of the ideal phase here, and the link counts no errors at this noise
    EXPECT_LT(std::abs(r.rx.mean_phase_ui), 0.1);
    EXPECT_EQ(r.ber.symbol_errors, 0u);
}

TEST(Receiver, CdrTracks200PpmWithoutCycleSlips) {
    auto s = lane(1000000, 4e-3);
    s.sim.segment_symbols = 1000000;
    s.rx.dfe.taps = 1;
    s.rx.cdr_model = "bang_bang";
    s.rx.cdr.bandwidth_hz = 10e6;
    s.rx.cdr.frequency_offset_ppm = 200;
    const auto r = run(s);
    // the phase ramps at +200e-6 UI per UI (the RX clock is fast by 200 ppm) ...
    EXPECT_NEAR(r.rx.phase_slope_ppm, 200.0, 5.0);
    // ... and tracks without a slip: a slip would drop or repeat a symbol and the rest of the
    // run would be misaligned (errors ~3/4 of symbols)
    EXPECT_EQ(r.ber.symbol_errors, 0u);
    EXPECT_EQ(r.rx.locked_fraction, 1.0);
}

// Decision-directed adaptation in the run (FFE and DFE LMS, CDR) starts from the solved taps
// and keeps the link where the solved receiver has it: a cold start (FFE w_P = 1/h0) on this
// 20 dB channel never converged (SER 0.35-0.5).
TEST(Receiver, LmsAdaptationKeepsTheSolvedReceiversErrorRate) {
    auto s = lane(200000, 6.5e-3);
    s.sim.segment_symbols = 100000;
    s.rx.dfe.taps = 2;
    s.rx.cdr_model = "bang_bang";
    s.rx.cdr.bandwidth_hz = 10e6;
    const auto solved = run(s);
    s.rx.ffe.mode = "lms";
    s.rx.ffe.mu = 2e-4;
    s.rx.dfe.mode = "lms";
    s.rx.training_symbols = 20000;
    const auto lms = run(s);
    ASSERT_GT(solved.ber.symbol_errors, 10u);
    EXPECT_LT(lms.ber.ser(), 2.0 * solved.ber.ser()) << lms.ber.ser() << " vs " << solved.ber.ser();
    EXPECT_GT(lms.ber.ser(), 0.5 * solved.ber.ser()) << lms.ber.ser() << " vs " << solved.ber.ser();
    // the taps moved (adaptation ran) and stayed near the MMSE solution
    ASSERT_EQ(lms.rx.ffe_taps.size(), solved.rx.ffe_taps.size());
    double d = 0, n = 0;
    for (std::size_t i = 0; i < lms.rx.ffe_taps.size(); ++i) {
        d += std::pow(lms.rx.ffe_taps[i] - solved.rx.ffe_taps[i], 2);
        n += std::pow(solved.rx.ffe_taps[i], 2);
    }
    EXPECT_GT(d, 0.0);
    EXPECT_LT(std::sqrt(d / n), 0.3);
}

TEST(Receiver, JitterToleranceSlopeAndHighFrequencyLevel) {
    // First-order bang-bang loop (ki = 0): slew-rate limited (kp rho UI per UI), so the tolerated
    // SJ falls as 1/f (-20 dB/decade) below the corner; far above it the CDR does not follow and
    // the tolerance is the eye width at the target BER.
    auto s = lane(80000, 6e-3);
    s.channel.loss_at_nyquist_db = 12;  // a bang-bang detector needs crossings it can see
    s.sim.samples_per_ui = 8;
    s.rx.dfe.taps = 1;
    s.rx.cdr_model = "bang_bang";
    s.rx.cdr.kp = 1.0 / 256;
    s.rx.cdr.ki = 0;
    s.rx.cdr.pi_steps = 256;
    s.rx.training_symbols = 5000;
    si::sim::JtolOptions o;
    o.target_ber = 1e-3;
    o.symbols = 80000;
    o.resolution_ui = 0.01;
    o.frequencies_hz = {1.5e6, 5e6, 2e9};
    const auto p = si::sim::jitter_tolerance(s, o);
    ASSERT_EQ(p.size(), 3u);
    ASSERT_FALSE(p[0].capped);
    const double slope_db_per_decade = 20 * std::log10(p[1].amplitude_ui_pp / p[0].amplitude_ui_pp) /
                                       std::log10(o.frequencies_hz[1] / o.frequencies_hz[0]);
    EXPECT_NEAR(slope_db_per_decade, -20.0, 3.0) << p[0].amplitude_ui_pp << " " << p[1].amplitude_ui_pp;
    // SER target = BER x 2 bits (Gray, PAM4)
    const double w = si::sim::receiver_eye_width_ui(si::sim::Link(s), 2 * o.target_ber);
    EXPECT_NEAR(p[2].amplitude_ui_pp, w, 0.1) << "statistical eye width " << w;
}

}  // namespace

namespace {
TEST(Receiver, SettingsOfABlockThatIsOffAreRefusedNamingTheKey) {
    auto expect_key = [](si::sim::LinkSpec s, const std::string& key) {
        try {
            si::sim::validate(s);
            ADD_FAILURE() << key << " accepted";
        } catch (const si::ConfigError& e) {
            EXPECT_EQ(e.key(), key);
        }
    };
    auto s = lane(10000, 1e-3);
    s.rx.ffe.taps = 0;
    s.rx.ffe.pre = 3;
    expect_key(s, "rx.ffe.pre");
    s = lane(10000, 1e-3);
    s.rx.dfe.tap_max = {0.85};
    expect_key(s, "rx.dfe.tap_max");
    s = lane(10000, 1e-3);
    s.rx.mlse.target = {1.0, 0.5};
    expect_key(s, "rx.mlse.target");
    s = lane(10000, 1e-3);
    s.rx.mlse.memory = 1;
    s.rx.dfe.taps = 1;
    expect_key(s, "rx.mlse.taps");
}
}  // namespace
