// The sweep's link cache (sisim::LinkCache): a worker reuses its previous point's link when the
// response is the same (noise, seed, pattern, symbol count differ) and builds a new one when a
// key of the response changes; a reused link equals a fresh one.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "si/io/config.hpp"
#include "si/sim/link.hpp"
#include "src/link_config.hpp"
#include "src/run_command.hpp"

namespace {

const std::string kExample = std::string(SI_APPS_TEST_DIR) + "/../../models/links/c2m_112g_orthobp_12db.toml";

si::sim::LinkSpec spec_with(const std::vector<std::string>& overrides) {
    si::io::ConfigTree t(sisim::link_keys());
    t.load_file(kExample);
    t.apply_override("sim.symbols=2000");
    for (const auto& o : overrides) t.apply_override(o);
    return sisim::link_spec_from(t);
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

TEST(LinkCache, ReusesTheLinkOnlyWhileTheResponseIsTheSame) {
    sisim::LinkCache cache;
    struct Step {
        std::vector<std::string> set;
        bool reuse;
    };
    const Step steps[] = {
        {{}, false},                                           // first point: built
        {{"rx.noise_rms=3e-3"}, true},                         // noise
        {{"rx.noise_rms=3e-3", "sim.seed=9"}, true},           // seed
        {{"sim.seed=9", "signal.pattern=\"prbs13\""}, true},   // pattern
        {{"sim.seed=9", "sim.symbols=5000"}, true},            // symbol count
        {{"rx.ctle.gdc=-6"}, false},                           // CTLE: another pulse
        {{"rx.ctle.gdc=-6", "rx.noise_rms=1e-3"}, true},
        {{"rx.ctle.gdc=-6", "tx.rise_time=\"10ps\""}, false},  // TX rise time: another pulse
    };
    std::uint64_t reused = 0, built = 0;
    for (const auto& st : steps) {
        const auto s = spec_with(st.set);
        const auto& link = cache.get(s);
        (st.reuse ? reused : built) += 1;
        EXPECT_EQ(cache.reused(), reused) << st.set.size();
        EXPECT_EQ(cache.built(), built) << st.set.size();
        const si::sim::Link fresh(s);
        EXPECT_TRUE(same_bits(link.symbol_pulse(), fresh.symbol_pulse()));
        EXPECT_TRUE(same_bits(link.thresholds(), fresh.thresholds()));
        EXPECT_EQ(link.cursor_index(), fresh.cursor_index());
        EXPECT_EQ(link.spec().sim.seed, fresh.spec().sim.seed);
        EXPECT_EQ(link.spec().sim.symbols, fresh.spec().sim.symbols);
        EXPECT_EQ(link.spec().signal.pattern.name, fresh.spec().signal.pattern.name);
        const double na = link.rx_noise_sigma_out_v(), nb = fresh.rx_noise_sigma_out_v();
        EXPECT_EQ(std::memcmp(&na, &nb, sizeof(double)), 0);
    }
}

}  // namespace
