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

TEST(OpticsLink, StreamedWaveformMatchesTheLinearisedPulse) {
    const auto s = linear_lpo();
    const si::sim::Link link(s);
    ASSERT_NE(link.optics_model(), nullptr);
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
    // the residual is the MZM's cubic term and the window truncations: far below the signal
    EXPECT_LT(std::sqrt(err2 / ref2), 1e-2) << "peak " << peak << " main " << link.main_cursor_v();
}
