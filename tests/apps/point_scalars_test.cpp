// The scalar row of a sweep point that is not kept (its run recorded in memory, no file) equals
// the row read back from the result file `sisim run` writes for the same config, bit for bit:
// names, units, order and values, for links that write different groups (crosstalk, receiver
// DSP and CDR, optics, several hops, TX jitter).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "si/io/config.hpp"
#include "src/link_config.hpp"
#include "src/point_scalars.hpp"
#include "src/run_command.hpp"

namespace {

const std::string kModels = std::string(SI_APPS_TEST_DIR) + "/../../models/links/";

si::io::ConfigTree tree_of(const std::string& file, const std::vector<std::string>& overrides) {
    si::io::ConfigTree t(sisim::link_keys());
    t.load_file(kModels + file);
    for (const auto& o : overrides) t.apply_override(o);
    return t;
}

void expect_same_row(const sisim::PointScalars& got, const sisim::PointScalars& want, const std::string& what) {
    ASSERT_EQ(got.names, want.names) << what;
    EXPECT_EQ(got.units, want.units) << what;
    ASSERT_EQ(got.values.size(), want.values.size()) << what;
    for (std::size_t k = 0; k < got.values.size(); ++k)
        EXPECT_EQ(0, std::memcmp(&got.values[k], &want.values[k], sizeof(double)))
            << what << ": " << got.names[k] << " " << got.values[k] << " vs " << want.values[k];
}

TEST(PointScalars, RecordedRunGivesTheRowOfTheFile) {
    const std::string dir = std::filesystem::temp_directory_path() / ("si-point-scalars-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    struct Case {
        std::string file;
        std::vector<std::string> set;
    };
    const Case cases[] = {
        {"c2m_112g_orthobp_12db.toml", {"sim.symbols=3000"}},
        {"c2m_112g_orthobp_12db.toml", {"sim.symbols=3000", "tx.rj=0.01", "sim.seed=5"}},  // waveform path
        {"c2m_112g_orthobp_12db_xtalk.toml", {"sim.symbols=3000"}},
        {"host_rx_112g_ck.toml", {"sim.symbols=20000"}},
        {"lpo_112g_dr.toml", {"sim.symbols=3000"}},
        {"retimed_112g_dr.toml", {"sim.symbols=20000"}},
        {"lane_224g_synthetic_short.toml", {"sim.symbols=3000"}},
    };
    sisim::LinkCache links;
    for (const auto& c : cases) {
        const std::string what = c.file + (c.set.size() > 1 ? " " + c.set[1] : "");
        const auto tree = tree_of(c.file, c.set);
        const std::string h5 = dir + "/r.h5";
        sisim::RunFileOptions ro;
        ro.threads = 1;
        sisim::run_to_file(tree, h5, ro);
        const auto want = sisim::file_scalars(h5);
        EXPECT_GE(want.names.size(), 20u) << what;
        // as a sweep runs a point that is not kept: recorded, stored config given, link cache
        ro.stored_config = sisim::stored_config(tree);
        ro.links = &links;
        expect_same_row(sisim::run_scalars(tree, "point.h5", ro), want, what);
        // and a second time from the cache (the link reused)
        expect_same_row(sisim::run_scalars(tree, "point.h5", ro), want, what + " (cached link)");
        std::filesystem::remove(h5);
    }
    EXPECT_GE(links.reused(), 1u);
    std::filesystem::remove_all(dir);
}

}  // namespace
