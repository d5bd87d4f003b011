// The streaming run: segments (one per thread) of decisions, each processed in blocks. Every
// output sample is computed by the same arithmetic whatever the segment/block split (see
// docs/engine.md), and random values are counter-based, so results are bit-identical for any
// thread count and block size.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <deque>
#include <system_error>
#include <thread>

#include "si/core/error.hpp"
#include "si/core/rng.hpp"
#include "si/core/units.hpp"
#include "si/dsp/superpose.hpp"
#include "si/sim/link.hpp"
#include "si/sim/stateye.hpp"

namespace si::sim {

namespace {

/// Generates level indices and TX symbol amplitudes x_k (FFE, swing, TX noise) on demand and
/// keeps a sliding window of them.
class SymbolStore {
public:
    SymbolStore(const Link& link, std::uint64_t first)
        : link_(link), src_(link.spec().signal.pattern), ffe_(tx::ffe_taps(link.spec().tx)),
          half_(link.spec().tx.swing_v / 2), sigma_tx_(link.tx_noise_sigma_v()),
          seed_(link.spec().sim.seed) {
        // Skip ahead to `first - (ffe taps - 1)` so the FFE history is exact.
        const std::uint64_t pre = ffe_.size() - 1;
        std::uint64_t skip = first > pre ? first - pre : 0;
        std::vector<std::uint8_t> junk(65536);
        while (skip > 0) {
            const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(skip, junk.size()));
            src_.generate(std::span<std::uint8_t>(junk.data(), n));
            skip -= n;
        }
        base_ = first > pre ? first - pre : 0;
        end_ = base_;
    }
    /// Ensures symbols [.., k_end) exist.
    void extend(std::uint64_t k_end) {
        if (k_end <= end_) return;
        const std::size_t n = static_cast<std::size_t>(k_end - end_);
        tmp_.resize(n);
        src_.generate(tmp_);
        for (std::size_t i = 0; i < n; ++i) {
            lv_.push_back(tmp_[i]);
            a_.push_back(static_cast<float>(link_.level_value(tmp_[i])));
        }
        // x_k = half * sum_i c_i a_{k-i} + noise_k, for k in [end_, k_end)
        for (std::uint64_t k = end_; k < k_end; ++k) {
            double acc = 0;
            for (std::size_t i = 0; i < ffe_.size(); ++i) {
                if (k < i || k - i < base_) continue;  // before the store: zero (fresh start)
                acc += ffe_[i] * a_[static_cast<std::size_t>(k - i - base_)];
            }
            double x = half_ * acc;
            if (sigma_tx_ > 0) x += sigma_tx_ * ziggurat_gaussian(seed_, Stream::tx_noise, k);
            x_.push_back(static_cast<float>(x));
        }
        end_ = k_end;
    }
    [[nodiscard]] std::uint8_t level(std::uint64_t k) { extend(k + 1); return lv_[idx(k)]; }
    [[nodiscard]] float x(std::uint64_t k) { extend(k + 1); return x_[idx(k)]; }
    /// Forgets symbols below k (keeps memory bounded).
    void trim(std::uint64_t k) {
        if (k <= base_) return;
        const std::size_t n = std::min<std::size_t>(idx(std::min(k, end_)), lv_.size());
        lv_.erase(lv_.begin(), lv_.begin() + static_cast<std::ptrdiff_t>(n));
        a_.erase(a_.begin(), a_.begin() + static_cast<std::ptrdiff_t>(n));
        x_.erase(x_.begin(), x_.begin() + static_cast<std::ptrdiff_t>(n));
        base_ += n;
    }
    [[nodiscard]] std::uint64_t base() const { return base_; }

private:
    std::size_t idx(std::uint64_t k) const {
        SI_ASSERT(k >= base_ && k < end_);
        return static_cast<std::size_t>(k - base_);
    }
    const Link& link_;
    pattern::SymbolSource src_;
    std::vector<double> ffe_;
    double half_, sigma_tx_;
    std::uint64_t seed_;
    std::uint64_t base_ = 0, end_ = 0;
    std::deque<std::uint8_t> lv_;
    std::deque<float> a_, x_;
    std::vector<std::uint8_t> tmp_;
};

/// Pulses at least this long (in UI) are superposed with symbol-rate FFTs instead of directly.
constexpr std::uint64_t kFftSuperpositionMinUi = 40;  // measured crossover 32-40 UI (performance.md)

/// The waveform one crosstalk aggressor adds at the victim's slicer: its own independent
/// uniform random PAM-N symbols (counter-based stream xtalk_base + index) superposed with its
/// fused pulse. Requests are contiguous and increasing; FFT blocks sit at absolute multiples of
/// the block length with a whole block of warm-up, so the samples do not depend on where a
/// segment starts.
class AggressorStream {
public:
    AggressorStream(const Link& link, std::size_t index, std::uint64_t g_start)
        : link_(link), index_(index), M_(static_cast<std::uint64_t>(link.spec().sim.samples_per_ui)) {
        const auto& ag = link.aggressors()[index];
        std::vector<float> pf(ag.pulse.begin(), ag.pulse.end());
        const std::uint64_t lp = (ag.pulse.size() + M_ - 1) / M_;
        std::uint64_t s0 = g_start / M_ > lp + 2 ? g_start / M_ - lp - 2 : 0;
        if (lp >= kFftSuperpositionMinUi) {
            fsup_ = std::make_unique<dsp::PolyphaseFftSuperposer>(pf, static_cast<int>(M_));
            b_ = fsup_->block_symbols();
            s0 = s0 / b_ >= 1 ? (s0 / b_ - 1) * b_ : 0;
        } else {
            sup_ = std::make_unique<dsp::PolyphaseSuperposer>(pf, static_cast<int>(M_));
            b_ = 1024;
        }
        k_next_ = s0;
        g0_ = s0 * M_;
        key_ = stream_key(link.spec().sim.seed,
                          static_cast<Stream>(static_cast<std::uint64_t>(Stream::xtalk_base) + index));
    }
    void add(std::uint64_t g, float* y, std::size_t n) {
        while (g0_ + buf_.size() < g + n) {
            x_.resize(b_);
            const auto N = static_cast<std::uint64_t>(link_.levels());
            for (std::size_t i = 0; i < b_; ++i)
                x_[i] = static_cast<float>(
                    link_.level_value(static_cast<int>(random_bits_keyed(key_, k_next_ + i) % N)));
            out_.resize(b_ * M_);
            if (sup_) sup_->process(x_, out_); else fsup_->process_block(x_, out_);
            buf_.insert(buf_.end(), out_.begin(), out_.end());
            k_next_ += b_;
        }
        SI_ASSERT(g >= g0_);
        const float* src = buf_.data() + (g - g0_);
        for (std::size_t i = 0; i < n; ++i) y[i] += src[i];
        const std::uint64_t drop = g + n - g0_;
        buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(drop));
        g0_ += drop;
    }

private:
    const Link& link_;
    std::size_t index_;
    std::uint64_t M_, k_next_ = 0, g0_ = 0, key_ = 0;
    std::size_t b_ = 0;
    std::unique_ptr<dsp::PolyphaseSuperposer> sup_;
    std::unique_ptr<dsp::PolyphaseFftSuperposer> fsup_;
    std::vector<float> x_, out_, buf_;
};

struct SegmentResult {
    std::unique_ptr<analysis::EyeAccumulator> eye;
    analysis::BerCounts ber;
    std::vector<std::uint8_t> decisions;  // when collecting
    std::vector<std::uint8_t> sent;       // when collecting
    std::uint64_t samples = 0;
};

/// Edge time offset tau_k [UI] of the edge that starts symbol k.
double edge_offset_ui(const tx::TxConfig& t, double ui_s, std::uint64_t seed, std::uint64_t k) {
    double tau = 0;
    if (t.rj_rms_ui > 0) tau += t.rj_rms_ui * ziggurat_gaussian(seed, Stream::tx_rj, k);
    if (t.sj_amp_ui > 0)
        tau += t.sj_amp_ui * std::sin(2 * kPi * t.sj_freq_hz * ui_s * static_cast<double>(k));
    if (t.dcd_ui > 0) tau += (k % 2 == 0 ? -0.5 : 0.5) * t.dcd_ui;
    return tau;
}

/// Simulates decisions u in [u0, u1). lag < 0: collect decisions and sent symbols (pre-run).
void run_segment(const Link& link, std::uint64_t u0, std::uint64_t u1, std::int64_t lag,
                 std::atomic<std::uint64_t>& progress, SegmentResult& out) {
    const auto& sp = link.spec();
    const int M = sp.sim.samples_per_ui;
    const std::uint64_t Mu = static_cast<std::uint64_t>(M);
    const int N = link.levels();
    const std::uint64_t seed = sp.sim.seed;
    const int cm = link.cursor_index() % M;  // sampling phase within the UI
    const bool collect = lag < 0;
    const std::uint64_t ulag = collect ? 0 : static_cast<std::uint64_t>(lag);
    const float sigma_rx = static_cast<float>(link.rx_noise_sigma_out_v());
    const auto& thr = link.thresholds();
    std::size_t B = static_cast<std::size_t>(sp.sim.block_symbols);

    out.eye = std::make_unique<analysis::EyeAccumulator>(N, M, sp.eye.voltage_bins,
                                                         -link.eye_range_v(), link.eye_range_v());
    // First decision whose decoder state we need: u0-1 when it maps to a real symbol.
    const bool prime = !collect && u0 > ulag;
    const std::uint64_t ud0 = prime ? u0 - 1 : u0;
    // Waveform must be exact from UI ud0: warm up over the pulse length.
    const std::uint64_t lp_ui = (link.pulse().size() + Mu - 1) / Mu;

    // Decoders (stateful for precoding) for the sent and the decided streams.
    pattern::SymbolDecoder dec_sent(sp.signal.pattern), dec_rx(sp.signal.pattern);
    analysis::BitDecoder fs = [&](std::uint8_t l) { return dec_sent.decode(l); };
    analysis::BitDecoder fr = [&](std::uint8_t l) { return dec_rx.decode(l); };
    out.ber.bits_per_symbol = static_cast<int>(std::lround(std::log2(N)));

    // ---- waveform producer --------------------------------------------------------------------
    std::uint64_t g_next = 0;  // next waveform sample to produce
    std::vector<float> wave;   // produced samples [g_wave0, g_wave0 + wave.size())
    std::uint64_t g_wave0 = 0;
    std::unique_ptr<SymbolStore> store;
    std::unique_ptr<dsp::PolyphaseSuperposer> sup;
    std::unique_ptr<dsp::PolyphaseFftSuperposer> fsup;
    std::unique_ptr<dsp::OverlapSave> ols;
    std::vector<float> xb, yb, ub, nz;
    const double ui_s = link.ui_s();
    int jit_margin = 0;
    if (link.linear_path()) {
        std::uint64_t s0 = ud0 > lp_ui + 2 ? ud0 - lp_ui - 2 : 0;
        std::vector<float> pf(link.pulse().begin(), link.pulse().end());
        if (lp_ui >= kFftSuperpositionMinUi) {
            // FFT blocks sit at absolute multiples of the block length (determinism).
            fsup = std::make_unique<dsp::PolyphaseFftSuperposer>(pf, M);
            B = fsup->block_symbols();
            // One whole block of warm-up before the first needed UI: FFT round-off depends on
            // every input of a block, so the first block (zero history) must be discarded.
            s0 = s0 / B >= 1 ? (s0 / B - 1) * B : 0;
        } else {
            sup = std::make_unique<dsp::PolyphaseSuperposer>(pf, M);
        }
        store = std::make_unique<SymbolStore>(link, s0);
        g_next = s0 * Mu;
    } else {
        // FFT partition tied to absolute sample positions: blocks of Bf samples from g = 0.
        const std::size_t K = link.impulse().size();
        const std::size_t Bf = ((std::max<std::size_t>(8192, 3 * K) + Mu - 1) / Mu) * Mu;
        ols = std::make_unique<dsp::OverlapSave>(link.impulse(), Bf);
        const std::uint64_t need = ud0 * Mu;
        const std::uint64_t warm = K + Bf;
        const std::uint64_t gs = need > warm ? ((need - warm) / Bf) * Bf : 0;
        const auto& t = sp.tx;
        jit_margin = static_cast<int>(std::ceil(t.sj_amp_ui + 8 * t.rj_rms_ui + t.dcd_ui)) + 2;
        const std::uint64_t ks = gs / Mu > static_cast<std::uint64_t>(jit_margin)
                                     ? gs / Mu - static_cast<std::uint64_t>(jit_margin)
                                     : 0;
        store = std::make_unique<SymbolStore>(link, ks);
        g_next = gs;
    }
    g_wave0 = g_next;
    std::vector<AggressorStream> aggs;
    for (std::size_t a = 0; a < link.aggressors().size(); ++a) aggs.emplace_back(link, a, g_next);

    std::uint64_t keep_from = 0;  // the consumer still needs sent symbols from here on
    auto produce = [&]() {  // appends one block of waveform samples
        if (sup || fsup) {
            const std::uint64_t k0 = g_next / Mu;
            xb.resize(B);
            store->extend(k0 + B);
            for (std::size_t i = 0; i < B; ++i) xb[i] = store->x(k0 + i);
            yb.resize(B * Mu);
            if (sup) sup->process(xb, yb); else fsup->process_block(xb, yb);
            store->trim(std::min<std::uint64_t>(k0 + B > 8 ? k0 + B - 8 : 0, keep_from));
        } else {
            const std::size_t Bf = ols->block_size();
            ub.assign(Bf, 0.0f);
            // area-sampled NRZ with edges at e_k = k M + tau_k M (samples)
            const double g0 = static_cast<double>(g_next);
            const std::int64_t kfirst = static_cast<std::int64_t>(g_next / Mu) - jit_margin;
            const std::int64_t klast = static_cast<std::int64_t>((g_next + Bf) / Mu) + jit_margin;
            // Sample g stands for the interval [g - 1/2, g + 1/2): the edges move by half a
            // sample against the [g, g + 1) bins used below (the same trapezoid rule as the
            // pulse, so both paths put a symbol's centre at T/2). Each edge is computed once:
            // the end of symbol k is the start of symbol k + 1.
            const std::int64_t kstart = std::max<std::int64_t>(kfirst, 0);
            auto edge = [&](std::int64_t k) {
                return static_cast<double>(k) * M + 0.5 +
                       edge_offset_ui(sp.tx, ui_s, seed, static_cast<std::uint64_t>(k)) * M;
            };
            double e1 = edge(kstart);
            for (std::int64_t k = kstart; k <= klast; ++k) {
                const auto ku = static_cast<std::uint64_t>(k);
                const double e0 = e1;
                e1 = edge(k + 1);
                const float xk = store->x(ku);
                const double lo = std::max(e0, g0), hi = std::min(e1, g0 + static_cast<double>(Bf));
                if (hi <= lo) continue;
                for (auto g = static_cast<std::int64_t>(std::floor(lo - g0));
                     g < static_cast<std::int64_t>(std::ceil(hi - g0)); ++g) {
                    const double a = std::max(lo, g0 + static_cast<double>(g));
                    const double b = std::min(hi, g0 + static_cast<double>(g) + 1);
                    if (b > a) ub[static_cast<std::size_t>(g)] += static_cast<float>(xk * (b - a));
                }
            }
            store->trim(std::min<std::uint64_t>(
                static_cast<std::uint64_t>(std::max<std::int64_t>(kfirst - 4, 0)), keep_from));
            yb.resize(Bf);
            ols->process_block(ub, yb);
        }
        for (auto& ag : aggs) ag.add(g_next, yb.data(), yb.size());
        if (sigma_rx > 0) {
            nz.resize(yb.size());
            fill_gaussian(seed, Stream::rx_noise, g_next, sigma_rx, nz.data(), nz.size());
            for (std::size_t i = 0; i < yb.size(); ++i) yb[i] += nz[i];
        }
        wave.insert(wave.end(), yb.begin(), yb.end());
        g_next += yb.size();
        out.samples += yb.size();
    };

    // ---- consumer: decisions, eye, errors -------------------------------------------------------
    std::vector<std::uint8_t> sent_blk, dec_blk;
    std::uint64_t last_report = u0;
    for (std::uint64_t u = ud0; u < u1; ++u) {
        const std::uint64_t gu = u * Mu + static_cast<std::uint64_t>(cm);
        keep_from = u >= ulag + 2 ? u - ulag - 2 : 0;
        while (g_next < gu + Mu) produce();
        const float* w = wave.data() + (gu - g_wave0);
        // slicer
        int d = 0;
        while (d < N - 1 && w[0] >= thr[static_cast<std::size_t>(d)]) ++d;
        if (collect) {
            out.decisions.push_back(static_cast<std::uint8_t>(d));
            out.sent.push_back(store->level(u));
        } else {
            const std::uint64_t k = u - ulag;
            const std::uint8_t lk = store->level(k);
            if (u >= u0) out.eye->add_ui(w, lk, store->level(k + 1));
            sent_blk.push_back(lk);
            dec_blk.push_back(static_cast<std::uint8_t>(d));
        }
        // drop consumed samples now and then
        if (gu - g_wave0 > (1u << 16)) {
            const std::uint64_t drop = gu - g_wave0;
            wave.erase(wave.begin(), wave.begin() + static_cast<std::ptrdiff_t>(drop));
            g_wave0 += drop;
        }
        if (!collect && (sent_blk.size() >= 4096 || u + 1 == u1)) {
            const std::size_t skip = (prime && u + 1 - sent_blk.size() == ud0) ? 1 : 0;
            analysis::count_errors(sent_blk, dec_blk, fs, fr, skip, out.ber);
            sent_blk.clear();
            dec_blk.clear();
        }
        if (u - last_report >= 4096) {
            progress.fetch_add(u - last_report, std::memory_order_relaxed);
            last_report = u;
        }
    }
    if (u1 > last_report) progress.fetch_add(u1 - last_report, std::memory_order_relaxed);
}

}  // namespace

RunResult run(const Link& link, const Progress& progress) {
    const auto t_start = std::chrono::steady_clock::now();
    const auto& sp = link.spec();
    const int M = sp.sim.samples_per_ui;
    RunResult res;

    {   // first symbols, for checking
        pattern::SymbolSource src(sp.signal.pattern);
        res.first_symbols.resize(65536);  // always: enough to check a pattern (PRBS13Q period 8191)
        src.generate(res.first_symbols);
    }
    res.expected_latency_ui = link.cursor_index() / M;
    {   // PRBS data are not independent over ISI spans much longer than the register
        const std::string& pn = sp.signal.pattern.name;
        const std::uint64_t span_ui = link.symbol_pulse().size() / static_cast<std::size_t>(M);
        if (pn.rfind("prbs", 0) == 0 && span_ui > 1000)
            res.warnings.push_back(str(
                "the pulse response spans ", span_ui, " UI: over such ISI a ", pn,
                " pattern is not a sequence of independent symbols, so the statistical SER "
                "(which assumes independence) can differ from the counted one; both are right "
                "for what they model (docs/validation.md)"));
    }
    if (sp.signal.pattern.name == "ssprq" && !pattern::kSsprqDefinitionVerified)
        res.warnings.push_back(
            "SSPRQ: the segment table is a provisional reconstruction, not verified against "
            "IEEE 802.3 120.5.11.2.3 (docs/patterns.md); load the standard's pattern file for "
            "compliance work");

    // ---- pre-run: find the alignment of decisions to sent symbols --------------------------------
    const int max_lag = static_cast<int>(link.symbol_pulse().size() / static_cast<std::size_t>(M)) + 4;
    const std::uint64_t pre_n = std::min<std::uint64_t>(sp.sim.symbols, 4096) + static_cast<std::uint64_t>(max_lag);
    std::atomic<std::uint64_t> prog{0};
    SegmentResult pre;
    run_segment(link, 0, pre_n, -1, prog, pre);
    double mism = 0;
    const std::int64_t lag = analysis::find_alignment(pre.sent, pre.decisions, max_lag, &mism);
    if (lag < 0) throw ModelError("alignment search had too few decisions");
    res.ber.lag_symbols = lag;
    res.alignment_mismatch = mism;
    if (lag != res.expected_latency_ui)
        res.warnings.push_back(str("alignment found at ", lag, " UI but the pulse response puts the main cursor at ",
                                   res.expected_latency_ui, " UI (mismatch fraction ", mism, ")"));

    // ---- main run in segments ---------------------------------------------------------------------
    int threads = sp.sim.threads;
    if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const std::uint64_t total = sp.sim.symbols;
    const std::uint64_t ulag = static_cast<std::uint64_t>(lag);
    threads = static_cast<int>(std::min<std::uint64_t>(static_cast<std::uint64_t>(threads),
                                                       std::max<std::uint64_t>(1, total / 20000)));
    std::vector<SegmentResult> seg(static_cast<std::size_t>(threads));
    std::vector<std::exception_ptr> errs(static_cast<std::size_t>(threads));
    prog = 0;
    std::vector<std::thread> pool;
    std::atomic<int> finished{0};
    // Workers wait for `gate`: if one cannot be started, the others are released with nothing to
    // do and joined, and the run ends with an error (never std::terminate, never a partial run).
    std::atomic<int> gate{0};  // 0 wait, 1 go, -1 abandon
    for (int t = 0; t < threads; ++t) {
        const std::uint64_t a = ulag + total * static_cast<std::uint64_t>(t) / static_cast<std::uint64_t>(threads);
        const std::uint64_t b = ulag + total * static_cast<std::uint64_t>(t + 1) / static_cast<std::uint64_t>(threads);
        try {
            pool.emplace_back([&, a, b, t] {
                gate.wait(0, std::memory_order_acquire);  // blocks, no spinning
                const int g = gate.load(std::memory_order_acquire);
                try {
                    if (g > 0) run_segment(link, a, b, lag, prog, seg[static_cast<std::size_t>(t)]);
                } catch (...) {
                    errs[static_cast<std::size_t>(t)] = std::current_exception();
                }
                finished.fetch_add(1, std::memory_order_release);
            });
        } catch (const std::system_error& e) {
            gate.store(-1, std::memory_order_release);
            gate.notify_all();
            for (auto& th : pool) th.join();
            throw ConfigError("sim.threads", str("cannot start worker thread ", t + 1, " of ", threads,
                                                 " (", e.what(), "); lower sim.threads"));
        }
    }
    gate.store(1, std::memory_order_release);
    gate.notify_all();
    if (progress) {  // report every 100 ms, notice the end within 2 ms
        auto last = std::chrono::steady_clock::now();
        while (finished.load(std::memory_order_acquire) < threads) {
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
            const auto now = std::chrono::steady_clock::now();
            if (now - last >= std::chrono::milliseconds(100)) {
                progress(static_cast<double>(prog.load()) / static_cast<double>(total));
                last = now;
            }
        }
    }
    for (auto& th : pool) th.join();
    for (auto& e : errs)
        if (e) std::rethrow_exception(e);
    if (progress) progress(1.0);

    res.eye = std::move(seg[0].eye);
    res.ber = seg[0].ber;
    res.waveform_samples = seg[0].samples;
    for (std::size_t t = 1; t < seg.size(); ++t) {
        res.eye->merge(*seg[t].eye);
        res.ber.symbols_compared += seg[t].ber.symbols_compared;
        res.ber.symbol_errors += seg[t].ber.symbol_errors;
        res.ber.bit_errors += seg[t].ber.bit_errors;
        res.waveform_samples += seg[t].samples;
    }
    res.ber.lag_symbols = lag;
    res.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
    const auto t_analysis = std::chrono::steady_clock::now();
    res.metrics = res.eye->metrics(sp.eye.target_ber);
    res.metrics_histogram = res.metrics;
    {
        // Heights and widths at the target BER from the statistical eye: exact tails where the
        // histogram would have to extrapolate (levels, RLM stay the measured ones).
        const auto se = statistical_eye(link, sp.eye.target_ber);
        res.metrics.eye_height_v = se.eye_height_v;
        res.metrics.eye_width_ui = se.eye_width_ui;
        res.metrics.height_vs_time_v = se.height_vs_time_v;
        res.metrics.extrapolated = false;
        res.metrics.method = "statistical";
        if (link.levels() == 4) {
            const double eh_min = *std::min_element(se.eye_height_v.begin(), se.eye_height_v.end());
            const double av_upp = res.metrics.levels_v[3] - res.metrics.levels_v[2];
            res.metrics.vec_db = eh_min > 0 ? 20 * std::log10(av_upp / eh_min) : INFINITY;
        }
    }
    if (res.eye->clipped() > 0)
        res.warnings.push_back(str(res.eye->clipped(), " eye samples fell outside +-",
                                   link.eye_range_v(), " V and were counted in the edge bins"));
    res.analysis_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_analysis).count();
    return res;
}

}  // namespace si::sim
