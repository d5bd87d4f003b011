// The elements as OpticalStage: one chain (driver -> EML -> fibre -> photodiode -> TIA) with
// compression and every noise source on gives bit-identical output for any block split, and a
// segment started with reset(first_sample) draws exactly the noise of the whole run.
#include "si/optics/stage.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "optics_test.hpp"
#include "si/core/rng.hpp"

namespace {
using namespace si::optics;
using namespace si::optics::testing;

std::vector<std::unique_ptr<OpticalStage>> lpo_chain() {
    std::vector<std::unique_ptr<OpticalStage>> c;
    DriverConfig d{.gain_db = 6, .bandwidth_hz = 45e9, .compression = {.model = "tanh", .thd = 0.035, .amplitude_v = 0.75},
                   .input_noise_v_rthz = 20e-9};
    c.push_back(make_stage<LinearDriver>("tx.driver", kDt, d, kDt));
    c.push_back(make_stage<Eml>("tx.eml", kDt, EmlConfig{.bandwidth_hz = 50e9, .chirp_alpha = 0.5},
                                LaserConfig{.power_w = 2e-3, .rin_db_hz = -140}, kDt));
    c.push_back(make_stage<Fibre>("fibre", kDt, FibreConfig{.length_m = 2000, .wavelength_m = 1271e-9}, kDt));
    c.push_back(make_stage<Photodiode>("rx.pd", kDt, PhotodiodeConfig{.bandwidth_hz = 50e9, .thermal_noise = true}, kDt));
    c.push_back(make_stage<Tia>("rx.tia", kDt,
                                TiaConfig{.transimpedance_ohm = 1400, .bandwidth_hz = 40e9, .input_noise_a_rthz = 16.9e-12,
                                          .input_offset_a = 0.85e-3, .peaking_db = 3, .peaking_zero_hz = 15e9,
                                          .compression = {.model = "tanh", .thd = 0.01, .amplitude_v = 0.3}},
                                kDt));
    return c;
}

// Runs x through the chain in blocks of `block` samples.
std::vector<double> run_chain(std::vector<std::unique_ptr<OpticalStage>>& c, const std::vector<double>& x, std::size_t block) {
    std::vector<double> y(x.size()), a(block), b(block);
    for (std::size_t i = 0; i < x.size(); i += block) {
        const std::size_t n = std::min(block, x.size() - i);
        std::copy_n(x.begin() + static_cast<std::ptrdiff_t>(i), n, a.begin());
        for (auto& s : c) {
            s->process(std::span<const double>(a.data(), n), std::span<double>(b.data(), n));
            std::swap(a, b);
        }
        std::copy_n(a.begin(), n, y.begin() + static_cast<std::ptrdiff_t>(i));
    }
    return y;
}

std::vector<double> pam4_drive(std::size_t n) {
    std::vector<double> x(n);
    for (std::size_t i = 0; i < n; ++i) {
        const auto sym = si::random_bits(1, si::Stream::pattern, i / 32) & 3;
        x[i] = -0.375 + 0.25 * static_cast<double>(sym);
    }
    return x;
}

TEST(OpticalStage, ChainOutputIsBitIdenticalForAnyBlockSplit) {
    const auto x = pam4_drive(40'000);
    auto ref = lpo_chain();
    const auto whole = run_chain(ref, x, x.size());
    double var = 0;
    for (double v : whole) var += v * v;
    ASSERT_GT(var, 0.0);
    for (std::size_t block : {1u, 17u, 256u, 4099u}) {
        auto c = lpo_chain();
        EXPECT_EQ(run_chain(c, x, block), whole) << "block=" << block;
    }
}

TEST(OpticalStage, ResetToAnAbsoluteSampleDrawsTheSameNoise) {
    // Zero drive into the noise sources without memory: a segment that starts at sample 10000
    // after reset(10000) reproduces samples 10000.. of the whole run exactly.
    auto make = [] {
        std::vector<std::unique_ptr<OpticalStage>> c;
        c.push_back(make_stage<Laser>("laser", kDt, LaserConfig{.power_w = 1e-3, .rin_db_hz = -140}, kDt));
        c.push_back(make_stage<Photodiode>("pd", kDt, PhotodiodeConfig{.thermal_noise = true}, kDt));
        c.push_back(make_stage<Tia>("tia", kDt, TiaConfig{.input_noise_a_rthz = 16.9e-12}, kDt));
        return c;
    };
    const std::vector<double> ones(20'000, 1.0);
    auto whole_c = make();
    const auto whole = run_chain(whole_c, ones, 1000);
    auto seg = make();
    for (auto& s : seg) s->reset(10'000);
    const auto part = run_chain(seg, std::vector<double>(10'000, 1.0), 333);
    EXPECT_TRUE(std::equal(part.begin(), part.end(), whole.begin() + 10'000));
}

TEST(OpticalStage, ReportsLinearityDelayAndResponse) {
    auto c = lpo_chain();
    EXPECT_FALSE(c[0]->linear());  // compression and noise
    EXPECT_FALSE(c[1]->linear());  // EML static curve
    EXPECT_TRUE(c[2]->linear());
    EXPECT_GT(c[2]->delay_samples(), 0u);
    EXPECT_EQ(c[0]->delay_samples(), 0u);
    EXPECT_EQ(c[4]->name(), "rx.tia");
    auto lin = make_stage<LinearDriver>("d", kDt, DriverConfig{.gain_db = 20}, kDt);
    EXPECT_TRUE(lin->linear());
    EXPECT_NEAR(std::abs(lin->response(1e9)), 10.0, 1e-12);
    auto f = make_stage<OverlapSaveFilter>("f", kDt, std::vector<double>{0.5, 0.5});
    EXPECT_TRUE(f->linear());
    EXPECT_NEAR(std::abs(f->response(0)), 1.0, 1e-15);
    EXPECT_NEAR(std::abs(f->response(0.5 / kDt)), 0.0, 1e-15);  // two-tap average: null at Nyquist
}

}  // namespace
