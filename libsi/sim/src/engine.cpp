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
#include <time.h>

#include "si/core/error.hpp"
#include "si/core/rng.hpp"
#include "si/core/units.hpp"
#include "si/dsp/superpose.hpp"
#include "si/analysis/burst.hpp"
#include "si/sim/link.hpp"
#include "si/sim/receiver.hpp"
#include "si/sim/stateye.hpp"
#include "segment.hpp"
#include "stage_rx.hpp"
#include "stage_sampler.hpp"
#include "stage_tx.hpp"
#include "stage_waveform.hpp"

namespace si::sim {

namespace {

/// CPU time of the whole process so far [s] (every thread).
double process_cpu_seconds() noexcept {
    timespec ts{};
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) return 0.0;
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

/// Half-range of the detector-input eye: twice the main cursor (detector units).
double dsp_eye_range(const Link& link) {
    const auto& rd = link.receiver();
    return rd.ffe.taps > 0 ? 2 * std::abs(rd.detector_main)
                           : link.eye_range_v() * std::abs(rd.gain);
}

}  // namespace

namespace detail {

// Decisions [u0, u1) of one segment: the run composed of its stages, block by block. The
// receiver runs `training` decisions (plus its delay line) before the first decision made
// (u0, or io.x0) without counting them.
void run_segment(const Link& link, std::uint64_t u0, std::uint64_t u1, std::int64_t lag,
                 std::uint64_t eye_end, bool trace, std::atomic<std::uint64_t>& progress,
                 SegmentResult& out, SegmentInfo& info, const SegmentIo& io) {
    const auto& sp = link.spec();
    const auto& rd = link.receiver();
    const int M = sp.sim.samples_per_ui;
    const int N = link.levels();
    const bool collect = lag < 0;
    const std::uint64_t ulag = collect ? 0 : static_cast<std::uint64_t>(lag);
    // (the alignment pre-run, collecting decisions, bins nothing: no eyes to allocate and clear)
    if (!out.eye && !collect)
        out.eye = std::make_unique<analysis::EyeAccumulator>(N, M, sp.eye.voltage_bins,
                                                             -link.eye_range_v(), link.eye_range_v());
    if (!out.dsp_eye && rd.has_dsp && !collect)
        out.dsp_eye = std::make_unique<analysis::EyeAccumulator>(N, 1, sp.eye.voltage_bins,
                                                                 -dsp_eye_range(link), dsp_eye_range(link));
    if (!out.bursts) out.bursts = std::make_unique<analysis::BurstCounter>();
    // First decision whose decoder state we need: u0-1 when it maps to a real symbol.
    const bool prime = !collect && u0 > ulag;
    const std::uint64_t uc0 = prime ? u0 - 1 : u0;  // first decision counted (or primed)
    // decisions made: the counted ones, or the wider range a retimer exports
    const std::uint64_t ud0 = io.x1 > 0 ? std::min(io.x0, uc0) : uc0;
    const std::uint64_t ud1 = io.x1 > 0 ? std::max(io.x1, u1) : u1;

    // ---- the stages, in signal order -----------------------------------------------------------
    const auto D = static_cast<std::uint64_t>(rd.delay_ui);              // chain delay [UI]
    const std::uint64_t lead = D + static_cast<std::uint64_t>(rd.history_ui) + rd.training;
    const std::uint64_t us = ud0 > lead ? ud0 - lead : 0;                // first UI sampled
    detail::TxSymbols tx(link, io.upstream);                             // pattern -> TX symbols
    detail::FrontEnd fe(link, tx, us);                                   // waveform + xtalk + noise
    detail::Sampler sampler(link, fe, us);                               // fixed clock or CDR
    detail::SymbolChain chain(link, us);                                 // gain, ADC, FFE, detector
    const auto P = static_cast<std::uint64_t>(chain.tentative_delay_ui());
    // sinks: eyes (analog at the sampler, detector input), error counter, burst counter
    pattern::SymbolDecoder dec_sent(sp.signal.pattern), dec_rx(sp.signal.pattern);
    analysis::BitDecoder fs = [&](std::uint8_t l) { return dec_sent.decode(l); };
    analysis::BitDecoder fr = [&](std::uint8_t l) { return dec_rx.decode(l); };
    out.ber.bits_per_symbol = static_cast<int>(std::lround(std::log2(N)));

    constexpr std::size_t kBlock = 32;  // UIs per pass through the stages (a CDR's loop latency)
    std::vector<double> samples(kBlock), det_in(kBlock);
    std::vector<std::uint8_t> decisions(kBlock), tentative(kBlock), sent_blk, dec_blk;
    // eye windows wait D UIs for their decision: a ring of D + kBlock windows
    const std::size_t wring = static_cast<std::size_t>(D) + kBlock;
    std::vector<float> windows(wring * static_cast<std::size_t>(M));
    bool first_count = true;
    std::uint64_t sent_next = 0;  // next symbol index written to io.out_sent
    std::uint64_t last_report = u0;
    const std::uint64_t u_end = ud1 + D;
    const std::uint64_t u_adapt_off = ud0 + D;  // first sample whose decision is counted
    const bool want_eye = !collect && ud0 < eye_end;
    const std::uint64_t tdec = trace ? std::max<std::uint64_t>(16, (u_end - us) / 131072) : 0;
    std::uint64_t tnext = 1;  // UIs to the next phase-trace point (UI us is the first)
    chain.adapt(true);
    for (std::uint64_t u = us; u < u_end;) {
        if (u == u_adapt_off) chain.adapt(false);  // training over: taps frozen
        std::uint64_t lim = std::min<std::uint64_t>(kBlock, u_end - u);
        if (u < u_adapt_off) lim = std::min(lim, u_adapt_off - u);
        const auto nb = static_cast<std::size_t>(lim);
        const auto sv = std::span(samples).first(nb);
        if (!sampler.recovered()) {
            sampler.process(u, sv);
            chain.process(sv, std::span(decisions).first(nb), std::span(det_in).first(nb),
                          std::span(tentative).first(nb));
        } else {
            // Recovered clock, processed like a parallel DSP: the block's UIs are sampled at the
            // phase the loop holds now, then detected, then their (tentative) decisions advance
            // the loop one UI each. Loop latency: the FFE pre-cursors plus up to one block.
            sampler.sample_block(u, sv);
            chain.process(sv, std::span(decisions).first(nb), std::span(det_in).first(nb),
                          std::span(tentative).first(nb));
            for (std::size_t i = 0; i < nb; ++i) {
                if (u + i >= us + P) sampler.decide(u + i - P, tentative[i]);
                if (tdec && --tnext == 0) {  // every tdec-th UI from us
                    info.trace.push_back(static_cast<float>(sampler.phase_of(u + i)));
                    tnext = tdec;
                }
            }
        }
        out.samples += nb * static_cast<std::uint64_t>(M);
        if (want_eye)
            for (std::size_t i = 0; i < nb; ++i) {
                const std::uint64_t ui = u + i;  // its decision comes D UIs later
                if (ui >= u0 && ui < eye_end)
                    sampler.window(ui, &windows[(ui % wring) * static_cast<std::size_t>(M)]);
            }
        for (std::size_t i = 0; i < nb; ++i) {
            if (u + i < us + D) continue;  // the chain's delay line is filling
            const std::uint64_t ud = u + i - D;  // the UI this decision belongs to
            if (ud >= ud1) continue;  // past the segment
            if (ud < ud0) {
                // training: not counted, but a retimer's decisions while it locks are what it
                // sends, so the next hop trains on them (docs/architectures.md section 8)
                const auto off = sampler.symbol_offset(ud);
                if (io.out_levels != nullptr && static_cast<std::int64_t>(ud) + off >= static_cast<std::int64_t>(ulag)) {
                    const std::uint64_t k = ud - ulag + static_cast<std::uint64_t>(off);
                    if (k >= io.out_k0 && k - io.out_k0 < io.out_n) {
                        const auto j = static_cast<std::size_t>(k - io.out_k0);
                        io.out_levels[j] = decisions[i];
                        if (io.out_offset_ui != nullptr)
                            io.out_offset_ui[j] = static_cast<float>(sampler.clock_offset_ui(ud));
                    }
                }
                continue;
            }
            if (collect) {
                out.decisions.push_back(decisions[i]);
                out.sent.push_back(tx.level(ud + static_cast<std::uint64_t>(sampler.symbol_offset(ud))));
                continue;
            }
            // symbol decided: the one whose ideal instant is nearest the sampling instant
            const std::uint64_t k = ud - ulag + static_cast<std::uint64_t>(sampler.symbol_offset(ud));
            const std::uint8_t lk = tx.level(k);
            if (io.out_levels != nullptr && k >= io.out_k0 && k - io.out_k0 < io.out_n) {
                const auto j = static_cast<std::size_t>(k - io.out_k0);
                io.out_levels[j] = decisions[i];
                if (io.out_offset_ui != nullptr)
                    io.out_offset_ui[j] = static_cast<float>(sampler.clock_offset_ui(ud));
            }
            if (ud < uc0 || ud >= u1) continue;         // made for the next hop, not counted here
            if (lk == Upstream::kMissing) continue;     // the retimer before decided no symbol k
            if (ud >= u0) {
                if (ud < eye_end) {
                    std::uint8_t lnext = tx.level(k + 1);
                    if (lnext == Upstream::kMissing) lnext = lk;
                    out.eye->add_ui(&windows[(ud % wring) * static_cast<std::size_t>(M)], lk,
                                    lnext);
                    if (out.dsp_eye) {
                        const auto v = static_cast<float>(det_in[i]);
                        out.dsp_eye->add_ui(&v, lk, lnext);
                    }
                }
                if (sampler.recovered()) {
                    const double x = static_cast<double>(ud - u0), y = sampler.sampling_offset_ui(ud);
                    const double ph = sampler.phase_of(ud);
                    info.pxy += x * ph;
                    info.py += ph;
                    info.n += 1;
                    info.sx += x;
                    info.sy += y;
                    info.sxx += x * x;
                    info.sxy += x * y;
                    info.syy += y * y;
                }
            }
            sent_blk.push_back(lk);
            dec_blk.push_back(decisions[i]);
        }
        u += nb;
        if (!collect && (sent_blk.size() >= 4096 || u >= u_end)) {
            const std::size_t skip = prime && first_count ? 1 : 0;
            if (sp.signal.pattern.precode)
                analysis::count_errors(sent_blk, dec_blk, fs, fr, skip, out.ber);
            else  // stateless decoding: only the symbol errors need decoding
                analysis::count_errors_stateless(sent_blk, dec_blk, fs, skip, out.ber);
            out.bursts->add(std::span(sent_blk).subspan(skip), std::span(dec_blk).subspan(skip));
            first_count = false;
            sent_blk.clear();
            dec_blk.clear();
        }
        // symbols still needed: the waveform's history and the decisions to come
        const std::uint64_t next_ud = u > D ? u - D : 0;
        if (io.out_sent != nullptr) {  // the symbols sent, whether or not a decision maps to them
            const std::uint64_t kmax = std::min(next_ud > ulag ? next_ud - ulag : 0, io.out_k0 + io.out_n);
            for (sent_next = std::max(sent_next, std::max(io.out_k0, tx.base())); sent_next < kmax; ++sent_next)
                io.out_sent[sent_next - io.out_k0] = tx.level(sent_next);
        }
        const std::uint64_t margin = 2 + (sampler.recovered() ? sampler.max_offset_ui() : 0);
        const std::uint64_t keep = next_ud > ulag + margin ? next_ud - ulag - margin : 0;
        tx.trim(std::min(keep, fe.symbols_needed_from()));
        if (u - last_report >= 4096 && u > last_report + D) {
            progress.fetch_add(u - D - last_report, std::memory_order_relaxed);
            last_report = u - D;
        }
    }
    if (u1 > last_report) progress.fetch_add(u1 - last_report, std::memory_order_relaxed);
    if (!collect) out.bursts->finish();
    out.adc_clipped += chain.adc_clipped();
    info.ffe_taps = chain.ffe_taps();
    info.dfe_taps = chain.dfe_taps();
    if (const auto* c = sampler.cdr()) {
        info.lock_ui = c->lock_ui();
        info.locked = c->locked() && info.lock_ui >= 0 &&
                      static_cast<std::uint64_t>(info.lock_ui) + us <= u0;
    }
}

}  // namespace

std::uint64_t warmup_symbols(const Link& link) {
    const auto M = static_cast<std::uint64_t>(link.spec().sim.samples_per_ui);
    return (link.symbol_pulse().size() + M - 1) / M + 8;
}

namespace detail {

RunPlan plan_run(const Link& link, RunResult& res) {
    const auto& sp = link.spec();
    const int M = sp.sim.samples_per_ui;
    RunPlan plan;
    if (!sp.scalars_only) {  // first symbols, for checking (a dataset: not for scalars only)
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
    plan.warm = warmup_symbols(link);
    std::atomic<std::uint64_t> prog{0};
    SegmentResult pre;
    SegmentInfo pre_info;
    const auto& rd = link.receiver();
    // a receiver with state starts every segment this many UI early (delay line, training)
    plan.lead = rd.stateful ? static_cast<std::uint64_t>(rd.delay_ui + rd.history_ui) + rd.training : 0;
    res.warmup_symbols = plan.warm + plan.lead;
    const std::uint64_t a = plan.warm + plan.lead;
    double mism = 0;
    // the expected latency tried first: the same lag, found in a fraction of the time
    const int guess = res.expected_latency_ui >= 0 && res.expected_latency_ui <= max_lag
                          ? static_cast<int>(res.expected_latency_ui) : -1;
    plan.lag = -1;
    if (!rd.stateful && guess >= 0 && guess < max_lag) {
        // Decisions for the lags up to the expected one only (the pulse can be thousands of UI
        // long, max_lag with it). When one of those lags matches every symbol, no larger lag can
        // win (ties go to the smaller lag), so the search over all lags would give the same lag
        // and mismatch 0. Otherwise the decisions still missing for the full search come from a
        // second segment: a stateless receiver decides each symbol on its own (a waveform sample
        // within rounding of a threshold aside, as across the run's own segments); the result
        // is deterministic either way and the same for every thread count.
        const std::uint64_t n0 = pre_n - static_cast<std::uint64_t>(max_lag - guess);
        run_segment(link, a, a + n0, -1, 0, false, prog, pre, pre_info);
        const auto lag0 = analysis::find_alignment(pre.sent, pre.decisions, guess, &mism, guess);
        if (lag0 >= 0 && mism == 0) {
            plan.lag = lag0;
        } else {
            SegmentResult rest;
            SegmentInfo rest_info;
            run_segment(link, a + n0, a + pre_n, -1, 0, false, prog, rest, rest_info);
            pre.sent.insert(pre.sent.end(), rest.sent.begin(), rest.sent.end());
            pre.decisions.insert(pre.decisions.end(), rest.decisions.begin(), rest.decisions.end());
        }
    } else {
        run_segment(link, a, a + pre_n, -1, 0, false, prog, pre, pre_info);
    }
    if (plan.lag < 0) plan.lag = analysis::find_alignment(pre.sent, pre.decisions, max_lag, &mism, guess);
    if (plan.lag < 0) throw ModelError("alignment search had too few decisions");
    res.ber.lag_symbols = plan.lag;
    res.alignment_mismatch = mism;
    if (plan.lag != res.expected_latency_ui)
        res.warnings.push_back(str("alignment found at ", plan.lag, " UI but the pulse response puts the main cursor at ",
                                   res.expected_latency_ui, " UI (mismatch fraction ", mism, ")"));

    // ---- fixed segments ------------------------------------------------------------------------
    // Segments have a fixed length (sim.segment_symbols, independent of sim.threads), each with
    // its own start-up (warm-up, training, lock); every count is an integer sum, so the result is
    // the same whatever thread runs which segment.
    int threads = sp.sim.threads;
    if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const std::uint64_t total = sp.sim.symbols;
    // A stateless receiver has no start-up to repeat: shorter segments spread short runs over
    // the threads (kStatelessSegment, a fixed size: the result does not depend on it either).
    constexpr std::uint64_t kStatelessSegment = 1u << 16;
    plan.S = std::max<std::uint64_t>(1, std::min<std::uint64_t>(
        rd.stateful ? sp.sim.segment_symbols : std::min<std::uint64_t>(sp.sim.segment_symbols, kStatelessSegment), total));
    plan.nseg = (total + plan.S - 1) / plan.S;
    plan.base = static_cast<std::uint64_t>(plan.lag) + plan.warm + plan.lead;  // first counted decision
    plan.threads = static_cast<int>(std::min<std::uint64_t>(static_cast<std::uint64_t>(threads), std::max<std::uint64_t>(1, plan.nseg)));
    plan.eye_end = sp.eye.symbols < 0 ? plan.base + total
                                      : plan.base + std::min<std::uint64_t>(total, static_cast<std::uint64_t>(sp.eye.symbols));
    return plan;
}

void run_pool(int threads, std::uint64_t nseg, const std::function<void(int, std::uint64_t)>& work,
              std::atomic<std::uint64_t>& done, std::uint64_t total, const Progress& progress) {
    if (threads == 1 && !progress) {  // nothing to report: the segments in order on this thread
        for (std::uint64_t k = 0; k < nseg; ++k) work(0, k);
        return;
    }
    std::vector<std::exception_ptr> errs(static_cast<std::size_t>(threads));
    std::atomic<std::uint64_t> next_seg{0};
    std::vector<std::thread> pool;
    std::atomic<int> finished{0};
    // Workers wait for `gate`: if one cannot be started, the others are released with nothing to
    // do and joined, and the run ends with an error (never std::terminate, never a partial run).
    std::atomic<int> gate{0};  // 0 wait, 1 go, -1 abandon
    std::atomic<bool> failed{false};
    for (int t = 0; t < threads; ++t) {
        try {
            pool.emplace_back([&, t] {
                gate.wait(0, std::memory_order_acquire);  // blocks, no spinning
                const int g = gate.load(std::memory_order_acquire);
                try {
                    while (g > 0 && !failed.load(std::memory_order_relaxed)) {
                        const std::uint64_t k = next_seg.fetch_add(1);
                        if (k >= nseg) break;
                        work(t, k);
                    }
                } catch (...) {
                    errs[static_cast<std::size_t>(t)] = std::current_exception();
                    failed.store(true);
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
                progress(std::min(1.0, static_cast<double>(done.load()) / static_cast<double>(std::max<std::uint64_t>(1, total))));
                last = now;
            }
        }
    }
    for (auto& th : pool) th.join();
    for (auto& e : errs)
        if (e) std::rethrow_exception(e);
    if (progress) progress(1.0);
}

void finish_run(const Link& link, const RunPlan& plan, std::vector<SegmentResult>& acc,
                std::vector<SegmentInfo>& info, RunResult& res) {
    const auto& sp = link.spec();
    const auto& rd = link.receiver();
    const std::int64_t lag = plan.lag;
    const std::uint64_t S = plan.S;
    const std::uint64_t nseg = plan.nseg;
    res.eye = std::move(acc[0].eye);
    res.ber = acc[0].ber;
    res.waveform_samples = acc[0].samples;
    auto& rr = res.rx;
    rr.dsp_eye = std::move(acc[0].dsp_eye);
    rr.burst_length_histogram = acc[0].bursts->length_histogram();
    rr.burst_error_histogram = acc[0].bursts->error_count_histogram();
    rr.bursts = acc[0].bursts->bursts();
    rr.burst_max_gap = acc[0].bursts->max_gap();
    rr.adc_clipped = acc[0].adc_clipped;
    for (std::size_t t = 1; t < acc.size(); ++t) {
        res.eye->merge(*acc[t].eye);
        if (rr.dsp_eye) rr.dsp_eye->merge(*acc[t].dsp_eye);
        res.ber.symbols_compared += acc[t].ber.symbols_compared;
        res.ber.symbol_errors += acc[t].ber.symbol_errors;
        res.ber.bit_errors += acc[t].ber.bit_errors;
        res.waveform_samples += acc[t].samples;
        rr.adc_clipped += acc[t].adc_clipped;
        const auto& lh = acc[t].bursts->length_histogram();
        const auto& eh = acc[t].bursts->error_count_histogram();
        for (std::size_t i = 0; i < lh.size(); ++i) rr.burst_length_histogram[i] += lh[i];
        for (std::size_t i = 0; i < eh.size(); ++i) rr.burst_error_histogram[i] += eh[i];
        rr.bursts += acc[t].bursts->bursts();
    }
    rr.segments = nseg;
    rr.segment_symbols = S;
    rr.training_symbols = rd.training;
    rr.ffe_taps = info.back().ffe_taps;
    rr.dfe_taps = info.back().dfe_taps;
    rr.dfe_delays = rd.dfe_taps.delays;
    if (rd.cdr) {  // combined in segment order: bit-identical for any thread count
        rr.cdr = true;
        rr.phase_trace_ui = std::move(info[0].trace);
        rr.trace_decimation = std::max<std::uint64_t>(16, (S + rd.training + rd.history_ui + rd.delay_ui) / 131072);
        rr.lock_ui = info[0].lock_ui;
        double n = 0, sy = 0, res2 = 0, slope = 0;
        std::uint64_t locked = 0;
        for (const auto& si : info) {
            locked += si.locked ? 1 : 0;
            n += si.n;
            sy += si.sy;
            const double den = si.n * si.sxx - si.sx * si.sx;
            const double b = den > 0 ? (si.n * si.sxy - si.sx * si.sy) / den : 0.0;
            const double a = si.n > 0 ? (si.sy - b * si.sx) / si.n : 0.0;
            // residual sum of squares about y = a + b x
            res2 += std::max(0.0, si.syy - a * si.sy - b * si.sxy);
            const double bp = den > 0 ? (si.n * si.pxy - si.sx * si.py) / den : 0.0;  // phase slope
            slope += bp * si.n;
        }
        rr.locked_fraction = static_cast<double>(locked) / static_cast<double>(nseg);
        rr.mean_phase_ui = n > 0 ? sy / n : 0.0;
        rr.rms_jitter_ui = n > 0 ? std::sqrt(res2 / n) : 0.0;
        rr.phase_slope_ppm = n > 0 ? slope / n * 1e6 : 0.0;
    }
    if (rr.dsp_eye) rr.dsp_metrics = rr.dsp_eye->metrics(sp.eye.target_ber);
    rr.dsp_range = dsp_eye_range(link);
    res.ber.lag_symbols = lag;
    const auto t_analysis = std::chrono::steady_clock::now();
    {
        res.statistical_sampler = statistical_ser(link);
        const auto st = link.receiver().has_dsp
                            ? receiver_statistical_ser(link)
                            : ReceiverSer{res.statistical_sampler.ser,
                                          "statistical eye at the sampler (exact ISI pdf, Gaussian noise)"};
        res.rx.ser_statistical = st.ser;
        res.rx.ser_statistical_method = st.method;
    }
    res.metrics = res.eye->metrics(sp.eye.target_ber);
    res.metrics_histogram = res.metrics;
    {
        // Heights and widths at the target BER from the statistical eye: exact tails where the
        // histogram would have to extrapolate (levels, RLM stay the measured ones).
        const auto se = link.design_stat_eye() ? *link.design_stat_eye() : statistical_eye(link, sp.eye.target_ber);
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
}

}  // namespace detail

RunResult run(const Link& link, const Progress& progress) {
    const auto t_start = std::chrono::steady_clock::now();
    const double cpu_start = process_cpu_seconds();
    RunResult res;
    const auto plan = detail::plan_run(link, res);
    const auto& rd = link.receiver();
    const std::uint64_t total = link.spec().sim.symbols;
    std::vector<detail::SegmentResult> acc(static_cast<std::size_t>(plan.threads));
    std::vector<detail::SegmentInfo> info(static_cast<std::size_t>(plan.nseg));
    std::atomic<std::uint64_t> prog{0};
    detail::run_pool(
        plan.threads, plan.nseg,
        [&](int t, std::uint64_t k) {
            const std::uint64_t a = plan.base + k * plan.S, b = plan.base + std::min(total, (k + 1) * plan.S);
            detail::run_segment(link, a, b, plan.lag, plan.eye_end, k == 0 && rd.cdr, prog,
                                acc[static_cast<std::size_t>(t)], info[static_cast<std::size_t>(k)]);
        },
        prog, total, progress);
    const double streaming_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
    res.streaming_cpu_s = process_cpu_seconds() - cpu_start;
    detail::finish_run(link, plan, acc, info, res);
    res.elapsed_s = streaming_s;
    return res;
}

}  // namespace si::sim
