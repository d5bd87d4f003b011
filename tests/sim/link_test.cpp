// The built link: fused response, pulse, sampling phase, validation.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "si/core/units.hpp"
#include "si/sim/link.hpp"
#include "si/sim/stateye.hpp"
#include "si_test.hpp"

namespace {

si::sim::LinkSpec base_spec() {
    si::sim::LinkSpec s;
    s.sim.symbols = 20000;
    s.tx.swing_v = 1.0;
    return s;
}

TEST(Link, IdealChannelPulseIsOneUiRectangle) {
    auto s = base_spec();
    si::sim::Link link(s);
    const auto& p = link.pulse();
    // sum of the pulse over its samples = M * H(0) = M
    double sum = 0;
    for (double v : p) sum += v;
    EXPECT_NEAR(sum / s.sim.samples_per_ui, 1.0, 1e-9);
    EXPECT_NEAR(link.main_cursor_v(), 0.5, 1e-9);  // swing/2 x 1
    // thresholds of PAM4 at 0 and +-2/3 of the main cursor
    ASSERT_EQ(link.thresholds().size(), 3u);
    EXPECT_NEAR(link.thresholds()[0], -1.0 / 3, 1e-9);
    EXPECT_NEAR(link.thresholds()[1], 0.0, 1e-9);
    EXPECT_NEAR(link.thresholds()[2], 1.0 / 3, 1e-9);
}

TEST(Link, PulseDcGainEqualsChannelDcGain) {
    SI_REQUIRE_SHARED(file, "channels/ieee8023ck_orthobp_12dB/DPO_4in_Meg7_THRU.s4p");
    auto s = base_spec();
    s.channel.touchstone = {file};
    s.tx.rise_time_s = 7.5e-12;
    si::sim::Link link(s);
    double sum = 0;
    for (double v : link.pulse()) sum += v;
    const double dc = std::abs(link.channel_response(0.0));
    EXPECT_GT(dc, 0.9);  // a backplane passes DC with little loss
    // The window drops the channel's slow settling tail (1e-7 of the peak per sample over the
    // 100 ns the 10 MHz grid resolves): negligible ISI but ~0.2 % of the DC area, hence 3e-3.
    EXPECT_NEAR(sum / s.sim.samples_per_ui, dc, 3e-3 * dc);
    EXPECT_NEAR(link.channel().loss_at_nyquist_db, 12.17, 0.05);  // README of shared/data
    EXPECT_LT(link.truncation_energy(), 1e-6);
}

TEST(Link, CtleIsPartOfTheFusedResponse) {
    auto s = base_spec();
    s.rx.ctle.model = "com";
    s.rx.ctle.gdc_db = -9;
    si::sim::Link link(s);
    const double fb = s.signal.symbol_rate_bd;
    // fused = rise (none) x ideal channel x CTLE x AFE (none)
    EXPECT_NEAR(si::lin_to_db20(std::abs(link.response(0))), -9, 1e-9);
    // peaking: |H(fb/2)| well above the DC gain
    EXPECT_GT(si::lin_to_db20(std::abs(link.response(fb / 2))), -3.0);
}

TEST(Link, SamplingPhaseMaximisesOpeningOfSymmetricPulse) {
    // A Gaussian rise-time filter alone gives a pulse symmetric about the middle of the UI:
    // the best sampling instant is there (index of the pulse peak, within one sample).
    auto s = base_spec();
    s.tx.rise_time_s = 15e-12;
    si::sim::Link link(s);
    const auto& p = link.symbol_pulse();
    std::size_t ipk = 0;
    for (std::size_t i = 0; i < p.size(); ++i)
        if (p[i] > p[ipk]) ipk = i;
    EXPECT_LE(std::abs(static_cast<long>(ipk) - link.cursor_index()), 1);
}

TEST(LinkSpec, RejectsImpossibleValuesNamingTheKey) {
    auto check = [](auto edit, const char* key) {
        auto s = base_spec();
        edit(s);
        SI_EXPECT_THROW_MSG(si::sim::Link{s}, si::ConfigError, key);
    };
    check([](auto& s) { s.sim.samples_per_ui = 1; }, "sim.samples_per_ui");
    check([](auto& s) { s.sim.symbols = 10; }, "sim.symbols");
    check([](auto& s) { s.signal.modulation = "qam16"; }, "signal.modulation");
    check([](auto& s) { s.signal.symbol_rate_bd = NAN; }, "signal.symbol_rate");
    check([](auto& s) { s.rx.noise_rms_v = -1; }, "rx.noise_rms");
    check([](auto& s) { s.eye.target_ber = 0.7; }, "eye.target_ber");
    check([](auto& s) { s.channel.loss_at_nyquist_db = -3; }, "channel.loss_at_nyquist");
    check([](auto& s) { s.sim.engine = "superposition"; s.tx.rj_rms_ui = 0.01; }, "sim.engine");
}
TEST(LinkSpec, ResourceAndRangeBoundsNameTheKey) {
    auto check = [](auto edit, const char* text) {
        auto s = base_spec();
        edit(s);
        SI_EXPECT_THROW_MSG(si::sim::Link{s}, si::ConfigError, text);
    };
    // 2^50 symbols ran for years; the bound is 1e12.
    check([](auto& s) { s.sim.symbols = 1ULL << 50; }, "sim.symbols: must be in [1000, 1000000000000]");
    // 1024 threads x 2 GiB of PAM8 histograms (2 TiB) were accepted.
    check([](auto& s) {
        s.eye.voltage_bins = 65536;
        s.sim.samples_per_ui = 256;
        s.sim.threads = 1024;
        s.signal.modulation = "pam8";
        s.signal.pattern.name = "random";
    }, "eye.voltage_bins: the eye histograms would need 2097152 MiB (2048 MiB per thread x 1024");
    // Denormal corners made H(f) inf/NaN (exit 1 before).
    check([](auto& s) { s.rx.afe_bandwidth_hz = 1e-310; }, "rx.afe_bandwidth: must be 0");
    check([](auto& s) { s.rx.noise_bandwidth_hz = 1e-310; }, "rx.noise_bandwidth: must be 0");
    check([](auto& s) { s.rx.ctle.model = "com"; s.rx.ctle.fp2_hz = 1e-310; }, "rx.ctle.fp2: must be >= 1e-4 fb");
    check([](auto& s) { s.eye.voltage_range_v = 1e-310; }, "eye.voltage_range");
    check([](auto& s) { s.rx.noise_rms_v = 1e300; }, "rx.noise_rms");
    auto ok = base_spec();
    ok.sim.symbols = 1'000'000'000'000ULL;
    ok.rx.afe_bandwidth_hz = 1e-4 * ok.signal.symbol_rate_bd;
    EXPECT_NO_THROW(si::sim::validate(ok));
}

TEST(Link, ChannelWithHugeGainIsRefusedBeforeTheRun) {
    // |S21| = 1e6: the slicer signal would reach 1e5 V, far past where the eye's fixed-point
    // level sums and the statistical eye's grid stay exact; refused with the reason.
    const auto path = std::filesystem::temp_directory_path() /
                      ("sisim_gain_" + std::to_string(::getpid()) + ".s2p");
    {
        std::ofstream f(path);
        f << "# GHz S MA R 50\n";
        for (int k = 0; k <= 120; ++k) f << 0.5 * k << " 0 0 1e6 0 1e6 0 0 0\n";
    }
    auto s = base_spec();
    s.channel.touchstone = {path.string()};
    SI_EXPECT_THROW_MSG(si::sim::Link{s}, si::ModelError, "worst-case signal at the slicer");
    // The same file as a crosstalk aggressor of an ideal through channel.
    auto x = base_spec();
    x.channel.crosstalk = {path.string()};
    SI_EXPECT_THROW_MSG(si::sim::Link{x}, si::ModelError, "worst-case crosstalk at the slicer");
    std::filesystem::remove(path);
}

TEST(Link, ChannelEndingBelowNyquistIsRefused) {
    SI_REQUIRE_SHARED(file, "channels/ieee8023ck_orthobp_12dB/DPO_4in_Meg7_THRU.s4p");
    auto s = base_spec();
    s.channel.touchstone = {file};
    s.signal.symbol_rate_bd = 130e9;  // Nyquist 65 GHz > 60 GHz of data
    SI_EXPECT_THROW_MSG(si::sim::Link{s}, si::ModelError, "below the Nyquist frequency");
}

}  // namespace

// Issue 5.6: the sampling phase maximises the statistical eye (smallest sub-eye height at the
// target BER) within half a UI, not a Gaussian proxy of it.
TEST(Link, SamplingPhaseMaximisesTheStatisticalInnerEye) {
    SI_REQUIRE_SHARED(file, "channels/ieee8023ck_orthobp_12dB/DPO_4in_Meg7_THRU.s4p");
    si::sim::LinkSpec s;
    s.sim.symbols = 10000;
    s.channel.touchstone = {file};
    s.tx.rise_time_s = 7.5e-12;
    s.tx.ffe = {-0.15, 0.75, -0.1};
    s.rx.ctle.model = "com";
    s.rx.ctle.gdc_db = -8;
    s.rx.noise_rms_v = 1e-3;
    si::sim::Link link(s);
    const int M = s.sim.samples_per_ui;
    const auto se = si::sim::statistical_eye(link, s.eye.target_ber);
    auto inner = [&](int b) {
        double v = INFINITY;
        for (int k = 0; k < 3; ++k) v = std::min(v, se.height_vs_time_v[static_cast<std::size_t>(k * 2 * M + b)]);
        return v;
    };
    for (int b = M / 2; b <= 3 * M / 2; ++b) EXPECT_GE(inner(M), inner(b)) << "bin " << b;
    EXPECT_GE(link.phase_refinement_gain_v(), 0.0);
}

namespace {

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

}  // namespace

// statistical_eye/statistical_ser(Link) keep their last results by exact input: a kept result
// must equal a fresh computation bit for bit, and a link that differs only in its noise (same
// pulse) must not get another link's result.
TEST(StatEyeAdapter, KeptResultsEqualAFreshComputationAndNoiseIsPartOfTheKey) {
    auto s = base_spec();
    s.tx.rise_time_s = 12e-12;  // some ISI
    s.rx.noise_rms_v = 4e-3;
    const si::sim::Link a(s);
    s.rx.noise_rms_v = 8e-3;
    const si::sim::Link b(s);
    const double ber = a.spec().eye.target_ber;
    for (int pass = 0; pass < 2; ++pass)  // the second pass reads the kept results
        for (const auto* l : {&a, &b}) {
            const auto in = si::sim::stat_eye_input(*l);
            const auto fresh_eye = si::analysis::statistical_eye(in, ber);
            const auto eye = si::sim::statistical_eye(*l, ber);
            EXPECT_TRUE(same_bits(eye.height_vs_time_v, fresh_eye.height_vs_time_v)) << pass;
            EXPECT_TRUE(same_bits(eye.eye_width_ui, fresh_eye.eye_width_ui)) << pass;
            const auto fresh_ser = si::analysis::statistical_ser(in);
            const auto ser = si::sim::statistical_ser(*l);
            EXPECT_TRUE(same_bits(ser.level_ser, fresh_ser.level_ser)) << pass;
            EXPECT_EQ(std::memcmp(&ser.ser, &fresh_ser.ser, sizeof ser.ser), 0) << pass;
        }
    // the noise changed the result (otherwise the check above could not tell the links apart)
    EXPECT_LT(si::sim::statistical_eye(b, ber).eye_height_v[0], si::sim::statistical_eye(a, ber).eye_height_v[0]);
    EXPECT_GT(si::sim::statistical_ser(b).ser, si::sim::statistical_ser(a).ser);
}

// Link::with(spec) reuses the channel, fused pulse and crosstalk pulses of a link when only keys
// outside the response differ (a sweep over noise, seed, pattern or symbol count): the link and
// its run must be the same bits as a link built afresh from `spec`.
namespace {

si::sim::LinkSpec reuse_spec(const std::string& thru, const std::string& fext) {
    auto s = base_spec();
    s.sim.symbols = 12000;
    s.channel.touchstone = {thru};
    if (!fext.empty()) s.channel.crosstalk = {fext};
    s.tx.rise_time_s = 7.5e-12;
    s.tx.snr_db = 33;
    s.tx.snr_model = "com";
    s.rx.ctle.model = "com";
    s.rx.ctle.gdc_db = -8;
    s.rx.noise_rms_v = 2e-3;
    s.rx.ffe.taps = 5;  // MMSE FFE: its design depends on the noise
    s.rx.ffe.pre = 1;
    return s;
}

void expect_same_link(const si::sim::Link& a, const si::sim::Link& b, const std::string& what) {
    EXPECT_TRUE(same_bits(a.impulse(), b.impulse())) << what;
    EXPECT_TRUE(same_bits(a.pulse(), b.pulse())) << what;
    EXPECT_TRUE(same_bits(a.symbol_pulse(), b.symbol_pulse())) << what;
    EXPECT_TRUE(same_bits(a.thresholds(), b.thresholds())) << what;
    EXPECT_EQ(a.cursor_index(), b.cursor_index()) << what;
    const double xa[] = {a.t0_s(), a.rx_noise_sigma_out_v(), a.tx_noise_sigma_v(), a.tx_noise_com_sigma_v(),
                         a.eye_range_v(), a.truncation_energy(), a.phase_refinement_gain_v()};
    const double xb[] = {b.t0_s(), b.rx_noise_sigma_out_v(), b.tx_noise_sigma_v(), b.tx_noise_com_sigma_v(),
                         b.eye_range_v(), b.truncation_energy(), b.phase_refinement_gain_v()};
    EXPECT_EQ(std::memcmp(xa, xb, sizeof xa), 0) << what;
    EXPECT_EQ(a.linear_path(), b.linear_path()) << what;
    ASSERT_EQ(a.aggressors().size(), b.aggressors().size()) << what;
    for (std::size_t i = 0; i < a.aggressors().size(); ++i) {
        EXPECT_TRUE(same_bits(a.aggressors()[i].pulse, b.aggressors()[i].pulse)) << what;
        EXPECT_EQ(std::memcmp(&a.aggressors()[i].sigma_v, &b.aggressors()[i].sigma_v, sizeof(double)), 0) << what;
    }
    EXPECT_EQ(a.channel().pairing_reports, b.channel().pairing_reports) << what;
    EXPECT_TRUE(same_bits(a.receiver().ffe_taps, b.receiver().ffe_taps)) << what;
    ASSERT_EQ(a.design_stat_eye() != nullptr, b.design_stat_eye() != nullptr) << what;
    if (a.design_stat_eye()) {
        EXPECT_TRUE(same_bits(a.design_stat_eye()->height_vs_time_v, b.design_stat_eye()->height_vs_time_v)) << what;
    }
    // and the runs: eye histogram, errors, metrics, statistical SER
    const auto ra = si::sim::run(a), rb = si::sim::run(b);
    EXPECT_EQ(ra.eye->histogram(), rb.eye->histogram()) << what;
    EXPECT_EQ(ra.ber.symbol_errors, rb.ber.symbol_errors) << what;
    EXPECT_EQ(ra.ber.bit_errors, rb.ber.bit_errors) << what;
    EXPECT_EQ(ra.first_symbols, rb.first_symbols) << what;
    EXPECT_TRUE(same_bits(ra.metrics.eye_height_v, rb.metrics.eye_height_v)) << what;
    EXPECT_TRUE(same_bits(ra.metrics.levels_v, rb.metrics.levels_v)) << what;
    EXPECT_EQ(std::memcmp(&ra.statistical_sampler.ser, &rb.statistical_sampler.ser, sizeof(double)), 0) << what;
    EXPECT_EQ(std::memcmp(&ra.rx.ser_statistical, &rb.rx.ser_statistical, sizeof(double)), 0) << what;
}

/// A named change of a spec.
struct Change {
    const char* what;
    void (*apply)(si::sim::LinkSpec&);
};

}  // namespace

TEST(LinkReuse, ReusedLinkEqualsAFreshOneForNoiseSeedPatternAndSymbolCount) {
    SI_REQUIRE_SHARED(thru, "channels/ieee8023ck_orthobp_12dB/DPO_4in_Meg7_THRU.s4p");
    const auto fext = si::testing::shared_data("channels/ieee8023ck_orthobp_12dB/DPO_4in_Meg7_FENG89.s4p");
    const auto s0 = reuse_spec(thru, fext);
    const si::sim::Link base(s0);
    const Change changes[] = {
        {"rx.noise_rms", [](si::sim::LinkSpec& s) { s.rx.noise_rms_v = 6e-3; }},
        {"rx.noise_bandwidth", [](si::sim::LinkSpec& s) { s.rx.noise_bandwidth_hz = 20e9; }},
        {"sim.seed", [](si::sim::LinkSpec& s) { s.sim.seed = 7; }},
        {"signal.pattern", [](si::sim::LinkSpec& s) { s.signal.pattern.name = "prbs13"; }},
        {"sim.symbols", [](si::sim::LinkSpec& s) { s.sim.symbols = 15000; }},
        {"tx.snr", [](si::sim::LinkSpec& s) { s.tx.snr_db = 28; }},
        {"all of them", [](si::sim::LinkSpec& s) {
             s.rx.noise_rms_v = 1e-3, s.sim.seed = 3, s.signal.pattern.name = "prbs13", s.sim.symbols = 10000;
         }},
    };
    for (const auto& c : changes) {
        auto s = s0;
        c.apply(s);
        ASSERT_TRUE(base.reusable_for(s)) << c.what;
        const auto reused = base.with(s);
        const si::sim::Link fresh(s);
        expect_same_link(reused, fresh, c.what);
        // a reused link can be reused again (a sweep chains them)
        expect_same_link(reused.with(s0), base, std::string(c.what) + " and back");
    }
    // the changes are visible (the comparison above could otherwise not fail)
    auto s = s0;
    s.rx.noise_rms_v = 6e-3;
    EXPECT_NE(base.with(s).rx_noise_sigma_out_v(), base.rx_noise_sigma_out_v());
}

TEST(LinkReuse, KeysOfTheResponseAreNotReused) {
    SI_REQUIRE_SHARED(thru, "channels/ieee8023ck_orthobp_12dB/DPO_4in_Meg7_THRU.s4p");
    const auto fext = si::testing::shared_data("channels/ieee8023ck_orthobp_12dB/DPO_4in_Meg7_FENG89.s4p");
    const auto s0 = reuse_spec(thru, fext);
    const si::sim::Link base(s0);
    const Change changes[] = {
        {"rx.ctle.gdc", [](si::sim::LinkSpec& s) { s.rx.ctle.gdc_db = -6; }},
        {"rx.ctle.fp2", [](si::sim::LinkSpec& s) { s.rx.ctle.fp2_hz = 40e9; }},
        {"rx.afe_bandwidth", [](si::sim::LinkSpec& s) { s.rx.afe_bandwidth_hz = 40e9; }},
        {"tx.rise_time", [](si::sim::LinkSpec& s) { s.tx.rise_time_s = 10e-12; }},
        {"tx.swing", [](si::sim::LinkSpec& s) { s.tx.swing_v = 0.8; }},
        {"tx.ffe", [](si::sim::LinkSpec& s) { s.tx.ffe = {-0.1, 0.9}; }},
        {"sim.samples_per_ui", [](si::sim::LinkSpec& s) { s.sim.samples_per_ui = 16; }},
        {"signal.symbol_rate", [](si::sim::LinkSpec& s) { s.signal.symbol_rate_bd = 50e9; }},
        {"channel.touchstone", [](si::sim::LinkSpec& s) { s.channel.touchstone.push_back(s.channel.touchstone[0]); }},
        {"channel.crosstalk", [](si::sim::LinkSpec& s) { s.channel.crosstalk.clear(); }},
        {"channel.ports", [](si::sim::LinkSpec& s) { s.channel.ports = {"1,3,2,4"}; }},
    };
    for (const auto& c : changes) {
        auto s = s0;
        c.apply(s);
        EXPECT_FALSE(base.reusable_for(s)) << c.what;
        EXPECT_THROW((void)base.with(s), std::invalid_argument) << c.what;
    }
    // optical links are never reused (the optical model holds the seed and its stages' noise)
    auto o = base_spec();
    o.optics.architecture = "lpo";
    EXPECT_FALSE(base.reusable_for(o));
}
