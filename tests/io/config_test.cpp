// Tests of the config tree: TOML flattening, SI-unit parsing, --set overrides, error locations,
// and the resolved-TOML round trip.
#include "si/io/config.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "si/core/error.hpp"
#include "si_test.hpp"

namespace fs = std::filesystem;
using si::io::ConfigTree;
using si::io::KeySpec;
using si::io::KeyType;

namespace {

std::vector<KeySpec> registry() {
    return {
        {"seed", KeyType::integer, "", "1", "master random seed"},
        {"link.baud", KeyType::number, "Bd", "53.125GBd", "symbol rate"},
        {"link.n_ui", KeyType::integer, "UI", "100k", "number of UI to simulate"},
        {"pattern.type", KeyType::string, "", "prbs31", "pattern name"},
        {"tx.swing", KeyType::number, "V", "0.8", "differential peak-peak swing"},
        {"tx.rise_time", KeyType::number, "s", "7.5ps", "20-80 % rise time"},
        {"tx.enable", KeyType::boolean, "", "true", "driver on"},
        {"tx.ffe.taps", KeyType::number_array, "", "[0, 1, 0]", "FFE taps, main cursor 1"},
        {"channel.touchstone", KeyType::string_or_array, "", "", "Touchstone file(s)"},
        {"rx.probes", KeyType::string_array, "", "[\"rx\"]", "waveform probes"},
        {"rx.ctle.dc_gain", KeyType::number, "dB", "-6", "CTLE DC gain"},
        {"rx.ctle.f_zero", KeyType::number, "Hz", "auto", "CTLE zero"},
        {"rx.noise_v", KeyType::number, "V", "", "input-referred noise rms"},
        {"analysis.thresholds", KeyType::number_array, "V", "[]", "slicer thresholds"},
    };
}

class ConfigTest : public ::testing::Test {
protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir_ = fs::temp_directory_path() /
               ("si_io_cfg_" + std::to_string(::getpid()) + "_" + info->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    std::string write(const std::string& name, const std::string& text) {
        const std::string p = (dir_ / name).string();
        std::ofstream(p) << text;
        return p;
    }
    fs::path dir_;
};

constexpr const char* kLink = R"(# a link
seed = 7
pattern = { type = "prbs13" }

[link]
baud = "53.125GBd"
n_ui = 1e6

[tx]
swing = "100mV"
rise_time = "7.5ps"
ffe.taps = [-0.1, 0.8, -0.05]
enable = false

[rx]
ctle.dc_gain = -3
probes = ["rx", "ctle_out"]

[channel]
touchstone = "data/ch.s4p"

[analysis]
thresholds = ["-100mV", 0, "0.1 V"]
)";

}  // namespace

TEST_F(ConfigTest, LoadsTablesDottedKeysInlineTablesAndSiStrings) {
    ConfigTree c(registry());
    const std::string path = write("link.toml", kLink);
    c.load_file(path);
    EXPECT_EQ(c.integer("seed", 0), 7);
    EXPECT_EQ(c.string("pattern.type", ""), "prbs13");
    EXPECT_DOUBLE_EQ(c.number("link.baud", 0), 53.125e9);
    EXPECT_EQ(c.integer("link.n_ui", 0), 1'000'000);  // 1e6 written as a float, integral
    EXPECT_DOUBLE_EQ(c.number("tx.swing", 0), 0.1);
    EXPECT_DOUBLE_EQ(c.number("tx.rise_time", 0), 7.5e-12);
    EXPECT_EQ(c.numbers("tx.ffe.taps", {}), (std::vector<double>{-0.1, 0.8, -0.05}));
    EXPECT_FALSE(c.boolean("tx.enable", true));
    EXPECT_DOUBLE_EQ(c.number("rx.ctle.dc_gain", 0), -3.0);
    EXPECT_EQ(c.strings("rx.probes", {}), (std::vector<std::string>{"rx", "ctle_out"}));
    EXPECT_EQ(c.strings("channel.touchstone", {}), std::vector<std::string>{"data/ch.s4p"});
    // Unset keys give the fallback; has() tells them apart.
    EXPECT_FALSE(c.has("rx.noise_v"));
    EXPECT_DOUBLE_EQ(c.number("rx.noise_v", 1.5e-3), 1.5e-3);
    EXPECT_TRUE(c.has("tx.swing"));
    EXPECT_EQ(c.location("tx.swing"), path + ":10:9");
    EXPECT_EQ(c.location("tx.ffe.taps"), path + ":12:12");
    EXPECT_EQ(c.location("rx.noise_v"), "");
    EXPECT_EQ(c.source_dir(), fs::absolute(dir_).lexically_normal().string());
    EXPECT_EQ(c.path("channel.touchstone", ""), (dir_ / "data/ch.s4p").string());
    EXPECT_EQ(c.paths("channel.touchstone", {}),
              std::vector<std::string>{(dir_ / "data/ch.s4p").string()});
    EXPECT_EQ(c.numbers("analysis.thresholds", {}), (std::vector<double>{-0.1, 0.0, 0.1}));
    EXPECT_EQ(c.keys_set().size(), 12u);
}

TEST_F(ConfigTest, SetOverridesWinOverTheFileWhateverTheOrder) {
    ConfigTree c(registry());
    c.apply_override("tx.swing=0.5");  // before loading: still wins
    c.load_file(write("link.toml", kLink));
    c.apply_override("link.baud = 26.5625G");
    c.apply_override("tx.ffe.taps=[0, 1, -0.025]");
    c.apply_override("analysis.thresholds=[\"-25mV\", \"25mV\"]");
    c.apply_override("tx.enable=true");
    c.apply_override("channel.touchstone=a.s4p");
    EXPECT_DOUBLE_EQ(c.number("tx.swing", 0), 0.5);
    EXPECT_DOUBLE_EQ(c.number("link.baud", 0), 26.5625e9);
    EXPECT_EQ(c.numbers("tx.ffe.taps", {}), (std::vector<double>{0, 1, -0.025}));
    EXPECT_EQ(c.numbers("analysis.thresholds", {}), (std::vector<double>{-0.025, 0.025}));
    EXPECT_TRUE(c.boolean("tx.enable", false));
    EXPECT_EQ(c.location("tx.swing"), "--set");
    // --set paths are not re-rooted to the config file's folder (they are relative to the cwd).
    EXPECT_EQ(c.path("channel.touchstone", ""), "a.s4p");
    // The untouched file value stays.
    EXPECT_DOUBLE_EQ(c.number("tx.rise_time", 0), 7.5e-12);
}

TEST_F(ConfigTest, SetValuesAreTomlOrBareWords) {
    ConfigTree c(registry());
    c.apply_override("pattern.type=prbs31");  // bare word
    EXPECT_EQ(c.string("pattern.type", ""), "prbs31");
    c.apply_override("pattern.type=42");  // string key: the raw text, not an integer
    EXPECT_EQ(c.string("pattern.type", ""), "42");
    c.apply_override("pattern.type=\"has = sign\"");  // quoted TOML string
    EXPECT_EQ(c.string("pattern.type", ""), "has = sign");
    c.apply_override("rx.probes=[\"a\", \"b\"]");
    EXPECT_EQ(c.strings("rx.probes", {}), (std::vector<std::string>{"a", "b"}));
    c.apply_override("channel.touchstone=[\"x.s4p\", \"y.s4p\"]");
    EXPECT_EQ(c.strings("channel.touchstone", {}), (std::vector<std::string>{"x.s4p", "y.s4p"}));
    c.apply_override("tx.rise_time=1e-11");
    EXPECT_DOUBLE_EQ(c.number("tx.rise_time", 0), 1e-11);
    c.apply_override("seed=-3");
    EXPECT_EQ(c.integer("seed", 0), -3);
    SI_EXPECT_THROW_MSG(c.apply_override("tx.swing"), si::ConfigError,
                        "expected section.key=value");
    SI_EXPECT_THROW_MSG(c.apply_override("tx.enable=yes"), si::ConfigError,
                        "--set tx.enable: expected true or false, got string 'yes'");
}

TEST_F(ConfigTest, UnknownKeyInFileReportsFileLineColumnAndSuggestion) {
    ConfigTree c(registry());
    const std::string path = write("bad.toml", "[tx]\nswing = 0.8\n  swng = 0.5\n");
    SI_EXPECT_THROW_MSG(c.load_file(path), si::ConfigError,
                        path + ":3:3: unknown key 'tx.swng' (did you mean 'tx.swing'?)");
    try {
        c.load_file(path);
    } catch (const si::io::ConfigLocationError& e) {
        EXPECT_EQ(e.key(), "tx.swng");
        EXPECT_EQ(e.location(), path + ":3:3");
    }
    // A failed load changes nothing.
    EXPECT_FALSE(c.has("tx.swing"));
    // Dotted keys at the root, an empty unknown section, and the right name in the wrong section.
    SI_EXPECT_THROW_MSG(c.load_file(write("b2.toml", "tx.rise_tme = 1\n")), si::ConfigError,
                        ":1:4: unknown key 'tx.rise_tme' (did you mean 'tx.rise_time'?)");
    SI_EXPECT_THROW_MSG(c.load_file(write("b3.toml", "[tx]\n[optics]\n")), si::ConfigError,
                        ":2:2: unknown section 'optics'");
    SI_EXPECT_THROW_MSG(c.load_file(write("b4.toml", "[rx]\nrise_time = 1\n")), si::ConfigError,
                        "unknown key 'rx.rise_time' (did you mean 'tx.rise_time'?)");
    SI_EXPECT_THROW_MSG(c.load_file(write("b5.toml", "zzz = 1\n")), si::ConfigError,
                        "unknown key 'zzz'");
}

TEST_F(ConfigTest, EveryUnknownKeyAndBadValueOfAFileIsReportedInOneMessage) {
    ConfigTree c(registry());
    // Key names chosen so that toml++'s alphabetical table order differs from the file order.
    const std::string path = write("many.toml",
                                   "zzz = 1\n"
                                   "[tx]\n"
                                   "swng = 0.5\n"
                                   "swing = true\n"
                                   "  aaa = 2\n"
                                   "[optics]\n");
    try {
        c.load_file(path);
        ADD_FAILURE() << "no exception";
    } catch (const si::io::ConfigLocationError& e) {
        EXPECT_EQ(std::string(e.what()),
                  path + ":1:1: unknown key 'zzz'\n" +
                  path + ":3:1: unknown key 'tx.swng' (did you mean 'tx.swing'?)\n" +
                  path + ":4:9: tx.swing: expected a number [V], got boolean true\n" +
                  path + ":5:3: unknown key 'tx.aaa'\n" +
                  path + ":6:2: unknown section 'optics'");
        EXPECT_EQ(e.location(), path + ":1:1");  // the first problem
        EXPECT_EQ(e.key(), "zzz");
    }
    EXPECT_TRUE(c.keys_set().empty());  // nothing of a failed file is kept
}

TEST_F(ConfigTest, UnknownSetKeyIsNamed) {
    ConfigTree c(registry());
    SI_EXPECT_THROW_MSG(c.apply_override("tx.swng=0.5"), si::ConfigError,
                        "--set tx.swng: unknown key 'tx.swng' (did you mean 'tx.swing'?)");
    try {
        c.apply_override("tx.swng=0.5");
    } catch (const si::io::ConfigLocationError& e) {
        EXPECT_EQ(e.location(), "--set");
        EXPECT_EQ(e.key(), "tx.swng");
    }
}

TEST_F(ConfigTest, WrongUnitOrTypeNamesLocationAndKey) {
    ConfigTree c(registry());
    const std::string path = write("unit.toml", "[tx]\nswing = 0.8\nrise_time = \"7.5GHz\"\n");
    SI_EXPECT_THROW_MSG(c.load_file(path), si::ConfigError,
                        path + ":3:13: tx.rise_time: cannot read '7.5GHz' as s");
    SI_EXPECT_THROW_MSG(c.load_file(write("t.toml", "[tx]\nswing = true\n")), si::ConfigError,
                        ":2:9: tx.swing: expected a number [V], got boolean true");
    SI_EXPECT_THROW_MSG(c.load_file(write("t2.toml", "[tx]\nenable = 1\n")), si::ConfigError,
                        ":2:10: tx.enable: expected true or false, got integer 1");
    SI_EXPECT_THROW_MSG(c.load_file(write("t3.toml", "[tx.ffe]\ntaps = 0.5\n")), si::ConfigError,
                        "tx.ffe.taps: expected an array of numbers");
    SI_EXPECT_THROW_MSG(c.load_file(write("t4.toml", "[tx.ffe]\ntaps = [1, \"2pz\"]\n")),
                        si::ConfigError, "tx.ffe.taps: element 1: cannot read '2pz'");
    SI_EXPECT_THROW_MSG(c.load_file(write("t5.toml", "[link]\nn_ui = 2.5\n")), si::ConfigError,
                        ":2:8: link.n_ui: expected an integer, got 2.5");
    SI_EXPECT_THROW_MSG(c.load_file(write("t6.toml", "[pattern]\ntype = 1979-05-27\n")),
                        si::ConfigError, "pattern.type: dates and times are not supported");
    SI_EXPECT_THROW_MSG(c.apply_override("tx.rise_time=7.5pz"), si::ConfigError,
                        "--set tx.rise_time: cannot read '7.5pz' as s");
    SI_EXPECT_THROW_MSG(c.apply_override("tx.rise_time=7.5GHz"), si::ConfigError,
                        "--set tx.rise_time: cannot read '7.5GHz'");
}

TEST_F(ConfigTest, MalformedTomlReportsLineAndColumn) {
    ConfigTree c(registry());
    const std::string path = write("broken.toml", "[tx]\nswing = 0.8\nrise_time = \"7.5ps\n");
    try {
        c.load_file(path);
        ADD_FAILURE() << "no exception";
    } catch (const si::io::ConfigLocationError& e) {
        const std::string msg = e.what();
        EXPECT_EQ(msg.rfind(path + ":3:", 0), 0u) << msg;
        EXPECT_EQ(e.location().rfind(path + ":3:", 0), 0u) << e.location();
    }
    SI_EXPECT_THROW_MSG(c.load_file(write("dup.toml", "[tx]\nswing = 1\nswing = 2\n")),
                        si::ConfigError, "dup.toml:3:");
}

TEST_F(ConfigTest, DevicesAndDirectoriesAreNotReadAsConfigs) {
    ConfigTree c(registry());
    SI_EXPECT_THROW_MSG(c.load_file("/dev/zero"), si::IoError,
                        "/dev/zero: config file is not a regular file");
    SI_EXPECT_THROW_MSG(c.load_file(dir_.string()), si::IoError, "not a regular file");
    const std::string big = write("big.toml", std::string(si::io::kMaxConfigBytes + 1, '#'));
    SI_EXPECT_THROW_MSG(c.load_file(big), si::IoError, "config file is larger than 16777216 bytes");
}

TEST_F(ConfigTest, MissingFileIsAnIoErrorNamingIt) {
    ConfigTree c(registry());
    const std::string path = (dir_ / "nope.toml").string();
    SI_EXPECT_THROW_MSG(c.load_file(path), si::IoError, path);
    SI_EXPECT_THROW_MSG(c.load_file(path), si::IoError, "No such file");
}

TEST_F(ConfigTest, IntegersAcceptPrefixesButNeverRound) {
    ConfigTree c(registry());
    const std::vector<std::pair<std::string, std::int64_t>> ok{
        {"1M", 1'000'000}, {"\"250k\"", 250'000}, {"1.5k", 1500}, {"2e6", 2'000'000},
        {"3e3 UI", 3000},  {"1e6", 1'000'000},    {"42", 42},     {"-7", -7}};
    for (const auto& [text, want] : ok) {
        c.apply_override("link.n_ui=" + text);
        EXPECT_EQ(c.integer("link.n_ui", 0), want) << text;
    }
    for (const std::string bad : {"1.0001k", "2.5", "1m", "1e30", "x"})
        EXPECT_THROW(c.apply_override("link.n_ui=" + bad), si::ConfigError) << bad;
    // number() of an integer key works too (an integer is a number).
    c.apply_override("link.n_ui=10k");
    EXPECT_DOUBLE_EQ(c.number("link.n_ui", 0), 1e4);
}

TEST_F(ConfigTest, RegistryDefaultsServeTheOneArgumentGetters) {
    ConfigTree c(registry());
    EXPECT_DOUBLE_EQ(c.number("tx.rise_time"), 7.5e-12);
    EXPECT_DOUBLE_EQ(c.number("link.baud"), 53.125e9);
    EXPECT_EQ(c.integer("link.n_ui"), 100'000);
    EXPECT_TRUE(c.boolean("tx.enable"));
    EXPECT_EQ(c.string("pattern.type"), "prbs31");
    EXPECT_EQ(c.numbers("tx.ffe.taps"), (std::vector<double>{0, 1, 0}));
    EXPECT_EQ(c.strings("rx.probes"), std::vector<std::string>{"rx"});
    SI_EXPECT_THROW_MSG((void)c.number("rx.noise_v"), si::ConfigError,
                        "rx.noise_v: required key is not set");
    SI_EXPECT_THROW_MSG((void)c.number("rx.ctle.f_zero"), si::ConfigError,
                        "rx.ctle.f_zero: cannot read 'auto'");
    c.apply_override("tx.rise_time=10ps");
    EXPECT_DOUBLE_EQ(c.number("tx.rise_time"), 10e-12);
    EXPECT_THROW((void)c.number("no.such.key", 0.0), std::logic_error);
}

TEST_F(ConfigTest, ResolvedTomlRoundTrips) {
    ConfigTree a(registry());
    a.load_file(write("link.toml", kLink));
    a.apply_override("tx.swing=0.55");
    a.apply_override("pattern.type=with \"quotes\" and \\ and\ttab");
    const std::string text = a.resolved_toml();
    // Sections are [tables]; root keys come first; defaults are marked.
    EXPECT_EQ(text.find("seed = 7\n") < text.find("[link]"), true) << text;
    EXPECT_NE(text.find("[rx.ctle]\n"), std::string::npos) << text;
    EXPECT_NE(text.find("baud = 5.3125e+10  # Bd\n"), std::string::npos) << text;
    EXPECT_NE(text.find("# f_zero is not set (default: auto)"), std::string::npos) << text;
    EXPECT_NE(text.find("# noise_v is not set (no default)"), std::string::npos) << text;

    ConfigTree b(registry());
    b.load_file(write("resolved.toml", text));
    for (const auto& s : a.registry()) {
        SCOPED_TRACE(s.key);
        // Defaults become explicit values, except the two keys without a usable default.
        EXPECT_EQ(b.has(s.key), s.key != "rx.ctle.f_zero" && s.key != "rx.noise_v");
        switch (s.type) {
            case KeyType::number:
                if (s.key != "rx.ctle.f_zero" && s.key != "rx.noise_v") {
                    EXPECT_EQ(b.number(s.key), a.number(s.key));  // exact: shortest round-trip
                }
                break;
            case KeyType::integer:
                EXPECT_EQ(b.integer(s.key), a.integer(s.key));
                break;
            case KeyType::boolean:
                EXPECT_EQ(b.boolean(s.key), a.boolean(s.key));
                break;
            case KeyType::string:
                EXPECT_EQ(b.string(s.key), a.string(s.key));
                break;
            case KeyType::number_array:
                EXPECT_EQ(b.numbers(s.key), a.numbers(s.key));
                break;
            case KeyType::string_array:
            case KeyType::string_or_array:
                EXPECT_EQ(b.strings(s.key, {}), a.strings(s.key, {}));
                break;
        }
    }
    EXPECT_FALSE(b.has("rx.noise_v"));
    EXPECT_FALSE(b.has("rx.ctle.f_zero"));
    // And the text is the same when resolved again (a fixed point).
    EXPECT_EQ(b.resolved_toml(), text);
    // Python users read the same text with tomllib (3.11+); skipped if unavailable.
    if (std::system("/usr/bin/python3 -c 'import tomllib' >/dev/null 2>&1") == 0) {
        const std::string p = write("py.toml", text);
        const std::string cmd =
            "/usr/bin/python3 -c \"import tomllib,sys; d=tomllib.load(open(sys.argv[1],'rb')); "
            "assert d['link']['baud']==53.125e9; assert d['tx']['swing']==0.55; "
            "assert d['tx']['ffe']['taps']==[-0.1,0.8,-0.05]; assert d['seed']==7\" " +
            p;
        EXPECT_EQ(std::system(cmd.c_str()), 0) << text;
    }
}

TEST_F(ConfigTest, FormatKeysListsKeyDefaultUnitAndMeaning) {
    const std::string t = si::io::format_keys(registry());
    EXPECT_EQ(t.rfind("KEY", 0), 0u) << t;
    EXPECT_NE(t.find("DEFAULT"), std::string::npos);
    EXPECT_NE(t.find("MEANING"), std::string::npos);
    // Columns are aligned: the default column starts at the same offset on every line.
    const auto line_with = [&](const std::string& k) {
        const auto b = t.find("\n" + k + " ") + 1;
        return t.substr(b, t.find('\n', b) - b);
    };
    const std::string rise = line_with("tx.rise_time");
    const std::string baud = line_with("link.baud");
    EXPECT_EQ(rise.find("7.5ps"), baud.find("53.125GBd")) << t;
    EXPECT_NE(rise.find("20-80 % rise time"), std::string::npos) << t;
    EXPECT_NE(line_with("rx.noise_v").find(" - "), std::string::npos) << t;  // no default
    EXPECT_EQ(std::count(t.begin(), t.end(), '\n'), 15);
}

TEST(ConfigRegistry, RejectsDuplicateAndSectionKeys) {
    EXPECT_THROW(
        ConfigTree({{"a.b", KeyType::number, "", "", ""}, {"a.b", KeyType::number, "", "", ""}}),
        std::invalid_argument);
    EXPECT_THROW(ConfigTree({{"tx", KeyType::number, "", "", ""},
                             {"tx.swing", KeyType::number, "", "", ""}}),
                 std::invalid_argument);
    EXPECT_THROW(ConfigTree({{"a..b", KeyType::number, "", "", ""}}), std::invalid_argument);
}
