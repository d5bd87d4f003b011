#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "si/core/units.hpp"

namespace {

TEST(ParseQuantity, SiPrefixesAndUnits) {
    EXPECT_DOUBLE_EQ(si::parse_quantity("53.125G", "Bd"), 53.125e9);
    EXPECT_DOUBLE_EQ(si::parse_quantity("53.125GBd", "Bd"), 53.125e9);
    EXPECT_DOUBLE_EQ(si::parse_quantity("53.125 GBd", "Bd"), 53.125e9);
    EXPECT_DOUBLE_EQ(si::parse_quantity("7.5ps", "s"), 7.5e-12);
    EXPECT_DOUBLE_EQ(si::parse_quantity("26.5625 GHz", "Hz"), 26.5625e9);
    EXPECT_DOUBLE_EQ(si::parse_quantity("100mV", "V"), 0.1);
    EXPECT_DOUBLE_EQ(si::parse_quantity("1e-3", "V"), 1e-3);
    EXPECT_DOUBLE_EQ(si::parse_quantity("-6", "dB"), -6);
    EXPECT_DOUBLE_EQ(si::parse_quantity("0.1UI", "UI"), 0.1);
}

TEST(ParseQuantity, RejectsWrongUnitsAndGarbage) {
    EXPECT_THROW((void)si::parse_quantity("7.5GHz", "s"), std::invalid_argument);
    EXPECT_THROW((void)si::parse_quantity("abc", "s"), std::invalid_argument);
    EXPECT_THROW((void)si::parse_quantity("", "s"), std::invalid_argument);
    EXPECT_THROW((void)si::parse_quantity("nan", "V"), std::invalid_argument);
    EXPECT_THROW((void)si::parse_quantity("3 dBm", "dB"), std::invalid_argument);
}

TEST(QFunction, InverseRoundTripsAndKnownValues) {
    EXPECT_NEAR(si::q_function(0), 0.5, 1e-15);
    // Table values (Abramowitz & Stegun 26.2): Q(3) = 1.3499e-3, Q(6) = 9.8659e-10.
    EXPECT_NEAR(si::q_function(3.0), 1.3499e-3, 1e-7);
    EXPECT_NEAR(si::q_function(6.0), 9.8659e-10, 1e-13);
    EXPECT_NEAR(si::q_inverse(1.3499e-3), 3.0, 1e-4);
    EXPECT_NEAR(si::q_inverse(1e-12), 7.0345, 1e-3);
    for (double p : {0.3, 1e-3, 1e-6, 1e-9, 1e-15})
        EXPECT_NEAR(si::q_function(si::q_inverse(p)) / p, 1.0, 1e-9) << p;
}

}  // namespace
