#include "si/arch/budget.hpp"

#include <gtest/gtest.h>

#include "si/core/error.hpp"
#include "si_test.hpp"

namespace {
using si::arch::ChainSpec;
using si::arch::ElementCost;
using si::arch::PowerTable;

PowerTable table() {
    PowerTable t;
    t.set(ElementCost{.name = "serdes_tx", .energy_pj_per_bit = 1.5, .latency_s = 2e-9, .source = "test"});
    t.set(ElementCost{.name = "driver", .power_w = 0.225, .latency_s = 10e-12, .source = "test"});
    t.set(ElementCost{.name = "fibre", .latency_s_per_m = 4.8974e-9, .source = "test"});
    t.set(ElementCost{.name = "fec_decode", .latency_s = 34e-9, .codeword_bits = 5440, .source = "test", .verify = true});
    t.set(ElementCost{.name = "retimer", .energy_pj_per_bit = 4.4, .latency_s = 10e-9, .source = "test"});
    return t;
}

TEST(Budget, EnergyScalesWithTheLineRateAndFixedPowerDoesNot) {
    ChainSpec c{.name = "x", .lane_rate_bps = 106.25e9, .hops = {{.name = "h", .elements = {{"serdes_tx"}, {"driver"}}}}};
    const auto b = si::arch::budget(c, table());
    // 1.5 pJ/bit x 106.25 Gb/s = 159.375 mW; + 225 mW fixed.
    EXPECT_DOUBLE_EQ(b.hops[0].elements[0].power_w, 1.5e-12 * 106.25e9);
    EXPECT_DOUBLE_EQ(b.power_w, 1.5e-12 * 106.25e9 + 0.225);
    EXPECT_NEAR(b.energy_pj_per_bit, 1.5 + 0.225 / 106.25e9 * 1e12, 1e-12);
    c.lane_rate_bps = 212.5e9;  // doubling the rate: SerDes power doubles, pJ/bit of the driver halves
    const auto b2 = si::arch::budget(c, table());
    EXPECT_DOUBLE_EQ(b2.hops[0].elements[0].energy_pj_per_bit, 1.5);
    EXPECT_NEAR(b2.hops[0].elements[1].energy_pj_per_bit, 0.5 * 0.225 / 106.25e9 * 1e12, 1e-12);
}

TEST(Budget, LatencyAddsFlightTimeAndCodewordFillAcrossHops) {
    ChainSpec c{.name = "retimed",
                .lane_rate_bps = 106.25e9,
                .hops = {{.name = "host to module", .elements = {{"serdes_tx"}, {"retimer"}}},
                         {.name = "optical", .elements = {{"driver"}, {"fibre", "500 m SMF", 500.0}, {"retimer"}}},
                         {.name = "module to host", .elements = {{"serdes_tx"}, {"fec_decode"}}}}};
    const auto b = si::arch::budget(c, table());
    ASSERT_EQ(b.hops.size(), 3u);
    EXPECT_NEAR(b.hops[1].elements[1].latency_s, 500 * 4.8974e-9, 1e-18);  // 2.449 us of flight
    EXPECT_NEAR(b.hops[2].elements[1].latency_s, 34e-9 + 5440 / 106.25e9, 1e-18);  // 51.2 ns fill
    EXPECT_NEAR(5440 / 106.25e9, 51.2e-9, 1e-15);
    double sum = 0;
    for (const auto& h : b.hops) sum += h.latency_s;
    EXPECT_DOUBLE_EQ(b.latency_s, sum);
    EXPECT_TRUE(b.any_verify);
    EXPECT_EQ(b.hops[1].elements[1].label, "500 m SMF");
    // A hop at its own line rate: the codeword fills twice as fast at 212.5 Gb/s.
    c.hops[2].line_rate_bps = 212.5e9;
    EXPECT_NEAR(si::arch::budget(c, table()).hops[2].elements[1].latency_s, 34e-9 + 25.6e-9, 1e-15);
    const auto text = si::arch::format_budget(b);
    EXPECT_NE(text.find("end to end"), std::string::npos);
    EXPECT_NE(text.find("(verify)"), std::string::npos);
}

TEST(Budget, CountMultipliesPowerAndLatency) {
    ChainSpec c{.lane_rate_bps = 100e9, .hops = {{.name = "h", .elements = {{.element = "driver", .count = 3}}}}};
    const auto b = si::arch::budget(c, table());
    EXPECT_DOUBLE_EQ(b.power_w, 3 * 0.225);
    EXPECT_DOUBLE_EQ(b.latency_s, 3 * 10e-12);
}

TEST(BudgetConfig, RejectsBadChainsNamingTheKey) {
    const auto t = table();
    SI_EXPECT_THROW_MSG((void)si::arch::budget(ChainSpec{.lane_rate_bps = 0, .hops = {{.elements = {{"driver"}}}}}, t),
                        si::ConfigError, "budget.lane_rate_bps: must be > 0");
    SI_EXPECT_THROW_MSG((void)si::arch::budget(ChainSpec{}, t), si::ConfigError, "budget.hops");
    SI_EXPECT_THROW_MSG((void)si::arch::budget(ChainSpec{.hops = {{.elements = {{"drivr"}}}}}, t), si::ConfigError,
                        "element.drivr: not in the power table (did you mean 'driver'?)");
    SI_EXPECT_THROW_MSG((void)si::arch::budget(ChainSpec{.hops = {{.elements = {{"fibre", "", -1.0}}}}}, t),
                        si::ConfigError, "length_m: must be >= 0 m");
    PowerTable p;
    SI_EXPECT_THROW_MSG(p.set(ElementCost{.name = "tia", .power_w = -1, .source = "x"}), si::ConfigError,
                        "element.tia.power_w: must be finite and >= 0");
    SI_EXPECT_THROW_MSG(p.set(ElementCost{.name = "tia", .power_w = 1}), si::ConfigError,
                        "element.tia.source: every value needs its source");
}

}  // namespace
