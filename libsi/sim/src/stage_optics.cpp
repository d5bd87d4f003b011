#include "stage_optics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "si/channel/network.hpp"
#include "si/channel/response.hpp"
#include "si/channel/touchstone.hpp"
#include "si/core/error.hpp"
#include "si/core/units.hpp"
#include "si/optics/constants.hpp"
#include "si/optics/photodiode_node.hpp"
#include "si/optics/linear_filter.hpp"
#include "si/tx/transmitter.hpp"
#include "si/sim/optical_probe.hpp"
#include "stage_tx.hpp"

namespace si::sim::detail {

void validate_optics(const LinkSpec& s) {
    const auto& o = s.optics;
    require(o.architecture == "electrical" || o.architecture == "lpo" || o.architecture == "cpo" ||
                o.architecture == "lro" || o.architecture == "retimed",
            "link.architecture", "must be \"electrical\", \"lpo\", \"cpo\", \"lro\" or \"retimed\"",
            o.architecture);
    if (o.architecture == "lro" || o.architecture == "retimed")
        throw ConfigError("link.architecture",
                          "\"" + o.architecture + "\" is a link with retimers: set link.hops >= 2 and "
                          "each hop's keys as hop.<i>.* (models/links/retimed_112g_dr.toml, "
                          "docs/architectures.md \"Multi-hop links\")");
    if (!o.enabled()) return;
    require(o.modulator == "eml" || o.modulator == "mzm", "optics.modulator",
            "must be \"eml\" or \"mzm\"", o.modulator);
    optics::validate(o.driver);
    optics::validate(o.laser);
    if (o.modulator == "eml") optics::validate(o.eml);
    else optics::validate(o.mzm);
    {
        auto f = o.fibre;
        f.wavelength_m = o.laser.wavelength_m;
        optics::validate(f);
    }
    optics::validate(o.pd);
    optics::validate(o.tia);
    require(s.sim.engine == "auto", "sim.engine",
            "must be \"auto\" for an optical link (its own waveform path)", s.sim.engine);
    require(s.optics.far.crosstalk.empty(), "far_channel.crosstalk", "is not supported", "");
    require(std::isfinite(o.far.loss_at_nyquist_db) && o.far.loss_at_nyquist_db >= 0 &&
                o.far.loss_at_nyquist_db <= 80,
            "far_channel.loss_at_nyquist", "must be in [0, 80] dB", o.far.loss_at_nyquist_db);
    require(o.far.touchstone.empty() || o.far.loss_at_nyquist_db == 0, "far_channel.loss_at_nyquist",
            "cannot be combined with far_channel.touchstone", o.far.loss_at_nyquist_db);
    require(o.far.ports.size() <= 1 || o.far.ports.size() == o.far.touchstone.size(),
            "far_channel.ports", "needs one entry, or one per touchstone file", o.far.ports.size());
}

Response far_channel(const ChannelConfig& c, double fb, double& span_s) {
    std::shared_ptr<channel::ChannelResponse> ch;
    if (!c.touchstone.empty()) {
        std::vector<channel::DiffNetwork> nets;
        for (std::size_t i = 0; i < c.touchstone.size(); ++i) {
            const auto ts = channel::read_touchstone(c.touchstone[i]);
            std::string pspec = c.ports.size() == 1 ? c.ports[0] : c.ports.size() > 1 ? c.ports[i] : "";
            channel::DiffPairing pairing{};
            std::string report;
            if (ts.ports != 2)
                pairing = pspec.empty() || pspec == "auto" ? channel::detect_pairing(ts, report)
                                                           : channel::parse_pairing(pspec, ts.ports);
            nets.push_back(channel::to_differential(ts, pairing));
        }
        const auto net = nets.size() == 1 ? nets[0] : channel::cascade(nets);
        ch = std::make_shared<channel::ChannelResponse>(channel::make_response(net));
        if (ch->f_max_hz() < fb / 2)
            throw ModelError(str("far_channel.touchstone: data end at ", ch->f_max_hz() / 1e9,
                                 " GHz, below the Nyquist frequency ", fb / 2e9, " GHz"));
    } else if (c.loss_at_nyquist_db > 0) {
        ch = std::make_shared<channel::ChannelResponse>(channel::synthetic_channel(c.loss_at_nyquist_db, fb / 2));
    } else {
        ch = std::make_shared<channel::ChannelResponse>(channel::ideal_channel());
    }
    span_s = std::max(span_s, std::min(ch->natural_span_s(), channel::kMaxSpanS));
    return [ch](double f) { return (*ch)(f); };
}

std::complex<double> OpticsModel::shape(double f_hz) const {
    std::complex<double> h = 1.0;
    for (const auto& st : small_signal) h *= st->response(f_hz);
    return h / dc;
}

namespace {

/// The fibre where its power-fading response is flat over the signal band: a gain (no FIR, no
/// delay). response() stays the fibre's own.
class FlatFibre final : public optics::OpticalStage {
public:
    explicit FlatFibre(const optics::FibreConfig& c, double dt) : f_(c, dt) {}
    std::string_view name() const noexcept override { return "optics.fibre"; }
    void process(std::span<const double> in, std::span<double> out) noexcept override {
        const double g = f_.gain();
        for (std::size_t i = 0; i < in.size(); ++i) out[i] = g * in[i];
    }
    void reset(std::uint64_t) noexcept override {}
    std::size_t delay_samples() const noexcept override { return 0; }
    bool linear() const noexcept override { return true; }
    std::complex<double> response(double f_hz) const noexcept override { return f_.response(f_hz); }

private:
    optics::Fibre f_;
};

/// A flat fibre followed by the photodiode node: the fibre's gain applied in the node's pass (no
/// pass of its own); response() the product of the two.
class FlatFibreNode final : public optics::OpticalStage {
public:
    FlatFibreNode(const optics::FibreConfig& fc, const optics::PhotodiodeConfig& pc, double rin_sigma,
                  double dt)
        : f_(fc, dt), node_(pc, rin_sigma, dt, f_.gain()) {}
    std::string_view name() const noexcept override { return "optics.pd"; }
    void process(std::span<const double> in, std::span<double> out) noexcept override {
        node_.process(in, out);
    }
    void reset(std::uint64_t first) noexcept override { node_.reset(first); }
    std::size_t delay_samples() const noexcept override { return 0; }
    bool linear() const noexcept override { return false; }
    std::complex<double> response(double f_hz) const noexcept override {
        return f_.response(f_hz) * node_.response(f_hz);
    }

private:
    optics::Fibre f_;
    optics::PhotodiodeNode node_;
};

/// Runs `stages` [0, n_stages) on a constant input for `len` samples; returns the last output.
double settle(std::vector<std::unique_ptr<optics::OpticalStage>>& c, std::size_t n_stages, double x,
              std::size_t len) {
    for (auto& st : c) st->reset(0);
    std::vector<double> a(4096), b(4096);
    double last = 0;
    for (std::size_t done = 0; done < len; done += a.size()) {
        std::fill(a.begin(), a.end(), x);
        for (std::size_t i = 0; i < n_stages; ++i) {
            c[i]->process(a, b);
            a.swap(b);
        }
        last = a.back();
    }
    return last;
}

}  // namespace

std::vector<std::unique_ptr<optics::OpticalStage>> OpticsModel::make_chain(bool noisy,
                                                                          bool pd_node) const {
    auto o = spec;
    if (!noisy) {
        o.driver.input_noise_v_rthz = 0;
        o.laser.rin_db_hz = -std::numeric_limits<double>::infinity();
        o.pd.shot_noise = false;
        o.pd.thermal_noise = false;
        o.tia.input_noise_a_rthz = 0;
    }
    std::vector<std::unique_ptr<optics::OpticalStage>> c;
    const double dt = dt_s;
    // flat fibre: RIN, shot and thermal noise drawn together at the photodiode node
    const double rin_sigma =
        std::sqrt(db10_to_lin(o.laser.rin_db_hz) * optics::simulated_bandwidth_hz(dt));
    const bool node_noise =
        pd_node && fibre_flat && (rin_sigma > 0 || o.pd.shot_noise || o.pd.thermal_noise);
    if (node_noise) o.laser.rin_db_hz = -std::numeric_limits<double>::infinity();
    c.push_back(optics::make_stage<optics::LinearDriver>("optics.driver", dt, o.driver, dt));
    if (o.modulator == "eml")
        c.push_back(optics::make_stage<optics::Eml>("optics.eml", dt, o.eml, o.laser, dt));
    else
        c.push_back(optics::make_stage<optics::Mzm>("optics.mzm", dt, o.mzm, o.laser, dt));
    if (node_noise) {  // flat fibre: its gain in the photodiode node's pass
        c.push_back(std::make_unique<FlatFibreNode>(o.fibre, o.pd, rin_sigma, dt));
    } else {
        if (fibre_flat)
            c.push_back(std::make_unique<FlatFibre>(o.fibre, dt));
        else
            c.push_back(optics::make_stage<optics::Fibre>("optics.fibre", dt, o.fibre, dt));
        c.push_back(optics::make_stage<optics::Photodiode>("optics.pd", dt, o.pd, dt));
    }
    c.push_back(optics::make_stage<optics::Tia>("optics.tia", dt, o.tia, dt));
    return c;
}


std::shared_ptr<OpticsModel> build_optics(
    const LinkSpec& s, double dt_s,
    const std::function<void(const Response&, std::vector<double>&, std::vector<double>&, double&)>&
        time_response,
    Response near, Response far, const std::vector<double>& ffe, double half_swing_v) {
    auto om = std::make_shared<OpticsModel>();
    om->spec = s.optics;
    om->dt_s = dt_s;
    auto& o = om->spec;
    const std::uint64_t seed = s.sim.seed;
    o.driver.seed = o.laser.seed = o.pd.seed = o.tia.seed = seed;
    o.fibre.wavelength_m = o.laser.wavelength_m;
    o.fibre.chirp_alpha = o.modulator == "eml" ? o.eml.chirp_alpha : 0.0;
    o.tia.input_offset_a = 0;
    {   // a fibre flat to 1e-4 up to the symbol rate is a gain (its FIR would cost 65+ taps/sample)
        const optics::Fibre f(o.fibre, dt_s);
        const auto h0 = f.response(0.0);
        double dev = 0;
        for (int k = 1; k <= 256; ++k)
            dev = std::max(dev, std::abs(f.response(s.signal.symbol_rate_bd * k / 256.0) / h0 - 1.0));
        om->fibre_flat = dev < 1e-4;
    }
    om->near = std::move(near);
    om->far = std::move(far);
    const int M = s.sim.samples_per_ui;
    {
        std::vector<double> imp, pul;
        time_response(om->near, imp, pul, om->near_t0_s);
        om->near_pulse = std::move(pul);
        om->near_impulse = std::move(imp);
        std::vector<double> fimp, fpul;
        time_response(om->far, fimp, fpul, om->far_t0_s);
        om->far_impulse = std::move(fimp);
    }
    // Drive amplitude: the largest near-end sample of one symbol (FFE and swing applied).
    double peak = 0;
    {
        std::vector<double> sp(om->near_pulse.size() + (ffe.size() - 1) * static_cast<std::size_t>(M), 0.0);
        for (std::size_t k = 0; k < ffe.size(); ++k)
            for (std::size_t i = 0; i < om->near_pulse.size(); ++i)
                sp[i + k * static_cast<std::size_t>(M)] += half_swing_v * ffe[k] * om->near_pulse[i];
        for (double v : sp) peak = std::max(peak, std::abs(v));
    }
    om->drive_amplitude_v = peak;
    // Operating point: the TIA's offset loop removes the mean photocurrent at zero drive.
    // (chains are built sparingly: each compressor fits its THD at construction)
    auto chain = om->make_chain(false);
    om->chain_delay = 0;
    for (const auto& st : chain) om->chain_delay += st->delay_samples();
    const std::size_t settle_len = (std::size_t{1} << 15) + 4 * om->chain_delay;
    o.tia.input_offset_a = settle(chain, chain.size() - 1, 0.0, settle_len);  // PD output at zero drive [A]
    // small-signal responses do not depend on the TIA offset: that chain serves response()
    om->small_signal = std::move(chain);
    om->dc = 1.0;
    for (const auto& st : om->small_signal) om->dc *= st->response(0.0);
    chain = om->make_chain(false);
    om->y_zero_v = settle(chain, chain.size(), 0.0, settle_len);
    const double yp = settle(chain, chain.size(), peak, settle_len);
    const double ym = settle(chain, chain.size(), -peak, settle_len);
    om->gain = peak > 0 ? (yp - ym) / (2 * peak) : 0.0;
    if (!(std::abs(om->gain) > 0) || !std::isfinite(om->gain))
        throw ModelError(str("the optical chain passes no signal: TIA output ", ym, " V and ", yp,
                             " V for drives of -", peak, " and +", peak,
                             " V (check optics.laser.power_w, the modulator and the losses)"));
    // Optical noise at the sampler: the noisy chain at zero drive less its mean, through the far
    // channel, CTLE and AFE (signal-dependent shot noise and RIN taken at the mid level).
    if (s.optics.driver.input_noise_v_rthz > 0 || std::isfinite(s.optics.laser.rin_db_hz) ||
        s.optics.pd.shot_noise || s.optics.pd.thermal_noise || s.optics.tia.input_noise_a_rthz > 0) {
        auto noisy = om->make_chain(true);
        for (auto& st : noisy) st->reset(0);
        optics::OverlapSaveFilter ff(om->far_impulse);
        const std::size_t warm = settle_len + om->far_impulse.size() + ff.delay_samples();
        const std::size_t n_meas = std::size_t{1} << 16;
        std::vector<double> a(4096), b(4096);
        double s1 = 0, s2 = 0;
        std::size_t n = 0;
        for (std::size_t done = 0; done < warm + n_meas; done += a.size()) {
            std::fill(a.begin(), a.end(), 0.0);
            for (auto& st : noisy) {
                st->process(a, b);
                a.swap(b);
            }
            for (auto& v : a) v -= om->y_zero_v;
            ff.process(a, b);
            if (done >= warm)
                for (double v : b) s1 += v, s2 += v * v, ++n;
        }
        const double mean = s1 / static_cast<double>(n);
        om->noise_sigma_v = std::sqrt(std::max(0.0, s2 / static_cast<double>(n) - mean * mean));
    }
    return om;
}

// ---- OpticsWave ---------------------------------------------------------------------------------

OpticsWave::OpticsWave(const Link& link, TxSymbols& tx, std::uint64_t first_ui)
    : om_(*link.optics_model()) {
    const int M = link.spec().sim.samples_per_ui;
    const auto Mu = static_cast<std::size_t>(M);
    const std::size_t K = om_.far_impulse.size();
    const std::size_t want = std::max<std::size_t>({8192, 3 * K, 128 * Mu, 8 * om_.chain_delay});
    const std::size_t Bf = ((want + Mu - 1) / Mu) * Mu;
    far_ = std::make_unique<dsp::OverlapSave>(om_.far_impulse, Bf);
    SI_ASSERT(far_->block_size() == Bf);
    const double dt = link.dt_s();
    shift_ = std::llround((link.t0_s() - om_.near_t0_s - om_.far_t0_s) / dt) +
             static_cast<std::int64_t>(om_.chain_delay);
    init(static_cast<std::uint64_t>(M), Bf / Mu, first_ui);
    // first near-end sample processed: that of the first block produced (next_blk_)
    const std::int64_t gn0 = static_cast<std::int64_t>(next_blk_ * Bf) + shift_;
    const std::uint64_t gfirst = gn0 > 0 ? static_cast<std::uint64_t>(gn0) : 0;
    const auto& sp = link.spec();
    if (tx::has_jitter(sp.tx) || tx.has_upstream()) {
        near_ = std::make_unique<JitterWaveform>(om_.near_impulse, M, sp.tx, link.ui_s(), sp.sim.seed, tx,
                                                 gfirst / Mu);
    } else {
        auto sym = [&tx](std::uint64_t k0, std::size_t n, float* out) {
            tx.extend(k0 + n);
            for (std::size_t i = 0; i < n; ++i) out[i] = tx.x(k0 + i);
        };
        near_ = std::make_unique<PulseStream>(om_.near_pulse, M, 1024, sym, gfirst / Mu);
    }
    chain_ = om_.make_chain(true);
    for (auto& st : chain_) st->reset(gfirst);
    a_.resize(Bf);
    b_.resize(Bf);
    f_.resize(Bf);
}

void OpticsWave::near_samples(std::uint64_t g, std::size_t m, double* a) {
    const std::uint64_t M = m_;
    std::size_t i = 0;
    if (M % 4 == 0) {
        // whole UIs read in place, four phases at a time over the UIs left in the near block
        const std::uint64_t bu = near_->block_ui();
        const auto lead = static_cast<std::size_t>((M - g % M) % M);
        for (; i < lead && i < m; ++i) a[i] = near_->at(g + i);
        while (m - i >= M) {
            const std::uint64_t u = (g + i) / M;
            const auto n = static_cast<std::size_t>(std::min<std::uint64_t>((m - i) / M, bu - u % bu));
            bool ok = true;
            for (std::size_t q = 0; q < M && ok; q += 4) {
                const float* p[4];
                std::size_t stride = 1;
                ok = near_->run4(g + i + q, n, p, stride);
                if (ok)
                    for (std::size_t r = 0; r < n; ++r)
                        for (std::size_t j = 0; j < 4; ++j) a[i + r * M + q + j] = p[j][r * stride];
            }
            if (!ok) break;  // the rest by at4 below
            i += n * M;
        }
    }
    for (float t[4]; i + 4 <= m; i += 4) {  // four at a time (one cursor step per UI part)
        near_->at4(g + i, t);
        for (std::size_t j = 0; j < 4; ++j) a[i + j] = t[j];
    }
    for (; i < m; ++i) a[i] = near_->at(g + i);
}

void OpticsWave::produce(std::uint64_t blk, Slot& s) {
    const std::size_t Bf = bu_ * m_;
    const std::int64_t gn0 = static_cast<std::int64_t>(blk * Bf) + shift_;
    // near-end samples of negative index precede the first symbol: the chain starts at 0
    const std::size_t i0 =
        gn0 >= 0 ? 0 : std::min<std::size_t>(Bf, static_cast<std::size_t>(-gn0));
    std::fill(f_.begin(), f_.begin() + static_cast<std::ptrdiff_t>(i0), 0.0f);
    if (i0 < Bf) {
        const std::size_t n = Bf - i0;
        const auto g0 = static_cast<std::uint64_t>(gn0 + static_cast<std::int64_t>(i0));
        // the whole chain over 512-sample pieces, which stay in L1 from stage to stage (the
        // stages stream: any split gives the same values)
        constexpr std::size_t kPiece = 512;
        for (std::size_t c = 0; c < n; c += kPiece) {
            const std::size_t m = std::min(kPiece, n - c);
            auto a = std::span(a_).first(m);
            auto b = std::span(b_).first(m);
            const std::uint64_t g = g0 + c;
            near_samples(g, m, a.data());
            for (auto& st : chain_) {
                st->process(a, b);
                std::swap(a, b);
            }
            float* f = f_.data() + i0 + c;
            for (std::size_t i = 0; i < m; ++i) f[i] = static_cast<float>(a[i] - om_.y_zero_v);
        }
    }
    s.y.resize(Bf);
    far_->process_block(f_, s.y);
    s.stride = m_;
    for (std::uint64_t m = 0; m < m_; ++m) s.base[m] = s.y.data() + m;
}

}  // namespace si::sim::detail

namespace si::sim {

OpticalWaveform optical_tx_waveform(const Link& link, std::uint64_t symbols) {
    const auto* om = link.optics_model();
    if (om == nullptr)
        throw ConfigError("output.optical_waveform_symbols",
                          "the link has no optical transmitter (link.architecture \"lpo\" or \"cpo\", or an optical hop)");
    const auto& sp = link.spec();
    const auto M = static_cast<std::uint64_t>(sp.sim.samples_per_ui);
    OpticalWaveform w;
    w.dt_s = link.dt_s();
    w.symbol_rate_bd = sp.signal.symbol_rate_bd;
    w.first_symbol = warmup_symbols(link);
    detail::TxSymbols tx(link);
    // the near stream as OpticsWave builds it (superposed, or jittered NRZ), from symbol 0
    std::unique_ptr<detail::WaveStream> near;
    if (tx::has_jitter(sp.tx)) {
        near = std::make_unique<detail::JitterWaveform>(om->near_impulse, sp.sim.samples_per_ui, sp.tx, link.ui_s(),
                                                        sp.sim.seed, tx, 0);
    } else {
        auto sym = [&tx](std::uint64_t k0, std::size_t n, float* out) {
            tx.extend(k0 + n);
            for (std::size_t i = 0; i < n; ++i) out[i] = tx.x(k0 + i);
        };
        near = std::make_unique<detail::PulseStream>(om->near_pulse, sp.sim.samples_per_ui, 1024, sym, 0);
    }
    tx.start(near->symbols_needed_from());
    auto chain = om->make_chain(true, false);  // the laser's RIN in the modulated power
    chain.resize(2);  // driver, modulator (laser inside)
    for (auto& st : chain) st->reset(0);
    const std::uint64_t delay = chain[0]->delay_samples() + chain[1]->delay_samples();
    const std::uint64_t g0 = w.first_symbol * M, n = symbols * M;
    w.power_w.reserve(static_cast<std::size_t>(n));
    constexpr std::size_t kB = 8192;
    std::vector<double> a(kB), b(kB);
    for (std::uint64_t g = 0; g < g0 + n + delay; g += kB) {
        for (std::size_t i = 0; i < kB; ++i) a[i] = near->at(g + i);
        chain[0]->process(a, b);
        chain[1]->process(b, a);
        for (std::size_t i = 0; i < kB; ++i) {
            const std::uint64_t gi = g + i;  // output sample gi is input sample gi - delay
            if (gi >= g0 + delay && gi < g0 + n + delay) w.power_w.push_back(a[i]);
        }
    }
    return w;
}

}  // namespace si::sim
