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
#include "stage_rx.hpp"
#include "stage_sampler.hpp"
#include "stage_tx.hpp"
#include "stage_waveform.hpp"

namespace si::sim {

namespace {

struct SegmentResult {
    std::unique_ptr<analysis::EyeAccumulator> eye;
    analysis::BerCounts ber;
    std::vector<std::uint8_t> decisions;  // when collecting
    std::vector<std::uint8_t> sent;       // when collecting
    std::uint64_t samples = 0;            // UIs sampled x samples per UI
};

/// Decisions [u0, u1) of one segment: the run composed of its stages, block by block.
/// lag < 0: collect decisions and sent symbols (alignment pre-run). Decisions u < eye_end feed
/// the eye.
void run_segment(const Link& link, std::uint64_t u0, std::uint64_t u1, std::int64_t lag,
                 std::uint64_t eye_end, std::atomic<std::uint64_t>& progress, SegmentResult& out) {
    const auto& sp = link.spec();
    const int M = sp.sim.samples_per_ui;
    const int N = link.levels();
    const bool collect = lag < 0;
    const std::uint64_t ulag = collect ? 0 : static_cast<std::uint64_t>(lag);
    out.eye = std::make_unique<analysis::EyeAccumulator>(N, M, sp.eye.voltage_bins,
                                                         -link.eye_range_v(), link.eye_range_v());
    // First decision whose decoder state we need: u0-1 when it maps to a real symbol.
    const bool prime = !collect && u0 > ulag;
    const std::uint64_t ud0 = prime ? u0 - 1 : u0;

    // ---- the stages, in signal order -----------------------------------------------------------
    detail::TxSymbols tx(link);                            // pattern -> TX symbols
    detail::SymbolChain chain(link);                       // gain, ADC, FFE, detector
    const auto D = static_cast<std::uint64_t>(chain.delay_ui());
    const std::uint64_t us = ud0 > D ? ud0 - D : 0;        // first UI sampled
    detail::FrontEnd fe(link, tx, us);                     // waveform + crosstalk + noise
    detail::Sampler sampler(link, fe);                     // clock: one sample per UI
    // sinks: eye (analog, at the sampler input) and error counter
    pattern::SymbolDecoder dec_sent(sp.signal.pattern), dec_rx(sp.signal.pattern);
    analysis::BitDecoder fs = [&](std::uint8_t l) { return dec_sent.decode(l); };
    analysis::BitDecoder fr = [&](std::uint8_t l) { return dec_rx.decode(l); };
    out.ber.bits_per_symbol = static_cast<int>(std::lround(std::log2(N)));

    constexpr std::size_t kBlock = 64;  // UIs per pass through the stages
    std::vector<double> samples(kBlock), det_in(kBlock);
    std::vector<std::uint8_t> decisions(kBlock), sent_blk, dec_blk;
    std::vector<float> w(static_cast<std::size_t>(M));
    bool first_count = true;
    std::uint64_t last_report = u0;
    const std::uint64_t u_end = u1 + D;
    for (std::uint64_t u = us; u < u_end;) {
        const std::size_t nb = static_cast<std::size_t>(std::min<std::uint64_t>(kBlock, u_end - u));
        sampler.process(u, std::span(samples).first(nb));
        chain.process(std::span(samples).first(nb), std::span(decisions).first(nb),
                      std::span(det_in).first(nb));
        out.samples += nb * static_cast<std::uint64_t>(M);
        for (std::size_t i = 0; i < nb; ++i) {
            if (u + i < us + D) continue;  // the chain's delay line is filling
            const std::uint64_t ud = u + i - D;  // the UI this decision belongs to
            if (ud < ud0 || ud >= u1) continue;
            if (collect) {
                out.decisions.push_back(decisions[i]);
                out.sent.push_back(tx.level(ud));
                continue;
            }
            const std::uint64_t k = ud - ulag;
            const std::uint8_t lk = tx.level(k);
            if (ud >= u0 && ud < eye_end) {
                sampler.window(ud, w.data());
                out.eye->add_ui(w.data(), lk, tx.level(k + 1));
            }
            sent_blk.push_back(lk);
            dec_blk.push_back(decisions[i]);
        }
        u += nb;
        if (!collect && (sent_blk.size() >= 4096 || u >= u_end)) {
            analysis::count_errors(sent_blk, dec_blk, fs, fr, prime && first_count ? 1 : 0, out.ber);
            first_count = false;
            sent_blk.clear();
            dec_blk.clear();
        }
        // symbols still needed: the waveform's history and the decisions to come
        const std::uint64_t next_ud = u > D ? u - D : 0;
        const std::uint64_t keep = next_ud > ulag + 2 ? next_ud - ulag - 2 : 0;
        tx.trim(std::min(keep, fe.symbols_needed_from()));
        if (u - last_report >= 4096 && u > last_report) {
            progress.fetch_add(u - last_report, std::memory_order_relaxed);
            last_report = u;
        }
    }
    if (u1 > last_report) progress.fetch_add(u1 - last_report, std::memory_order_relaxed);
}

}  // namespace

std::uint64_t warmup_symbols(const Link& link) {
    const auto M = static_cast<std::uint64_t>(link.spec().sim.samples_per_ui);
    return (link.symbol_pulse().size() + M - 1) / M + 8;
}

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
    // Warm-up: the first symbols fill the channel memory (symbols before index 0 are 0 V), so
    // decisions start being counted and binned only `warm` symbols later, when every sample
    // sees a full history of real symbols (no start-up transient in the eye or the counts).
    const std::uint64_t warm = warmup_symbols(link);
    res.warmup_symbols = warm;
    std::atomic<std::uint64_t> prog{0};
    SegmentResult pre;
    run_segment(link, warm, warm + pre_n, -1, 0, prog, pre);
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
    const std::uint64_t eye_end = sp.eye.symbols < 0 ? ulag + warm + total
                                                     : ulag + warm + std::min<std::uint64_t>(total, static_cast<std::uint64_t>(sp.eye.symbols));
    std::vector<SegmentResult> seg(static_cast<std::size_t>(threads));
    std::vector<std::exception_ptr> errs(static_cast<std::size_t>(threads));
    prog = 0;
    std::vector<std::thread> pool;
    std::atomic<int> finished{0};
    // Workers wait for `gate`: if one cannot be started, the others are released with nothing to
    // do and joined, and the run ends with an error (never std::terminate, never a partial run).
    std::atomic<int> gate{0};  // 0 wait, 1 go, -1 abandon
    for (int t = 0; t < threads; ++t) {
        const std::uint64_t a = ulag + warm + total * static_cast<std::uint64_t>(t) / static_cast<std::uint64_t>(threads);
        const std::uint64_t b = ulag + warm + total * static_cast<std::uint64_t>(t + 1) / static_cast<std::uint64_t>(threads);
        try {
            pool.emplace_back([&, a, b, t] {
                gate.wait(0, std::memory_order_acquire);  // blocks, no spinning
                const int g = gate.load(std::memory_order_acquire);
                try {
                    if (g > 0) run_segment(link, a, b, lag, eye_end, prog, seg[static_cast<std::size_t>(t)]);
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
        res.metrics.target_reached = true;
        res.metrics.ber_reached = sp.eye.target_ber;
        res.metrics.eye_height_at_reached_v = se.eye_height_v;
        res.metrics.eye_width_at_reached_ui = se.eye_width_ui;
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
