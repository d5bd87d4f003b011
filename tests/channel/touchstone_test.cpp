// Touchstone reader: spec examples, vendor files, inline edge cases and error messages.
#include <cmath>
#include <complex>
#include <numbers>
#include <si/channel/touchstone.hpp>
#include <si/core/error.hpp>
#include <string>

#include "si_test.hpp"

namespace {

using si::channel::parse_touchstone;
using si::channel::read_touchstone;
using si::channel::Touchstone;
using cd = std::complex<double>;

std::string skrf(const std::string& name) { return si::testing::test_data("channel/skrf/" + name); }

cd polar_deg(double mag, double deg) { return std::polar(mag, deg * std::numbers::pi / 180.0); }

bool has_warning(const Touchstone& ts, const std::string& substr) {
    for (const auto& w : ts.warnings)
        if (w.find(substr) != std::string::npos) return true;
    return false;
}

// Values in these files are short decimals; 1e-12 only absorbs binary rounding.
constexpr double kExact = 1e-12;

TEST(TouchstoneSpec, Ex3TwoPortUsesLegacy21_12Order) {
    const auto ts = read_touchstone(skrf("ex_3.ts"));
    EXPECT_EQ(ts.version, 2);
    ASSERT_EQ(ts.ports, 2);
    ASSERT_EQ(ts.f_hz.size(), 2u);
    EXPECT_DOUBLE_EQ(ts.f_hz[0], 1e9);  // default unit GHz ("#" alone)
    EXPECT_DOUBLE_EQ(ts.f_hz[1], 2e9);
    for (int k = 0; k < 2; ++k)
        for (int i = 0; i < 2; ++i)
            for (int j = 0; j < 2; ++j)
                EXPECT_NEAR(std::abs(ts.s[k](i, j) - cd(100.0 * (k + 1) + 10 * (i + 1) + (j + 1))),
                            0.0, kExact)
                    << "k=" << k << " i=" << i << " j=" << j;
    EXPECT_EQ(ts.z_ref_ohm[0], cd(50.0));
    EXPECT_TRUE(has_warning(ts, "[End] is missing"));
    EXPECT_TRUE(has_warning(ts, "no [Noise Data]"));
}

TEST(TouchstoneSpec, Ex4FourPortRowMajorWithReferencesOnNextLine) {
    const auto ts = read_touchstone(skrf("ex_4.ts"));
    ASSERT_EQ(ts.ports, 4);
    ASSERT_EQ(ts.f_hz.size(), 1u);
    for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j)
            EXPECT_NEAR(std::abs(ts.s[0](i, j) - cd(10.0 * (i + 1) + (j + 1))), 0.0, kExact);
    const double want[] = {50, 75, 0.01, 0.01};
    for (int p = 0; p < 4; ++p) EXPECT_EQ(ts.z_ref_ohm[p], cd(want[p])) << p;
    EXPECT_TRUE(has_warning(ts, "reference impedances differ"));
}

TEST(TouchstoneSpec, Ex5FullAndEx6LowerHoldTheSameMatrix) {
    const auto full = read_touchstone(skrf("ex_5.ts"));
    const auto lower = read_touchstone(skrf("ex_6.ts"));  // [Reference] split over two lines
    EXPECT_EQ(lower.matrix_format, "Lower");
    ASSERT_EQ(full.f_hz, lower.f_hz);
    for (std::size_t k = 0; k < full.s.size(); ++k)
        EXPECT_LT((full.s[k] - lower.s[k]).cwiseAbs().maxCoeff(), kExact) << "k=" << k;
    EXPECT_EQ(full.z_ref_ohm, lower.z_ref_ohm);
    EXPECT_NEAR(std::abs(full.s[0](1, 1) - polar_deg(0.60, 161.20)), 0.0, kExact);
}

TEST(TouchstoneSpec, Ex8OnePortMagnitudeAngle) {
    const auto ts = read_touchstone(skrf("ex_8.s1p"));
    ASSERT_EQ(ts.f_hz.size(), 1u);
    EXPECT_DOUBLE_EQ(ts.f_hz[0], 2e6);
    EXPECT_NEAR(std::abs(ts.s[0](0, 0) - polar_deg(0.894, -12.136)), 0.0, kExact);
}

TEST(TouchstoneSpec, Ex9V1NormalisedZEqualsEx10V2OhmZ) {
    // v1: Z normalised to R = 75 (0.99 -> 74.25 ohm); v2: Z in ohm, [Reference] 20 only sets
    // the S reference. The impedances must agree even though the S matrices do not.
    const auto v1 = read_touchstone(skrf("ex_9.s1p"));
    const auto v2 = read_touchstone(skrf("ex_10.ts"));
    EXPECT_EQ(v1.parameter, 'Z');
    EXPECT_EQ(v2.z_ref_ohm[0], cd(20.0));
    ASSERT_EQ(v1.f_hz, v2.f_hz);
    for (std::size_t k = 0; k < v1.f_hz.size(); ++k) {
        const cd z1 = si::channel::s_to_z(v1.s[k], v1.z_ref_ohm)(0, 0);
        const cd z2 = si::channel::s_to_z(v2.s[k], v2.z_ref_ohm)(0, 0);
        EXPECT_LT(std::abs(z1 - z2), 1e-9 * std::abs(z2)) << "k=" << k;
    }
    const cd z0 = si::channel::s_to_z(v1.s[0], v1.z_ref_ohm)(0, 0);
    EXPECT_NEAR(std::abs(z0 - polar_deg(74.25, -4.0)), 0.0, 1e-9);
    EXPECT_GT(std::abs(v1.s[0](0, 0) - v2.s[0](0, 0)), 0.1);  // different S references
}

TEST(TouchstoneSpec, Ex11V1AndEx12V2HybridDataGiveTheSameS) {
    const auto v1 = read_touchstone(skrf("ex_11.s2p"));
    const auto v2 = read_touchstone(skrf("ex_12.ts"));
    const auto g = read_touchstone(skrf("ex_12_g.ts"));
    EXPECT_EQ(v1.parameter, 'H');
    EXPECT_EQ(g.parameter, 'G');
    ASSERT_EQ(v1.s.size(), 1u);
    EXPECT_LT((v1.s[0] - v2.s[0]).cwiseAbs().maxCoeff(), kExact);  // R = 1: quirk is moot
    // ex_12_g holds G = H^-1 of ex_12, rounded: its G12 angle is 0.33 degrees off the exact
    // inverse, which moves S by ~4e-4.
    EXPECT_LT((g.s[0] - v2.s[0]).cwiseAbs().maxCoeff(), 2e-3);
    // Independent check: an H-parameter 2-port with H = [[h11, h12], [h21, h22]] normalised to
    // R has S11 = ((h11 - 1)(h22 + 1) - h12 h21) / ((h11 + 1)(h22 + 1) - h12 h21).
    const cd h11 = polar_deg(.95, -26), h21 = polar_deg(3.57, 157), h12 = polar_deg(.04, 76),
             h22 = polar_deg(.66, -14);
    const cd s11 =
        ((h11 - 1.0) * (h22 + 1.0) - h12 * h21) / ((h11 + 1.0) * (h22 + 1.0) - h12 * h21);
    EXPECT_NEAR(std::abs(v1.s[0](0, 0) - s11), 0.0, 1e-12);
}

TEST(TouchstoneSpec, Ex13RealImaginaryValues) {
    const auto ts = read_touchstone(skrf("ex_13.s2p"));
    ASSERT_EQ(ts.f_hz.size(), 3u);
    EXPECT_DOUBLE_EQ(ts.f_hz[2], 10e9);
    const cd want[] = {{0.3926, -0.1211}, {0.3517, -0.3054}, {0.3419, 0.3336}};
    for (int k = 0; k < 3; ++k) EXPECT_NEAR(std::abs(ts.s[k](0, 0) - want[k]), 0.0, kExact);
    EXPECT_NEAR(std::abs(ts.s[2](1, 0) - cd(-0.0134, 0.0379)), 0.0, kExact);
}

TEST(TouchstoneSpec, Ex14V1FourPortWrapsRows) {
    const auto ts = read_touchstone(skrf("ex_14.s4p"));
    ASSERT_EQ(ts.ports, 4);
    ASSERT_EQ(ts.f_hz.size(), 3u);
    EXPECT_NEAR(std::abs(ts.s[2](0, 3) - polar_deg(0.62, -114.19)), 0.0, kExact);
    EXPECT_NEAR(std::abs(ts.s[2](3, 0) - polar_deg(0.62, -114.19)), 0.0, kExact);
    EXPECT_NEAR(std::abs(ts.s[1](1, 2) - polar_deg(0.57, -95.77)), 0.0, kExact);
}

TEST(TouchstoneSpec, Ex16MixedModeOrderIsKept) {
    const auto ts = read_touchstone(skrf("ex_16.ts"));
    ASSERT_EQ(ts.ports, 6);
    EXPECT_EQ(ts.mixed_mode_order, "D2,3 D6,5 C2,3 C6,5 S4 S1");
    EXPECT_NEAR(std::abs(ts.s[0](0, 0) - cd(8, 9)), 0.0, kExact);
    EXPECT_NEAR(std::abs(ts.s[0](0, 1) - cd(2, -1)), 0.0, kExact);
    EXPECT_NEAR(std::abs(ts.s[0](5, 5) - cd(5.5, -7)), 0.0, kExact);
    EXPECT_EQ(ts.z_ref_ohm[4], cd(0.01));
}

TEST(TouchstoneSpec, NoiseDataIsDetectedAndIgnoredInV1AndV2) {
    const auto v2 = read_touchstone(skrf("ex_17.ts"));
    const auto v1 = read_touchstone(skrf("ex_18.s2p"));  // noise starts where f drops 22 -> 4
    for (const auto* ts : {&v1, &v2}) {
        ASSERT_EQ(ts->f_hz.size(), 2u);
        EXPECT_DOUBLE_EQ(ts->f_hz[1], 22e9);
        EXPECT_NEAR(std::abs(ts->s[0](1, 0) - polar_deg(3.57, 157)), 0.0, kExact);
        EXPECT_NEAR(std::abs(ts->s[0](0, 1) - polar_deg(.04, 76)), 0.0, kExact);
        EXPECT_TRUE(has_warning(*ts, "noise data (2 frequencies) ignored"));
    }
    EXPECT_EQ(v2.z_ref_ohm[1], cd(25.0));
    const auto n = read_touchstone(skrf("ntwk_noise.s2p"));
    EXPECT_EQ(n.f_hz.size(), 11u);
    EXPECT_NEAR(std::abs(n.s[10](1, 0) - cd(10.0)), 0.0, kExact);
    EXPECT_TRUE(has_warning(n, "noise data (2 frequencies) ignored"));
}

TEST(TouchstoneSpec, IncompleteSpecExamplesAreRejectedWithLine) {
    // ex_2 has data but no [Network Data]; ex_1 stops after [Number of Ports].
    SI_EXPECT_THROW_MSG((void)read_touchstone(skrf("ex_2.ts")), si::IoError,
                        "ex_2.ts:6: numeric data before [Network Data]");
    SI_EXPECT_THROW_MSG((void)read_touchstone(skrf("ex_1.ts")), si::IoError,
                        "[Network Data] is missing");
    SI_EXPECT_THROW_MSG((void)read_touchstone(skrf("comments.s3p")), si::IoError,
                        "no network data");
}

TEST(TouchstoneSpec, AnsysReferenceOverSeveralCommentedLines) {
    const auto ts = read_touchstone(skrf("ansys.ts"));
    ASSERT_EQ(ts.ports, 3);
    EXPECT_EQ(ts.z_ref_ohm, (std::vector<cd>{1.0, 50.0, 50.0}));
    ASSERT_EQ(ts.f_hz.size(), 1u);
    EXPECT_EQ(ts.f_hz[0], 0.0);
    EXPECT_NEAR(std::abs(ts.s[0](2, 2) - polar_deg(0.9349795164531121, 180)), 0.0, kExact);
    EXPECT_FALSE(has_warning(ts, "[End] is missing"));
}

TEST(TouchstoneVendor, ManyPortsAndLineWrapping) {
    struct Case {
        const char* file;
        int ports;
        std::size_t points;
    };
    for (const Case c :
         {Case{"ntwk.s32p", 32, 3}, Case{"test_multiport.s22p", 22, 5},
          Case{"hfss_19.2.s10p", 10, 11}, Case{"Agilent_E5071B.s4p", 4, 205},
          Case{"helic_example_6ports_V2.ts", 6, 17}, Case{"Clarity_example.S2P", 2, 40}}) {
        const auto ts = read_touchstone(skrf(c.file));
        EXPECT_EQ(ts.ports, c.ports) << c.file;
        EXPECT_EQ(ts.f_hz.size(), c.points) << c.file;
        for (std::size_t k = 1; k < ts.f_hz.size(); ++k) ASSERT_GT(ts.f_hz[k], ts.f_hz[k - 1]);
    }
}

TEST(TouchstoneVendor, AgilentDbFormatAndR75) {
    const auto ts = read_touchstone(skrf("Agilent_E5071B.s4p"));
    EXPECT_EQ(ts.z_ref_ohm[3], cd(75.0));
    EXPECT_DOUBLE_EQ(ts.f_hz[0], 500e6);
    EXPECT_NEAR(std::abs(ts.s[0](0, 0) - polar_deg(std::pow(10, -2.290151e-1 / 20), 177.8212)), 0.0,
                kExact);
    // Row-major for n >= 3: the second pair on the first line is S12.
    EXPECT_NEAR(std::abs(ts.s[0](0, 1) - polar_deg(std::pow(10, -5.257496e1 / 20), -134.6546)), 0.0,
                kExact);
    EXPECT_NEAR(std::abs(ts.s[0](3, 3) - polar_deg(std::pow(10, -2.562045e-1 / 20), -173.0847)),
                0.0, kExact);
}

TEST(TouchstoneVendor, HelicReferencesAndHfssPortImpedanceWarning) {
    const auto helic = read_touchstone(skrf("helic_example_6ports_V2.ts"));
    EXPECT_EQ(helic.z_ref_ohm, (std::vector<cd>{50, 75, 0.01, 1, 2, 3}));
    EXPECT_FALSE(has_warning(helic, "[End] is missing"));
    const auto hfss = read_touchstone(skrf("hfss_19.2.s10p"));
    EXPECT_TRUE(has_warning(hfss, "Port Impedance"));
    const auto modal = read_touchstone(skrf("ansys_modal_data.s2p"));
    EXPECT_EQ(modal.f_hz, (std::vector<double>{0.0, 1e9}));
    // v1 2-port order N11 N21 N12 N22: the second pair is S21.
    EXPECT_NEAR(std::abs(modal.s[1](1, 0) - cd(-0.992314774773583)), 0.0, kExact);
}

TEST(TouchstoneVendor, ComplexReferencesAndSecondOptionLine) {
    const auto simple = read_touchstone(skrf("simple_touchstone.s2p"));
    EXPECT_EQ(simple.z_ref_ohm[0], cd(50, 50));
    EXPECT_NEAR(std::abs(simple.s[1](1, 0) - cd(11, 12)), 0.0, kExact);
    const auto dbl = read_touchstone(skrf("double_option_line.s2p"));
    EXPECT_EQ(dbl.z_ref_ohm[1], cd(10, 10));  // the first option line applies
    EXPECT_TRUE(has_warning(dbl, "second option line ignored"));
}

TEST(TouchstoneVendor, EncodingsBomLatin1Utf8) {
    const auto a = read_touchstone(skrf("test_encoding_ISO-8859-1.s2p"));
    const auto b = read_touchstone(skrf("test_encoding_UTF-8-SIG.s2p"));
    const auto c = read_touchstone(skrf("test_encoding_unknown.s2p"));
    EXPECT_NEAR(std::abs(a.s[0](1, 0) - cd(-1, 1)), 0.0, kExact);
    EXPECT_EQ(a.s[0], b.s[0]);
    EXPECT_EQ(a.s[0], c.s[0]);
}

TEST(TouchstoneInline, OptionTokensInAnyOrderGiveTheSameData) {
    const std::string data = "100 0.5 30 0.25 -60 0.25 -60 0.5 30\n";
    const auto ref = parse_touchstone("# MHz S MA R 75\n" + data, "a.s2p", 0);
    for (const char* opt :
         {"# MA MHz S R 75", "#MHz S MA R 75", "# r 75 ma s mhz", "\t#   MHz\tS MA R 75.0  "}) {
        const auto ts = parse_touchstone(std::string(opt) + "\n" + data, "a.s2p", 0);
        EXPECT_EQ(ts.f_hz, ref.f_hz) << opt;
        EXPECT_EQ(ts.s, ref.s) << opt;
        EXPECT_EQ(ts.z_ref_ohm, ref.z_ref_ohm) << opt;
    }
    EXPECT_DOUBLE_EQ(ref.f_hz[0], 100e6);
    // Defaults: "# ri" means GHz S RI R 50.
    const auto ri = parse_touchstone("# ri\n1 0.1 0.2 0.3 0.4 0.5 0.6 0.7 0.8\n", "b.s2p", 0);
    EXPECT_DOUBLE_EQ(ri.f_hz[0], 1e9);
    EXPECT_EQ(ri.z_ref_ohm[0], cd(50));
    EXPECT_EQ(ri.s[0](0, 1), cd(0.5, 0.6));  // 21_12 order: third pair is S12
}

TEST(TouchstoneInline, UnitsAndFormats) {
    const auto hz = parse_touchstone("# Hz S DB\n1000 -6.0206 90\n", "a.s1p", 0);
    EXPECT_DOUBLE_EQ(hz.f_hz[0], 1000.0);
    EXPECT_NEAR(std::abs(hz.s[0](0, 0) - cd(0, 0.5)), 0.0, 1e-5);  // -6.0206 dB = 0.5
    const auto khz = parse_touchstone("# kHz S RI\n2.5 1e-3 -2E-3\n", "a.s1p", 0);
    EXPECT_DOUBLE_EQ(khz.f_hz[0], 2500.0);
    EXPECT_EQ(khz.s[0](0, 0), cd(1e-3, -2e-3));
}

TEST(TouchstoneInline, CrlfTabsBomAndLatin1Comments) {
    const std::string text =
        "\xEF\xBB\xBF! caf\xE9 \xC3\xA9\r\n# GHz\tS\tRI\tR 50\r\n  1\t0.1 0.2\t0.3 0.4 ! x\xB0\r\n"
        "\t\t0.5 0.6 0.7 0.8\r\n";
    const auto ts = parse_touchstone(text, "t.s2p", 0);
    ASSERT_EQ(ts.f_hz.size(), 1u);
    EXPECT_EQ(ts.s[0](1, 1), cd(0.7, 0.8));
}

TEST(TouchstoneInline, PerPortReferencesOnTheOptionLine) {
    std::string data = "1";
    for (int i = 0; i < 32; ++i) data += " 0.01";
    const auto ts = parse_touchstone("# GHz S RI R 50 75 50 75\n" + data + "\n", "a.s4p", 0);
    EXPECT_EQ(ts.z_ref_ohm, (std::vector<cd>{50, 75, 50, 75}));
    SI_EXPECT_THROW_MSG((void)parse_touchstone("# GHz S RI R 50 75\n" + data + "\n", "a.s4p", 0),
                        si::IoError, "a.s4p:1: option line gives 2 reference values");
}

TEST(TouchstoneInline, ZAndYConvertToSWithTheV1NormalisationQuirk) {
    // A 50 ohm shunt resistor between two 50 ohm ports: Z = [[50, 50], [50, 50]],
    // S11 = -Z0/(2R + Z0) = -1/3, S21 = 2R/(2R + Z0) = 2/3.
    const auto v2 = parse_touchstone(
        "[Version] 2.0\n# GHz Z RI R 50\n[Number of Ports] 2\n[Two-Port Data Order] 12_21\n"
        "[Number of Frequencies] 1\n[Network Data]\n1 50 0 50 0 50 0 50 0\n[End]\n",
        "z.ts", 0);
    const auto v1 = parse_touchstone("# GHz Z RI R 50\n1 1 0 1 0 1 0 1 0\n", "z.s2p", 0);
    for (const auto* ts : {&v1, &v2}) {
        EXPECT_NEAR(std::abs(ts->s[0](0, 0) - cd(-1.0 / 3)), 0.0, 1e-12) << ts->path;
        EXPECT_NEAR(std::abs(ts->s[0](1, 0) - cd(2.0 / 3)), 0.0, 1e-12) << ts->path;
        EXPECT_NEAR(std::abs(ts->s[0](1, 1) - cd(-1.0 / 3)), 0.0, 1e-12) << ts->path;
    }
    // Y = 1/100 S to a 50 ohm reference: S = (1 - y)/(1 + y), y = 0.5 -> 1/3. v1: y = 0.5.
    const auto y2 = parse_touchstone(
        "[Version] 2.1\n# Hz Y RI R 50\n[Number of Ports] 1\n[Number of Frequencies] 1\n"
        "[Network Data]\n1 0.01 0\n[End]\n",
        "y.ts", 0);
    const auto y1 = parse_touchstone("# Hz Y RI R 50\n1 0.5 0\n", "y.s1p", 0);
    EXPECT_NEAR(std::abs(y2.s[0](0, 0) - cd(1.0 / 3)), 0.0, 1e-12);
    EXPECT_NEAR(std::abs(y1.s[0](0, 0) - cd(1.0 / 3)), 0.0, 1e-12);
}

TEST(TouchstoneInline, PortCountFromExtensionOverrideOrData) {
    using si::channel::ports_from_extension;
    EXPECT_EQ(ports_from_extension("dir.s9p/a.s12p"), 12);
    EXPECT_EQ(ports_from_extension("B.S4P"), 4);
    EXPECT_EQ(ports_from_extension("x.ts"), 0);
    EXPECT_EQ(ports_from_extension("x.sp"), 0);
    EXPECT_EQ(ports_from_extension("x.s2"), 0);
    const std::string text = "# GHz S RI\n1 1 0 2 0 3 0 4 0\n2 1 0 2 0 3 0 4 0\n";
    const auto forced = parse_touchstone(text, "chan.txt", 2);
    EXPECT_EQ(forced.ports, 2);
    EXPECT_TRUE(forced.warnings.empty());
    const auto inferred = parse_touchstone(text, "chan.txt", 0);
    EXPECT_EQ(inferred.ports, 2);
    EXPECT_TRUE(has_warning(inferred, "inferred"));
    // The same 8 values cannot be a 1-port file.
    SI_EXPECT_THROW_MSG((void)parse_touchstone(text, "chan.txt", 1), si::IoError,
                        "chan.txt:2: frequency point 1 (f = 1) has 8 values, expected 2");
    const std::string v2 =
        "[Version] 2.0\n#\n[Number of Ports] 1\n[Number of Frequencies] 1\n[Network Data]\n"
        "1 0.5 0\n[End]\n";
    SI_EXPECT_THROW_MSG((void)parse_touchstone(v2, "a.ts", 2), si::IoError,
                        "a.ts:3: [Number of Ports] is 1 but 2 ports were requested");
}

TEST(TouchstoneInline, PortCountsAreBoundedBeforeAnyAllocation) {
    // 17 bytes named .s65536p asked for a 65536 x 65536 complex matrix (64 GiB): n*n overflowed
    // int and the single value matched the wrapped count of 0 values per point.
    SI_EXPECT_THROW_MSG((void)parse_touchstone("# GHz S RI\n1\n", "x.s65536p", 0), si::IoError,
                        "x.s65536p: the .sNp extension says 65536 ports; sisim reads at most 1024");
    SI_EXPECT_THROW_MSG((void)parse_touchstone("# GHz S RI\n1\n", "x.txt", 5000), si::ConfigError,
                        "ports: must be in [0, 1024] (got 5000)");
    const std::string head = "[Version] 2.0\n# GHz S RI\n[Number of Ports] ";
    for (const char* n : {"1025", "2147483648", "1e300"})
        SI_EXPECT_THROW_MSG((void)parse_touchstone(head + n + "\n", "a.ts", 0), si::IoError,
                            "a.ts:3: [Number of Ports] needs one integer in [1, 1024]");
    SI_EXPECT_THROW_MSG(
        (void)parse_touchstone("[Version] 2.0\n# GHz S RI\n[Number of Ports] 1\n"
                               "[Number of Frequencies] 1e300\n", "b.ts", 0),
        si::IoError, "b.ts:4: [Number of Frequencies] needs one integer in [1, ");
    // 1024 ports is accepted as a count (the data decide the rest).
    SI_EXPECT_THROW_MSG((void)parse_touchstone("# GHz S RI\n1 0 0\n", "y.s1024p", 0), si::IoError,
                        "has 2 values, expected 2097152");
}

TEST(TouchstoneInline, OnlyRegularFilesAreRead) {
    // A directory gave "read error" or a huge allocation from tellg, /dev/zero read without end.
    SI_EXPECT_THROW_MSG((void)read_touchstone(si::testing::test_data("channel")), si::IoError,
                        "is a directory, not a Touchstone file");
    SI_EXPECT_THROW_MSG((void)read_touchstone("/dev/zero"), si::IoError,
                        "/dev/zero: is not a regular file");
    SI_EXPECT_THROW_MSG((void)read_touchstone("/no/such/dir/x.s4p"), si::IoError, "x.s4p");
}

TEST(TouchstoneInline, MalformedFilesNameFileAndLine) {
    struct Case {
        const char* name;
        std::string text;
        const char* message;
    };
    const std::string v2head = "[Version] 2.0\n# GHz S RI\n[Number of Ports] 1\n";
    const Case cases[] = {
        {"trunc.s2p", "! c\n# GHz S RI\n1 1 0 0 0 0 0 1 0\n2 1 0 0 0\n  0 0\n",
         "trunc.s2p:4: frequency point 2 (f = 2) has 6 values, expected 8 (lines 4-5)"},
        {"trunc_end.s2p", "# GHz S RI\n1 1 0 0 0 0 0 1 0\n2 1 0 0 0 0 0\n",
         "trunc_end.s2p:3: frequency point 2 (f = 2) has 6 values, expected 8"},
        {"nan.s1p", "# GHz S RI\n1 0.5 0\n2 nan 0\n",
         "nan.s1p:3: column 3: network data value 'nan' is not a finite number"},
        {"inf.s1p", "# GHz S RI\n1 0.5 inf\n",
         "inf.s1p:2: column 7: network data value 'inf' is not a finite number"},
        {"word.s1p", "# GHz S RI\n1 0.5 O.5\n",
         "word.s1p:2: column 7: network data value 'O.5' is not a number"},
        {"order.s4p", std::string("# GHz S RI\n") + "2" + std::string(16, ' ') + "\n",
         "order.s4p:2: frequency point 1 (f = 2) has 0 values, expected 32"},
        {"dec.s1p", "# GHz S RI\n1 0.5 0\n3 0.5 0\n2 0.5 0\n",
         "dec.s1p:4: frequency 2 is not above the previous one (3)"},
        {"dup.s1p", "# GHz S RI\n1 0.5 0\n1 0.5 0\n", "dup.s1p:3: frequency 1 is not above"},
        {"unit.s1p", "# THz S RI\n1 0.5 0\n",
         "unit.s1p:1: column 3: unknown option-line token 'THz'"},
        {"time.s1p", "# ns S RI\n1 0.5 0\n", "time-domain data are not Touchstone network data"},
        {"twice.s1p", "# GHz S RI MA\n1 0.5 0\n",
         "twice.s1p:1: column 12: option line gives the data format twice"},
        {"hdr.s2p", "# HZ S RI R S11r S11i\n1 0.5 0\n",
         "hdr.s2p:1: column 11: 'R' must be followed by a reference resistance (got 'S11r')"},
        {"glued.s2p", "# HZ S RI RS11r S11i\n1 0.5 0\n",
         "glued.s2p:1: column 11: unknown option-line token 'RS11r'"},
        {"v3.ts", "! new\n[Version] 3.0\n# GHz S RI\n",
         "v3.ts:2: unsupported Touchstone version 3.0"},
        {"nosecond.ts",
         "[Version] 2.0\n# GHz S RI\n[Number of Ports] 2\n[Number of Frequencies] 1\n[Network "
         "Data]\n1 1 0 0 0 0 0 1 0\n",
         "nosecond.ts:5: [Two-Port Data Order] (12_21 or 21_12) is required for 2-port files"},
        {"nf.ts", v2head + "[Number of Frequencies] 3\n[Network Data]\n1 0.5 0\n2 0.5 0\n[End]\n",
         "nf.ts:4: [Number of Frequencies] is 3 but the data hold 2 frequency points"},
        {"kw.ts", v2head + "[Number of Frequencies] 1\n[Frobnicate] 3\n",
         "kw.ts:5: unknown keyword [Frobnicate]"},
        {"bin.ts", v2head + "[Number of Frequencies] 1\n[Binary]\n",
         "binary Touchstone data are not supported"},
        {"v1kw.s1p", "# GHz S RI\n[Number of Ports] 1\n",
         "v1kw.s1p:2: keyword [Number of Ports] in a version 1 file"},
        {"before.s1p", "1 0.5 0\n# GHz S RI\n", "before.s1p:1: data before the option line"},
        {"cont.s1p", "# GHz S RI\n0.5 0\n", "cont.s1p:2: line has 2 values"},
        {"ascii.s1p", "# GHz S RI\n1 0.5\xA0 0\n",
         "ascii.s1p:2: column 6: byte 0xa0 outside a comment"},
        {"after.ts",
         v2head + "[Number of Frequencies] 1\n[Network Data]\n1 0.5 0\n[End]\n2 0.5 0\n",
         "after.ts:8: data after [End]"},
        {"ref.ts",
         "[Version] 2.0\n# GHz S RI\n[Number of Ports] 2\n[Reference] 50\n[Two-Port Data Order] "
         "12_21\n",
         "ref.ts:5: [Reference] (line 4) has 1 values, expected 2"},
        {"hg.s1p", "# GHz H RI\n1 0.5 0\n",
         "hg.s1p:1: H-parameters are only defined for 2-port files"},
    };
    for (const auto& c : cases)
        SI_EXPECT_THROW_MSG((void)parse_touchstone(c.text, c.name, 0), si::IoError, c.message);
}

TEST(TouchstoneInline, ErrorCarriesFileAndLineFields) {
    try {
        (void)parse_touchstone("# GHz S RI\n2 0.5 0\n1 0.5 0\n", "x.s1p", 0);
        FAIL() << "expected IoError";
    } catch (const si::IoError& e) {
        EXPECT_EQ(e.file(), "x.s1p");
        EXPECT_EQ(e.line(), 3);
    }
    SI_EXPECT_THROW_MSG((void)read_touchstone("/nonexistent/dir/x.s2p"), si::IoError,
                        "/nonexistent/dir/x.s2p: cannot open file");
}

TEST(TouchstoneMath, RenormalizeMatchesTheImpedanceRoute) {
    Eigen::MatrixXcd s(3, 3);
    s << cd(0.1, 0.05), cd(0.7, -0.2), cd(0.02, 0.01), cd(0.7, -0.2), cd(-0.15, 0.1), cd(0.05, 0.0),
        cd(0.02, 0.01), cd(0.05, 0.0), cd(0.3, -0.3);
    const std::vector<cd> r50(3, 50.0), rmix{75.0, 30.0, 100.0};
    const Eigen::MatrixXcd via_z = si::channel::z_to_s(si::channel::s_to_z(s, r50), rmix);
    const Eigen::MatrixXcd direct = si::channel::renormalize(s, r50, rmix);
    EXPECT_LT((via_z - direct).cwiseAbs().maxCoeff(), 1e-12);
    EXPECT_LT((si::channel::renormalize(direct, rmix, r50) - s).cwiseAbs().maxCoeff(), 1e-12);
    // A 50 ohm load (S = 0) seen with a 75 ohm reference: (50 - 75)/(50 + 75) = -0.2.
    Eigen::MatrixXcd zero = Eigen::MatrixXcd::Zero(1, 1);
    EXPECT_NEAR(std::abs(si::channel::renormalize(zero, {50.0}, {75.0})(0, 0) - cd(-0.2)), 0.0,
                1e-15);
    SI_EXPECT_THROW_MSG((void)si::channel::renormalize(zero, {cd(50, 50)}, {75.0}), si::ModelError,
                        "must be real");
}

TEST(TouchstoneGpl, SignalIntegrityFilesFromShared) {
    // GPL-3 files: read from ../shared only, never bundled.
    SI_REQUIRE_SHARED(dir, "touchstone_format/signalintegrity");
    struct Case {
        const char* file;
        int ports;
        std::size_t points;
        double ref;
    };
    for (const Case c : {Case{"BMYchebySParameters.s2p", 2, 801, 30.0},  // "# MHz MA S R 30.0"
                         Case{"cable.s2p", 2, 201, 50.0},                // CRLF
                         Case{"BAL-0003.s3p", 3, 801, 50.0},
                         Case{"Sparq_demo_16.s4p", 4, 2001, 50.0},  // whole point on one line
                         Case{"WavePulserDemoBoard.s4p", 4, 1601, 50.0},
                         Case{"outputImpedance.s2p", 2, 91, 0.01}}) {
        const auto ts = read_touchstone(dir + "/" + c.file);
        EXPECT_EQ(ts.ports, c.ports) << c.file;
        EXPECT_EQ(ts.f_hz.size(), c.points) << c.file;
        EXPECT_EQ(ts.z_ref_ohm[0], cd(c.ref)) << c.file;
    }
}

}  // namespace
