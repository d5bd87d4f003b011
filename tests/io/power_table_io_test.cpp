#include "si/io/power_table_io.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "si/arch/budget.hpp"
#include "si/core/error.hpp"
#include "si_test.hpp"

namespace {
namespace fs = std::filesystem;
const std::string kBundled = std::string(SI_SOURCE_DIR) + "/models/power.toml";

std::string write_tmp(const std::string& name, const std::string& text) {
    const auto p = fs::temp_directory_path() / ("si_power_" + std::to_string(::getpid()) + "_" + name);
    std::ofstream(p) << text;
    return p.string();
}

TEST(PowerTableIo, BundledTableLoadsWithSourcesAndSiUnits) {
    const auto t = si::io::read_power_table(kBundled);
    ASSERT_GE(t.size(), 15u);
    for (const auto& r : t.rows()) EXPECT_FALSE(r.source.empty()) << r.name;
    EXPECT_DOUBLE_EQ(t.at("linear_driver").power_w, 0.225);   // "225mW"
    EXPECT_DOUBLE_EQ(t.at("tia_cmos_112g").power_w, 0.047);   // "47mW"
    EXPECT_DOUBLE_EQ(t.at("host_serdes_lr_rx").latency_s, 10e-9);
    EXPECT_DOUBLE_EQ(t.at("fec_rs544_decode").codeword_bits, 5440);
    EXPECT_TRUE(t.at("module_dsp_retimer").verify);
    // RS(544,514) fill at 106.25 Gb/s and 500 m of SMF, through the calculator.
    si::arch::ChainSpec c{.lane_rate_bps = 106.25e9,
                          .hops = {{.name = "h", .elements = {{"fec_rs544_decode"}, {"smf_fibre", "", 500.0}}}}};
    const auto b = si::arch::budget(c, t);
    EXPECT_NEAR(b.hops[0].elements[0].latency_s, 34e-9 + 51.2e-9, 1e-15);
    EXPECT_NEAR(b.hops[0].elements[1].latency_s, 2.4487e-6, 1e-10);
}

TEST(PowerTableIo, UserOverridesChangeOnlyTheFieldsGiven) {
    auto t = si::io::read_power_table(kBundled);
    const auto before = t.at("tia_cmos_112g");
    const auto f = write_tmp("ovr.toml", "[element.tia_cmos_112g]\npower_w = \"60mW\"\n"
                                         "[element.my_retimer]\nenergy_pj_per_bit = 3\nlatency_s = \"5ns\"\nsource = \"lab\"\n");
    si::io::apply_power_overrides(t, f);
    EXPECT_DOUBLE_EQ(t.at("tia_cmos_112g").power_w, 0.060);
    EXPECT_EQ(t.at("tia_cmos_112g").source, before.source);
    EXPECT_DOUBLE_EQ(t.at("tia_cmos_112g").latency_s, before.latency_s);
    EXPECT_DOUBLE_EQ(t.at("my_retimer").latency_s, 5e-9);
    si::io::apply_power_override(t, "element.linear_driver.power_w=0.1");
    si::io::apply_power_override(t, "element.linear_driver.latency_s=20ps");
    EXPECT_DOUBLE_EQ(t.at("linear_driver").power_w, 0.1);
    EXPECT_DOUBLE_EQ(t.at("linear_driver").latency_s, 20e-12);
    fs::remove(f);
}

TEST(PowerTableIo, BadValuesNameFileLineAndKey) {
    const auto neg = write_tmp("neg.toml", "schema_version = 1\n[element.tia]\npower_w = -1\nsource = \"x\"\n");
    SI_EXPECT_THROW_MSG((void)si::io::read_power_table(neg), si::ConfigError, "neg.toml:3:11: element.tia.power_w: must be finite and >= 0");
    const auto unk = write_tmp("unk.toml", "[element.tia]\npowr_w = 1\nsource = \"x\"\n");
    SI_EXPECT_THROW_MSG((void)si::io::read_power_table(unk), si::ConfigError, "unk.toml:2:10: element.tia.powr_w: unknown field");
    const auto nosrc = write_tmp("nosrc.toml", "[element.tia]\npower_w = 1\n");
    SI_EXPECT_THROW_MSG((void)si::io::read_power_table(nosrc), si::ConfigError, "element.tia.source: every value needs its source");
    const auto unit = write_tmp("unit.toml", "[element.tia]\npower_w = \"3ps\"\nsource = \"x\"\n");
    SI_EXPECT_THROW_MSG((void)si::io::read_power_table(unit), si::ConfigError, "unit.toml:2:11: element.tia.power_w");
    auto t = si::io::read_power_table(kBundled);
    SI_EXPECT_THROW_MSG(si::io::apply_power_override(t, "element.linear_drivr.power_w=1"), si::ConfigError,
                        "did you mean 'linear_driver'");
    SI_EXPECT_THROW_MSG(si::io::apply_power_override(t, "power_w=1"), si::ConfigError, "expected element.<name>.<field>=<value>");
    SI_EXPECT_THROW_MSG((void)si::io::read_power_table("/nonexistent/power.toml"), si::IoError, "/nonexistent/power.toml");
    for (const auto& f : {neg, unk, nosrc, unit}) fs::remove(f);
}

}  // namespace
