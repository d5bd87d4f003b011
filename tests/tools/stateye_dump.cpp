// Prints every output of si::sim::statistical_eye and si::sim::statistical_ser for one link as
// exact hexadecimal floats, so that two builds can be compared bit for bit
// (tests/tools/stateye_identity.sh). Usage: si_stateye_dump CONFIG.toml [KEY=VALUE ...]
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "si/sim/link.hpp"
#include "si/sim/stateye.hpp"
#include "src/link_config.hpp"

namespace {

void print(const char* name, const std::vector<double>& v) {
    std::printf("%s[%zu]", name, v.size());
    for (double x : v) std::printf(" %a", x);
    std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s CONFIG.toml [KEY=VALUE ...]\n", argv[0]);
        return 2;
    }
    try {
        si::io::ConfigTree tree(sisim::link_keys());
        tree.load_file(argv[1]);
        for (int i = 2; i < argc; ++i) tree.apply_override(argv[i]);
        const si::sim::Link link(sisim::link_spec_from(tree));
        // the Link's sampling phase is itself chosen with the statistical eye
        std::printf("cursor_index %d\nphase_refinement_gain_v %a\n", link.cursor_index(),
                    link.phase_refinement_gain_v());
        const auto st = si::sim::statistical_ser(link);
        std::printf("ser %a\nber %a\ngrid_step_v %a\nnoise_sigma_v %a\nincludes_jitter %d\n", st.ser,
                    st.ber, st.grid_step_v, st.noise_sigma_v, st.includes_jitter ? 1 : 0);
        print("level_ser", st.level_ser);
        for (double ber : {link.spec().eye.target_ber, 1e-3, 1e-12}) {
            const auto se = si::sim::statistical_eye(link, ber);
            std::printf("eye at %a\n", ber);
            print("eye_height_v", se.eye_height_v);
            print("eye_width_ui", se.eye_width_ui);
            print("height_vs_time_v", se.height_vs_time_v);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 2;
    }
    return 0;
}
