// LPO/CPO single-hop links: the streamed optical chain against its linearised pulse, thread
// identity, and rejection of impossible optics.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "si/core/error.hpp"
#include "si/sim/link.hpp"
#include "stage_optics.hpp"
#include "stage_tx.hpp"
#include "stage_waveform.hpp"

namespace {

// A noiseless LPO link whose optical chain is linear up to (A / V_pi)^2 ~ 1e-4: MZM at
// quadrature with a V_pi far above the drive, no compression.
si::sim::LinkSpec linear_lpo() {
    si::sim::LinkSpec s;
    s.sim.symbols = 20000;
    s.sim.samples_per_ui = 16;
    s.signal.pattern.name = "prbs13q";
    s.tx.swing_v = 0.8;
    s.tx.rise_time_s = 7.5e-12;
    s.channel.loss_at_nyquist_db = 6;
    s.optics.architecture = "lpo";
    s.optics.modulator = "mzm";
    s.optics.driver.gain_db = 6;
    s.optics.driver.bandwidth_hz = 45e9;
    s.optics.laser.power_w = 10e-3;
    s.optics.laser.rin_db_hz = -std::numeric_limits<double>::infinity();
    s.optics.mzm.v_pi_v = 40;
    s.optics.mzm.bias_v = -20;
    s.optics.mzm.bandwidth_hz = 40e9;
    s.optics.pd.shot_noise = false;
    s.optics.pd.bandwidth_hz = 50e9;
    s.optics.tia.transimpedance_ohm = 2000;
    s.optics.tia.bandwidth_hz = 35e9;
    s.optics.far.loss_at_nyquist_db = 6;
    return s;
}

}  // namespace

namespace {

// rms of (streamed optical waveform - superposition of the linearised pulse) / rms of the latter
double streamed_vs_linearised(const si::sim::LinkSpec& s, bool& fibre_flat) {
    const si::sim::Link link(s);
    if (link.optics_model() == nullptr) {
        ADD_FAILURE() << "no optics model";
        return 1.0;
    }
    fibre_flat = link.optics_model()->fibre_flat;
    const int M = s.sim.samples_per_ui;
    const std::uint64_t first = 3000;
    si::sim::detail::TxSymbols tx_a(link), tx_b(link);
    si::sim::detail::FrontEnd fe(link, tx_a, first);
    auto sym = [&tx_b](std::uint64_t k0, std::size_t n, float* out) {
        tx_b.extend(k0 + n);
        for (std::size_t i = 0; i < n; ++i) out[i] = tx_b.x(k0 + i);
    };
    si::sim::detail::PulseStream ref(link.pulse(), M, 1024, sym, first);
    tx_b.start(ref.symbols_needed_from());
    double err2 = 0, ref2 = 0, peak = 0;
    for (std::uint64_t g = first * M; g < (first + 4000) * M; ++g) {
        const double a = fe.signal(g), b = ref.at(g);
        err2 += (a - b) * (a - b);
        ref2 += b * b;
        peak = std::max(peak, std::abs(a - b));
    }
    (void)peak;
    return std::sqrt(err2 / ref2);
}

}  // namespace

TEST(OpticsLink, StreamedWaveformMatchesTheLinearisedPulse) {
    // The residual is the MZM's cubic term and the window truncations: far below the signal.
    bool flat = false;
    EXPECT_LT(streamed_vs_linearised(linear_lpo(), flat), 2e-2);
    EXPECT_TRUE(flat);  // 500 m at 1310 nm: the fibre acts as its loss
    // 1 km at 1550 nm (D ~ 17 ps/(nm km)): power fading within the band, the fibre FIR streams
    // and its response enters the linearised pulse; both must still agree.
    auto s = linear_lpo();
    s.optics.laser.wavelength_m = 1550e-9;
    s.optics.fibre.length_m = 1000;
    EXPECT_LT(streamed_vs_linearised(s, flat), 2e-2);
    EXPECT_FALSE(flat);
}

TEST(OpticsLink, BitIdenticalForAnyThreadCountWithNonlinearNoisyOptics) {
    auto s = linear_lpo();
    s.sim.symbols = 60000;
    s.sim.segment_symbols = 20000;  // three segments, spread over the threads
    s.optics.modulator = "eml";
    s.optics.driver.compression.model = "tanh";
    s.optics.driver.compression.thd = 0.03;
    s.optics.driver.compression.amplitude_v = 0.3;
    s.optics.driver.input_noise_v_rthz = 20e-9;
    s.optics.laser.rin_db_hz = -140;
    s.optics.pd.shot_noise = true;
    s.optics.tia.input_noise_a_rthz = 20e-12;
    s.optics.tia.compression.model = "tanh";
    s.optics.tia.compression.thd = 0.02;
    s.optics.tia.compression.amplitude_v = 0.2;
    s.rx.ffe.taps = 8;
    s.rx.ffe.pre = 2;
    s.rx.dfe.taps = 1;
    s.rx.noise_rms_v = 2e-3;
    si::sim::RunResult r[2];
    for (int t = 0; t < 2; ++t) {
        s.sim.threads = t + 1;
        const si::sim::Link link(s);
        r[t] = si::sim::run(link);
    }
    EXPECT_EQ(r[0].rx.segments, 3u);
    EXPECT_EQ(r[0].ber.symbol_errors, r[1].ber.symbol_errors);
    EXPECT_EQ(r[0].ber.bit_errors, r[1].ber.bit_errors);
    EXPECT_EQ(r[0].ber.symbols_compared, 60000u);
    EXPECT_TRUE(r[0].eye->histogram() == r[1].eye->histogram());
}

TEST(OpticsLink, OpticalNoiseAtTheSamplerMatchesTheCountedErrors) {
    // Linear, noisy chain (TIA input noise only, white): the counted SER at a fixed slicer and
    // the Gaussian SER from the measured optical noise sigma agree (binomial bounds).
    auto s = linear_lpo();
    s.sim.symbols = 200000;
    s.channel.loss_at_nyquist_db = 0;  // little ISI: the noise decides
    s.optics.far.loss_at_nyquist_db = 0;
    s.optics.tia.input_noise_a_rthz = 0;
    const si::sim::Link quiet(s);
    const double h = quiet.main_cursor_v() / 3;  // half the level spacing
    // noise density giving sigma = h / 3 at the sampler (sigma scales with the density)
    s.optics.tia.input_noise_a_rthz = 100e-12;
    const double sig100 = si::sim::Link(s).optical_noise_sigma_v();
    ASSERT_GT(sig100, 0);
    s.optics.tia.input_noise_a_rthz = 100e-12 * (h / 3) / sig100;
    const si::sim::Link link(s);
    EXPECT_NEAR(link.optical_noise_sigma_v(), h / 3, 0.02 * h / 3);
    const auto r = si::sim::run(link);
    const double p = 0.75 * std::erfc(3 / std::sqrt(2.0));  // 2 (N-1)/N Q(3), N = 4
    const double n = static_cast<double>(r.ber.symbols_compared);
    const double k = static_cast<double>(r.ber.symbol_errors);
    // ISI of the unequalized pulse widens it: the counted SER lies above the pure-noise SER and
    // below the statistical SER (exact ISI + the same sigma) within binomial bounds.
    EXPECT_GT(k, n * p - 5 * std::sqrt(n * p) - 1);
    const double ps = r.rx.ser_statistical;
    EXPECT_NEAR(k, n * ps, 5 * std::sqrt(n * ps) + 0.1 * n * ps + 1) << "noise-only " << n * p;
}

TEST(OpticsLink, ImpossibleOpticsNameTheKey) {
    auto expect_key = [](si::sim::LinkSpec s, const std::string& key) {
        try {
            si::sim::validate(s);
            ADD_FAILURE() << "accepted, expected " << key;
        } catch (const si::ConfigError& e) {
            EXPECT_EQ(e.key(), key) << e.what();
        }
    };
    auto s = linear_lpo();
    s.optics.laser.power_w = -1e-3;
    expect_key(s, "optics.laser.power_w");
    s = linear_lpo();
    s.optics.laser.rin_db_hz = 3;
    expect_key(s, "optics.laser.rin_db_hz");
    s = linear_lpo();
    s.optics.modulator = "eml";
    s.optics.eml.extinction_ratio_db = -1;
    expect_key(s, "optics.eml.extinction_ratio_db");
    s = linear_lpo();
    s.optics.architecture = "retimed";
    expect_key(s, "link.architecture");
    s = linear_lpo();
    s.optics.architecture = "plasma";
    expect_key(s, "link.architecture");
}

// TX jitter with optics: the near part becomes jittered NRZ through the near impulse response
// (stage_optics.hpp). With a jitter far below a sample (DCD 1e-6 UI) it must be the same
// waveform as the superposed near pulse: the two paths share one time frame.
TEST(OpticsLink, TxJitterPathMatchesThePulsePathAtZeroJitter) {
    auto s = linear_lpo();
    auto sj = s;
    sj.tx.dcd_ui = 1e-6;
    const si::sim::Link a(s), b(sj);
    const std::uint64_t first = 3000;
    si::sim::detail::TxSymbols ta(a), tb(b);
    si::sim::detail::FrontEnd fa(a, ta, first), fb(b, tb, first);
    const auto M = static_cast<std::uint64_t>(s.sim.samples_per_ui);
    double d2 = 0, y2 = 0;
    for (std::uint64_t g = first * M; g < (first + 4000) * M; ++g) {
        const double ya = fa.signal(g), yb = fb.signal(g);
        d2 += (ya - yb) * (ya - yb);
        y2 += ya * ya;
    }
    ASSERT_GT(y2, 0);
    EXPECT_LT(std::sqrt(d2 / y2), 1e-3);
    // and real jitter closes the counted eye: RJ of 0.06 UI rms costs eye width
    s.eye.target_ber = 1e-3;  // reached by the 20000-symbol histograms
    s.channel.loss_at_nyquist_db = 1;  // an open eye to close
    s.optics.far.loss_at_nyquist_db = 1;
    s.optics.pd.thermal_noise = false;  // noiseless: only the jitter closes the eye
    s.optics.tia.input_noise_a_rthz = 0;
    s.optics.driver.input_noise_v_rthz = 0;
    s.tx.rise_time_s = 0;  // and wide bandwidths: an open eye (SER 0.12 with those above)
    s.optics.driver.bandwidth_hz = s.optics.mzm.bandwidth_hz = 120e9;
    s.optics.pd.bandwidth_hz = s.optics.tia.bandwidth_hz = 120e9;
    auto sr = s;
    sr.tx.rj_rms_ui = 0.06;
    const auto r0 = si::sim::run(si::sim::Link(s));
    const auto r1 = si::sim::run(si::sim::Link(sr));
    // same symbol count: both histograms reach the same BER
    ASSERT_EQ(r1.metrics_histogram.ber_reached, r0.metrics_histogram.ber_reached);
    EXPECT_LT(r1.metrics_histogram.eye_width_at_reached_ui[1],
              r0.metrics_histogram.eye_width_at_reached_ui[1] - 0.05);
}

TEST(OpticsLink, PhotodiodeNodeNoiseHasTheStatisticsOfTheSeparateDraws) {
    // Flat fibre: RIN, shot and thermal noise are drawn as one Gaussian at the photodiode node
    // (make_chain(true) = the streamed chain); make_chain(true, false) keeps the laser's own RIN
    // draw and the photodiode's shot and thermal draws. At the TIA output (after the PD and TIA
    // poles) both must have the same mean and variance at every drive level.
    auto s = linear_lpo();
    s.optics.laser.rin_db_hz = -145;
    s.optics.pd.shot_noise = true;
    s.optics.pd.thermal_noise = true;
    const si::sim::Link link(s);
    const auto& om = *link.optics_model();
    ASSERT_TRUE(om.fibre_flat);
    const double a = om.drive_amplitude_v;
    const std::size_t blk = 4096, nblk = 256;  // 2^20 samples, the first block skipped
    for (double drive : {-a, 0.0, a}) {
        double mean[2], var[2];
        for (int merged = 0; merged < 2; ++merged) {
            auto chain = om.make_chain(true, merged == 1);
            for (auto& st : chain) st->reset(0);
            std::vector<double> x(blk), y(blk);
            double s1 = 0, s2 = 0, n = 0;
            for (std::size_t b = 0; b < nblk; ++b) {
                std::fill(x.begin(), x.end(), drive);
                for (auto& st : chain) {
                    st->process(x, y);
                    x.swap(y);
                }
                if (b == 0) continue;
                for (double v : x) s1 += v, s2 += v * v, n += 1;
            }
            mean[merged] = s1 / n;
            var[merged] = s2 / n - mean[merged] * mean[merged];
        }
        // each variance estimate of the band-limited noise spreads ~1 % (2^20 samples, ~35 GHz
        // of 425): 5 sigma of the ratio
        EXPECT_NEAR(var[1] / var[0], 1.0, 0.07) << drive;
        EXPECT_NEAR(mean[1], mean[0], 5 * std::sqrt(var[0] / 2e4)) << drive;
        EXPECT_GT(var[0], 0.0);
    }
}
