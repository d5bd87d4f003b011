// The recovered-clock sampler (libsi/sim/src/stage_sampler.*): the sample it returns at the
// recovered instant is the waveform at that instant, not the nearest stored grid sample.
//
// Reference, built independently here: the exact superposition y(t) = sum_k x_k p(t - k T) with
// p the band-limited (Whittaker-Shannon) continuation of the link's pulse, evaluated at the
// sampler's instant by an FFT phase shift of the pulse in double precision. The sampler instead
// interpolates the streamed float32 waveform (cubic Lagrange over the four nearest grid samples).
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstdio>
#include <vector>

#include "si/core/units.hpp"
#include "si/dsp/fft.hpp"
#include "si/rx/interpolator.hpp"
#include "si/sim/link.hpp"
#include "stage_sampler.hpp"
#include "stage_tx.hpp"
#include "stage_waveform.hpp"

namespace {

/// p(n + mu) for n = 0..p.size()-1: the pulse advanced by mu samples, band-limited (FFT phase
/// shift with 4x zero padding, so the periodic wrap lands in zeros).
std::vector<double> shifted_pulse(const std::vector<double>& p, double mu) {
    std::size_t n = 1;
    while (n < 4 * p.size()) n <<= 1;
    si::dsp::RealFft fft(n);
    std::vector<double> x(n, 0.0), y(n);
    std::copy(p.begin(), p.end(), x.begin());
    std::vector<std::complex<double>> X(n / 2 + 1);
    fft.forward(x, X);
    for (std::size_t k = 0; k <= n / 2; ++k) {
        const double w = 2 * si::kPi * static_cast<double>(k) * mu / static_cast<double>(n);
        X[k] *= k == n / 2 ? std::complex<double>(std::cos(w), 0.0) : std::polar(1.0, w);
    }
    fft.inverse(X, y);
    y.resize(p.size());
    for (auto& v : y) v /= static_cast<double>(n);
    return y;
}

}  // namespace

TEST(Sampler, RecoveredInstantGivesTheWaveformThere) {
    si::sim::LinkSpec s;
    s.sim.symbols = 4000;
    s.sim.samples_per_ui = 32;
    s.tx.swing_v = 1.0;
    s.signal.pattern.name = "prbs31";
    s.channel.loss_at_nyquist_db = 15;  // ISI over tens of UI: a waveform with real structure
    s.rx.noise_rms_v = 0;               // noiseless: the sample is the waveform itself
    // A clock that stays where it starts (no integral path, a proportional gain too small to
    // move the phase interpolator by one step): the recovered phase is initial_phase.
    s.rx.cdr_model = "bang_bang";
    s.rx.cdr.kp = 1e-12;
    s.rx.cdr.ki = 0;
    const int M = s.sim.samples_per_ui;
    double worst = 0, worst_nearest = 0, worst_cubic = 0, amp = 0;
    for (double phase_ui : {-0.37, -0.1, 0.0213, 0.25, 0.4469}) {
        s.rx.cdr.initial_phase_ui = phase_ui;
        const si::sim::Link link(s);
        ASSERT_EQ(link.injected_noise_sigma_v(), 0.0);
        const auto& p = link.pulse();
        const std::uint64_t first = 200;  // past the stream's start-up block
        si::sim::detail::TxSymbols tx(link);
        si::sim::detail::FrontEnd fe(link, tx, first);
        si::sim::detail::Sampler sampler(link, fe, first);
        ASSERT_TRUE(sampler.recovered());
        // instant of UI u: X_u = u M + cm + phase M [samples]; X_u - k M = (u - k) M + D
        const int cm = link.cursor_index() % M;
        const double D = cm + phase_ui * M;
        const double Di = std::floor(D);
        const auto ps = shifted_pulse(p, D - Di);
        const auto di = static_cast<std::int64_t>(Di);
        for (std::uint64_t u = first; u < first + 3000; ++u) {
            const double got = sampler.sample(u);
            ASSERT_DOUBLE_EQ(sampler.phase_of(u), phase_ui);
            double exact = 0, nearest = 0, grid[4] = {0, 0, 0, 0};
            const std::int64_t dn = static_cast<std::int64_t>(std::lround(D - Di));  // nearest grid
            for (std::int64_t j = 0; j * M < static_cast<std::int64_t>(p.size()) + M; ++j) {
                if (static_cast<std::int64_t>(u) - j < 0) break;
                const double xk = tx.x(u - static_cast<std::uint64_t>(j));
                const std::int64_t i = j * M + di;
                if (i >= 0 && i < static_cast<std::int64_t>(ps.size())) exact += xk * ps[static_cast<std::size_t>(i)];
                const std::int64_t in = i + dn;
                if (in >= 0 && in < static_cast<std::int64_t>(p.size())) nearest += xk * p[static_cast<std::size_t>(in)];
                for (int q = 0; q < 4; ++q) {  // grid samples floor(D) - 1 .. floor(D) + 2
                    const std::int64_t iq = i - 1 + q;
                    if (iq >= 0 && iq < static_cast<std::int64_t>(p.size())) grid[q] += xk * p[static_cast<std::size_t>(iq)];
                }
            }
            worst_cubic = std::max(worst_cubic, std::abs(si::rx::lagrange3(grid, D - Di) - exact));
            worst = std::max(worst, std::abs(got - exact));
            worst_nearest = std::max(worst_nearest, std::abs(nearest - exact));
            amp = std::max(amp, std::abs(exact));
            sampler.decide(u, 0);  // advances the loop (which does not move)
        }
    }
    std::printf("recovered-instant sample vs exact waveform: max error %.3g V (%.2g of the peak "
                "%.3f V); cubic Lagrange of the double-precision grid alone: %.3g V; nearest grid "
                "sample: %.3g V\n",
                worst, worst / amp, amp, worst_cubic, worst_nearest);
    // Cubic Lagrange at 32 samples/UI: |e| <= (3/128)(2 pi f dt)^4 of a tone's amplitude, 2.2e-6
    // at fb/2 (si/rx/interpolator.hpp), and the waveform is stored in float32 (FFT superposition:
    // a few 1e-7 of the peak). 2e-5 of the peak allows both with margin.
    EXPECT_LT(worst, 2e-5 * amp);
    // ... while the nearest stored sample (up to half a grid step away) is far off: the
    // assertion above tells interpolation from rounding the instant to the grid.
    EXPECT_GT(worst_nearest, 50 * worst);
}
