// libFuzzer target: the Touchstone reader on arbitrary bytes.
//
// Input: byte 0 picks the file name (its .sNp extension gives a v1 file its port count, as on
// disk), the rest is the file text. Every outcome but a parsed file or si::Error (IoError,
// ConfigError, ModelError) is a finding: other exceptions escape and abort, and the sanitizers
// (ASan, UBSan) catch memory errors, overflows and UB casts. Large allocations are findings too
// (run with -malloc_limit_mb): the port count and memory must stay bounded.
//
//   scripts/sanitize-and-fuzz.sh builds and runs it; by hand:
//   build-sanitize/fuzz/si_fuzz_touchstone -max_total_time=60 CORPUS_DIR
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "si/channel/touchstone.hpp"
#include "si/core/error.hpp"

namespace {
// Seeds are written with the selector byte '@' + index ('@' = 0x40, so index = byte % 16).
constexpr const char* kNames[16] = {"f.s1p",  "f.s2p",  "f.s3p",  "f.s4p",   "f.ts",    "f.s6p",
                                    "f.s8p",  "f.s10p", "f.s12p", "f.s16p",  "f.s22p",  "f.s32p",
                                    "f.S4P",  "f.snp",  "f.s65536p", "f.txt"};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const int pick = data[0] % 16;
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    try {
        const auto ts = si::channel::parse_touchstone(text, kNames[pick], pick == 15 ? 2 : 0);
        // A parsed file must be self-consistent.
        if (ts.f_hz.size() != ts.s.size() || ts.z_ref_ohm.size() != static_cast<std::size_t>(ts.ports))
            __builtin_trap();
        for (const auto& m : ts.s)
            if (m.rows() != ts.ports || m.cols() != ts.ports) __builtin_trap();
    } catch (const si::Error&) {
        // bad input, reported with file and line: the expected outcome
    }
    return 0;
}
