#pragma once
// One segment of a run and the pieces every run is made of (engine.cpp): the alignment pre-run
// and segment plan, the worker pool over fixed segments, and the merge of the segments' integer
// counts into a RunResult. A single-hop run (engine.cpp run()) and a multi-hop run
// (multihop.cpp) are both compositions of these; see docs/engine.md.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "si/analysis/burst.hpp"
#include "si/analysis/eye.hpp"
#include "si/sim/link.hpp"
#include "stage_tx.hpp"

namespace si::sim::detail {

/// What one thread accumulates over its segments: integer counts only, so the merge is exact
/// whatever the order in which segments were run.
struct SegmentResult {
    std::unique_ptr<analysis::EyeAccumulator> eye, dsp_eye;
    analysis::BerCounts ber;
    std::unique_ptr<analysis::BurstCounter> bursts;
    std::vector<std::uint8_t> decisions;  // when collecting
    std::vector<std::uint8_t> sent;       // when collecting
    std::uint64_t samples = 0;            // UIs sampled x samples per UI
    std::uint64_t adc_clipped = 0;
};

/// What one segment leaves behind that is not a count (kept per segment, combined in order).
struct SegmentInfo {
    std::vector<double> ffe_taps, dfe_taps;
    bool locked = false;
    std::int64_t lock_ui = -1;
    double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0;  // sampling offset vs UI, counted UIs
    double py = 0, pxy = 0;                                   // phase vs UI
    std::vector<float> trace;  // segment 0 only
};

/// A segment's link to the hops around it (multi-hop links; all empty for a single hop).
struct SegmentIo {
    const Upstream* upstream = nullptr;  ///< TX symbols from the previous hop's retimer
    /// Decisions [x0, x1) are made (a superset of the counted ones; x1 == 0: the counted ones).
    std::uint64_t x0 = 0, x1 = 0;
    /// Exported by symbol index k in [out_k0, out_k0 + out_n): the decision, the sampling
    /// instant less the symbol's undisplaced ideal instant [UI] (Sampler::clock_offset_ui), and
    /// (out_sent) the symbol that was sent, for every k up to the last decision made, whether or
    /// not a decision maps to it.
    std::uint8_t* out_levels = nullptr;
    float* out_offset_ui = nullptr;
    std::uint8_t* out_sent = nullptr;
    std::uint64_t out_k0 = 0, out_n = 0;
};

/// Decisions [u0, u1) of one segment, counted: the run composed of its stages, block by block
/// (engine.cpp). lag < 0: collect decisions and sent symbols (alignment pre-run). Decisions
/// u < eye_end feed the eye.
void run_segment(const Link& link, std::uint64_t u0, std::uint64_t u1, std::int64_t lag,
                 std::uint64_t eye_end, bool trace, std::atomic<std::uint64_t>& progress,
                 SegmentResult& out, SegmentInfo& info, const SegmentIo& io = {});

/// The plan of a run: alignment (from a pre-run), warm-up, receiver lead and fixed segments.
struct RunPlan {
    std::int64_t lag = 0;
    std::uint64_t warm = 0;     ///< channel-memory warm-up [symbols]
    std::uint64_t lead = 0;     ///< receiver start-up per segment (delay line, training) [UI]
    std::uint64_t S = 0;        ///< counted symbols per segment
    std::uint64_t nseg = 0;
    std::uint64_t base = 0;     ///< first counted decision (UI index)
    std::uint64_t eye_end = 0;  ///< decisions below feed the eyes
    int threads = 1;
};

/// Fills res.first_symbols, warnings, lag and warm-up; runs the alignment pre-run.
[[nodiscard]] RunPlan plan_run(const Link& link, RunResult& res);

/// Runs work(thread, segment) for segments 0..nseg-1 on `threads` workers (each segment once),
/// reporting progress(fraction of `total` in `done`) from the calling thread. Exceptions of the
/// workers are rethrown (the first one); a worker that cannot start is a ConfigError. One
/// thread and no progress: the segments run in order on the calling thread (no thread started).
void run_pool(int threads, std::uint64_t nseg, const std::function<void(int, std::uint64_t)>& work,
              std::atomic<std::uint64_t>& done, std::uint64_t total, const Progress& progress);

/// Merges the threads' counts and the segments' information (in segment order) and adds the
/// statistical analysis: the RunResult of a link run by `plan`.
void finish_run(const Link& link, const RunPlan& plan, std::vector<SegmentResult>& acc,
                std::vector<SegmentInfo>& info, RunResult& res);

}  // namespace si::sim::detail
