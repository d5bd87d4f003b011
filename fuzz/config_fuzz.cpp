// libFuzzer target: the TOML config tree with sisim's key registry, the --set parser and the
// config -> LinkSpec validation, on arbitrary bytes.
//
// Input: lines starting with '@' are `--set` overrides (without the '@'); the other lines are
// the TOML file. Every outcome but a valid LinkSpec or si::Error is a finding (other exceptions
// abort; ASan/UBSan catch memory errors, integer overflow and UB casts). A config that loads
// must also print a resolved TOML that loads again (the run's stored config).
//
//   scripts/sanitize-and-fuzz.sh builds and runs it; by hand:
//   build-sanitize/fuzz/si_fuzz_config -max_total_time=60 CORPUS_DIR
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "si/core/error.hpp"
#include "si/io/config.hpp"
#include "src/link_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string in(reinterpret_cast<const char*>(data), size);
    std::string toml;
    std::vector<std::string> sets;
    for (std::size_t pos = 0; pos <= in.size();) {
        std::size_t e = in.find('\n', pos);
        if (e == std::string::npos) e = in.size();
        const std::string line = in.substr(pos, e - pos);
        if (!line.empty() && line[0] == '@')
            sets.push_back(line.substr(1));
        else
            toml += line + "\n";
        pos = e + 1;
    }
    si::io::ConfigTree tree(sisim::link_keys());
    try {
        tree.load_text(toml, "/nonexistent/fuzz.toml");
        for (const auto& s : sets) tree.apply_override(s);
    } catch (const si::Error&) {
        return 0;
    }
    // Whatever loaded must print and load again (the stored config of a run).
    std::string resolved;
    try {
        resolved = tree.resolved_toml();
    } catch (const si::Error&) {
        return 0;  // a value that loads but cannot be converted is reported when it is read
    }
    si::io::ConfigTree again(sisim::link_keys());
    again.load_text(resolved, "/nonexistent/resolved.toml");  // must not throw
    try {
        (void)sisim::link_spec_from(tree);
    } catch (const si::Error&) {
    }
    return 0;
}
