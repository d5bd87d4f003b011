// Multi-hop links: every hop is a single-hop link; a segment of end-to-end symbols runs the hops
// in turn, each retimer's decisions (and recovered-clock offsets) feeding the next hop's
// transmitter (stage_tx.hpp Upstream). See multihop.hpp and docs/engine.md.
#include "si/sim/multihop.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

#include "si/core/error.hpp"
#include "si/pattern/source.hpp"
#include "segment.hpp"

namespace si::sim {

namespace {

/// Hop h's noise, jitter and crosstalk streams: independent of the other hops' (hop 0 keeps
/// sim.seed, so a one-hop link and hop 0 see the same random values).
std::uint64_t hop_seed(std::uint64_t seed, std::size_t h) {
    return seed + 0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(h);
}

/// "key: message" of a hop's error re-keyed "hop.<h>.key: message".
[[noreturn]] void rethrow_for_hop(const ConfigError& e, std::size_t h) {
    std::string msg = e.what();
    const std::string prefix = e.key() + ": ";
    if (!e.key().empty() && msg.rfind(prefix, 0) == 0) msg = msg.substr(prefix.size());
    throw ConfigError(str("hop.", h, ".", e.key().empty() ? std::string("?") : e.key()), msg);
}

}  // namespace

MultiLink::MultiLink(MultiHopSpec spec) : spec_(std::move(spec)) {
    const std::size_t H = spec_.hops.size();
    require(H >= 1 && H <= static_cast<std::size_t>(kMaxHops), "link.hops",
            str("must be in [1, ", kMaxHops, "]"), H);
    spec_.names.resize(H);
    for (std::size_t h = 0; h < H; ++h) {
        auto& s = spec_.hops[h];
        if (spec_.names[h].empty()) spec_.names[h] = str("hop ", h);
        s.sim.seed = hop_seed(spec_.hops[0].sim.seed, h);
        s.retimed_input = h > 0;
        if (h + 1 < H && s.rx.cdr_model == "ideal")
            throw ConfigError(str("hop.", h, ".rx.cdr.model"),
                              "hop " + std::to_string(h) +
                                  " ends in a retimer, which needs a recovered clock: set "
                                  "\"bang_bang\" or \"mueller_muller\" (its clock launches the next hop)");
        if (h > 0) {  // one run: the run-length and threading keys are hop 0's
            s.sim.symbols = spec_.hops[0].sim.symbols;
            s.sim.threads = spec_.hops[0].sim.threads;
            s.sim.segment_symbols = spec_.hops[0].sim.segment_symbols;
            s.signal.modulation = spec_.hops[0].signal.modulation;
            s.signal.pattern = spec_.hops[0].signal.pattern;  // its coding decodes every hop
            s.eye = spec_.hops[0].eye;
        }
        try {
            hops_.emplace_back(s);
        } catch (const ConfigError& e) {
            rethrow_for_hop(e, h);
        } catch (const ModelError& e) {
            throw ModelError(str("hop ", h, " (", spec_.names[h], "): ", e.what()));
        }
    }
}

MultiRunResult run(const MultiLink& ml, const Progress& progress) {
    const auto t_start = std::chrono::steady_clock::now();
    const std::size_t H = ml.size();
    const auto& hops = ml.hops();
    const auto& s0 = hops[0].spec();
    MultiRunResult res;
    res.hops.resize(H);
    std::vector<detail::RunPlan> plan(H);
    for (std::size_t h = 0; h < H; ++h) {
        plan[h] = detail::plan_run(hops[h], res.hops[h]);  // alignment with pattern symbols
        for (const auto& w : res.hops[h].warnings) res.warnings.push_back(str("hop ", h, ": ", w));
    }
    // Symbols hop h needs before the first decision it exports (warm-up of its waveform and
    // its receiver's start-up) and after the last (its chain delay and pulse span).
    std::vector<std::uint64_t> pre(H), post(H);
    for (std::size_t h = 0; h < H; ++h) {
        pre[h] = plan[h].warm + plan[h].lead + 16;
        post[h] = plan[h].warm + static_cast<std::uint64_t>(hops[h].receiver().delay_ui) + 16;
    }
    std::uint64_t first = plan[0].warm + plan[0].lead + 4;
    for (std::size_t h = 1; h < H; ++h) first += pre[h];  // more than needed (training overlaps)
    res.first_symbol = first;
    const std::uint64_t total = s0.sim.symbols;
    const std::uint64_t S = std::max<std::uint64_t>(1, std::min(s0.sim.segment_symbols, total));
    const std::uint64_t nseg = (total + S - 1) / S;
    const std::uint64_t eye_n = s0.eye.symbols < 0 ? total : std::min<std::uint64_t>(total, static_cast<std::uint64_t>(s0.eye.symbols));
    for (std::size_t h = 0; h < H; ++h) {
        plan[h].S = S;
        plan[h].nseg = nseg;
        plan[h].base = first + static_cast<std::uint64_t>(plan[h].lag);
        plan[h].eye_end = plan[h].base + eye_n;
        res.hops[h].warmup_symbols = first;
    }
    int threads = s0.sim.threads;
    if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    threads = static_cast<int>(std::min<std::uint64_t>(static_cast<std::uint64_t>(threads), nseg));

    std::vector<std::vector<detail::SegmentResult>> acc(H);
    for (auto& a : acc) a.resize(static_cast<std::size_t>(threads));
    std::vector<std::vector<detail::SegmentInfo>> info(H, std::vector<detail::SegmentInfo>(static_cast<std::size_t>(nseg)));
    struct EndToEnd {
        analysis::BerCounts ber;
        std::uint64_t hop_errors = 0, coincident = 0, missing = 0;
    };
    std::vector<EndToEnd> e2e(static_cast<std::size_t>(threads));
    const int N = hops[0].levels();
    std::atomic<std::uint64_t> prog{0};
    detail::run_pool(
        threads, nseg,
        [&](int t, std::uint64_t seg) {
            const std::uint64_t a = first + seg * S, b = first + std::min(total, (seg + 1) * S);
            // symbols each hop exports: what the next hop needs (the last: the counted ones).
            // x0[h]: hop h's first decision after its training; its training decisions (the
            // lead before x0) are exported too, so an upstream hop's training overlaps the
            // warm-up and training of the hop after it instead of preceding them.
            std::vector<std::uint64_t> lo(H), hi(H), x0(H);
            x0[H - 1] = lo[H - 1] = a - 2;
            hi[H - 1] = b + 2;
            for (std::size_t h = H - 1; h > 0; --h) {
                lo[h - 1] = x0[h] - pre[h];
                hi[h - 1] = hi[h] + post[h];
                x0[h - 1] = std::min(lo[h - 1] + plan[h - 1].lead, a - 2);
            }
            std::vector<std::vector<std::uint8_t>> lev(H), sent(H);
            std::vector<float> off, edge;
            detail::Upstream up;
            std::atomic<std::uint64_t> quiet{0};
            for (std::size_t h = 0; h < H; ++h) {
                const auto n = static_cast<std::size_t>(hi[h] - lo[h]);
                lev[h].assign(n, detail::Upstream::kMissing);
                sent[h].assign(n, detail::Upstream::kMissing);
                off.assign(n, 0.0f);
                detail::SegmentIo io;
                io.upstream = h > 0 ? &up : nullptr;
                const auto lag = static_cast<std::uint64_t>(plan[h].lag);
                io.x0 = x0[h] + lag;
                io.x1 = hi[h] + lag;
                io.out_levels = lev[h].data();
                io.out_offset_ui = off.data();
                io.out_sent = sent[h].data();
                io.out_k0 = lo[h];
                io.out_n = n;
                detail::run_segment(hops[h], a + lag, b + lag, plan[h].lag, plan[h].eye_end,
                                    seg == 0 && hops[h].receiver().cdr, h + 1 == H ? prog : quiet,
                                    acc[h][static_cast<std::size_t>(t)], info[h][static_cast<std::size_t>(seg)], io);
                if (h + 1 < H) {
                    // the retimer's transmit clock: its sampling offsets less their mean, in
                    // the next hop's UI, within +-1 UI (JitterWaveform's margin)
                    double sum = 0;
                    std::size_t cnt = 0;
                    for (std::size_t i = 0; i < n; ++i)
                        if (lev[h][i] != detail::Upstream::kMissing) {
                            sum += off[i];
                            ++cnt;
                        }
                    const double mean = cnt > 0 ? sum / static_cast<double>(cnt) : 0.0;
                    const double scale = hops[h + 1].spec().signal.symbol_rate_bd / hops[h].spec().signal.symbol_rate_bd;
                    edge.resize(n);
                    for (std::size_t i = 0; i < n; ++i)
                        edge[i] = static_cast<float>(std::clamp((off[i] - mean) * scale, -1.0, 1.0));
                    up.levels = lev[h].data();
                    up.edge_ui = edge.data();
                    up.k0 = lo[h];
                    up.n = n;
                }
            }
            // end to end: the last hop's decision for symbol k against pattern symbol k (hop 0's
            // sent symbols), from k = a - 1 (decoder state) on
            auto& E = e2e[static_cast<std::size_t>(t)];
            pattern::SymbolDecoder dsent(s0.signal.pattern), drx(s0.signal.pattern);
            analysis::BitDecoder fs = [&](std::uint8_t l) { return dsent.decode(l); };
            analysis::BitDecoder fr = [&](std::uint8_t l) { return drx.decode(l); };
            std::vector<std::uint8_t> sv, dv;
            sv.reserve(static_cast<std::size_t>(b - a + 1));
            dv.reserve(static_cast<std::size_t>(b - a + 1));
            for (std::uint64_t k = a - 1; k < b; ++k) {
                const std::uint8_t x = sent[0][static_cast<std::size_t>(k - lo[0])];
                std::uint8_t y = lev[H - 1][static_cast<std::size_t>(k - lo[H - 1])];
                if (k >= a) {
                    std::uint64_t wrong = 0;
                    for (std::size_t h = 0; h < H; ++h) {
                        const auto i = static_cast<std::size_t>(k - lo[h]);
                        if (lev[h][i] != sent[h][i]) ++wrong;
                    }
                    E.hop_errors += wrong;
                    if (wrong > 1) E.coincident += wrong - 1;
                    if (y == detail::Upstream::kMissing || x == detail::Upstream::kMissing) ++E.missing;
                }
                if (x == detail::Upstream::kMissing) continue;  // hop 0's pattern: always sent
                if (y == detail::Upstream::kMissing) y = static_cast<std::uint8_t>((x + 1) % N);  // counted wrong
                sv.push_back(x);
                dv.push_back(y);
            }
            E.ber.bits_per_symbol = static_cast<int>(std::lround(std::log2(N)));
            if (s0.signal.pattern.precode)
                analysis::count_errors(sv, dv, fs, fr, 1, E.ber);
            else
                analysis::count_errors_stateless(sv, dv, fs, 1, E.ber);
        },
        prog, total, progress);
    res.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
    for (std::size_t h = 0; h < H; ++h) {
        detail::finish_run(hops[h], plan[h], acc[h], info[h], res.hops[h]);
        res.hops[h].elapsed_s = res.elapsed_s;
    }
    res.ber.bits_per_symbol = static_cast<int>(std::lround(std::log2(N)));
    for (const auto& E : e2e) {
        res.ber.symbols_compared += E.ber.symbols_compared;
        res.ber.symbol_errors += E.ber.symbol_errors;
        res.ber.bit_errors += E.ber.bit_errors;
        res.hop_symbol_errors += E.hop_errors;
        res.coincident_errors += E.coincident;
        res.missing_symbols += E.missing;
    }
    res.ber.lag_symbols = 0;
    double pser = 1, pber = 1;
    for (std::size_t h = 0; h < H; ++h) {
        const auto& r = res.hops[h];
        const double bits = std::log2(static_cast<double>(N));
        const double ser = hops[h].receiver().has_dsp ? r.rx.ser_statistical : r.statistical_sampler.ser;
        pser *= 1 - std::min(1.0, ser);
        pber *= 1 - std::min(1.0, ser / bits);  // Gray coding: one bit per symbol error
    }
    res.ser_statistical = 1 - pser;
    res.ber_statistical = 1 - pber;
    if (res.missing_symbols > 0)
        res.warnings.push_back(str(res.missing_symbols, " end-to-end symbols had no decision from a "
                                   "retimer (a cycle slip): counted as errors"));
    return res;
}

}  // namespace si::sim
