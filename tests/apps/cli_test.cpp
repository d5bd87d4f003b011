// The sisim command as a user meets it: exit codes, messages naming file/line/key, no partial
// output, the HDF5 schema (checked with h5py when Debian's python3-h5py is there).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <tuple>

#include "si/core/rng.hpp"
#include "si/io/h5.hpp"
#include "si/pattern/source.hpp"
#include "src/link_config.hpp"
#include "si_test.hpp"

namespace fs = std::filesystem;

namespace {

struct Out {
    int code;
    std::string text;
};

Out sh(const std::string& cmd) {
    std::string text;
    FILE* p = popen((cmd + " 2>&1").c_str(), "r");
    if (!p) return {-1, ""};
    std::array<char, 4096> buf{};
    while (fgets(buf.data(), buf.size(), p)) text += buf.data();
    const int st = pclose(p);
    return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, text};
}

class Cli : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("sisim_cli_" + std::to_string(::getpid()) + "_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    std::string write(const std::string& name, const std::string& text) {
        const auto p = dir_ / name;
        std::ofstream(p) << text;
        return p.string();
    }
    std::string run(const std::string& args) { return std::string(SISIM_EXE) + " " + args; }
    bool only_file_is(const std::string& name) {  // no temporary or partial files left
        for (const auto& e : fs::directory_iterator(dir_)) {
            const auto n = e.path().filename().string();
            if (n.find(".tmp") != std::string::npos) return false;
            if (n.ends_with(".h5") && n != name) return false;
        }
        return true;
    }
    fs::path dir_;
};

const char* kTiny = R"(# tiny link
[sim]
symbols = 5000
samples_per_ui = 16
[signal]
symbol_rate = "53.125GBd"
pattern = "prbs13q"
[tx]
swing = "800mV"
rise_time = "8ps"
[rx]
noise_rms = "2mV"
)";

TEST_F(Cli, KeysListsThePublicContract) {
    const auto o = sh(run("keys"));
    EXPECT_EQ(o.code, 0);
    for (const char* k : {"sim.symbols", "sim.samples_per_ui", "sim.seed", "signal.modulation",
                          "signal.symbol_rate", "signal.pattern", "signal.gray", "signal.precode",
                          "tx.swing", "tx.ffe", "tx.rise_time", "tx.rj", "tx.sj", "tx.sj_frequency",
                          "tx.dcd", "tx.snr", "channel.touchstone", "channel.ports",
                          "channel.loss_at_nyquist", "rx.ctle.model", "rx.ctle.gdc", "rx.ctle.gdc2",
                          "rx.ctle.fz", "rx.ctle.fp1", "rx.ctle.fp2", "rx.ctle.flf",
                          "rx.afe_bandwidth", "rx.noise_rms", "eye.target_ber"})
        EXPECT_NE(o.text.find(k), std::string::npos) << k;
}

TEST_F(Cli, HelpEverywhere) {
    EXPECT_EQ(sh(run("--help")).code, 0);
    EXPECT_EQ(sh(run("run --help")).code, 0);
    EXPECT_EQ(sh(run("channel --help")).code, 0);
    EXPECT_EQ(sh(run("frobnicate")).code, 2);
}

TEST_F(Cli, RunWritesCompleteFileAndNothingElse) {
    const auto cfg = write("tiny.toml", kTiny);
    const auto out = (dir_ / "tiny.h5").string();
    const auto o = sh(run("run " + cfg + " -q -o " + out));
    ASSERT_EQ(o.code, 0) << o.text;
    EXPECT_TRUE(fs::exists(out));
    EXPECT_TRUE(only_file_is("tiny.h5"));
    // The schema, read the way users read it (h5py), when Debian's h5py is installed.
    if (sh("/usr/bin/python3 -c 'import h5py'").code != 0) GTEST_SKIP() << "python3-h5py absent";
    const auto chk = sh("/usr/bin/python3 " SI_APPS_TEST_DIR "/check_schema.py " + out);
    EXPECT_EQ(chk.code, 0) << chk.text;
    const auto png = sh("/usr/bin/python3 " SI_SOURCE_DIR "/apps/sisim_plot.py " + out + " --eye " +
                        (dir_ / "eye.png").string() + " --channel " + (dir_ / "ch.png").string());
    EXPECT_EQ(png.code, 0) << png.text;
    EXPECT_GT(fs::file_size(dir_ / "eye.png"), 10000u);
}

TEST_F(Cli, StoredConfigReproducesTheRunFromAnotherFolder) {
    if (sh("/usr/bin/python3 -c 'import h5py'").code != 0) GTEST_SKIP() << "python3-h5py absent";
    const auto model = si::testing::source_path("models/links/c2m_112g_orthobp_12db.toml");
    const auto a = (dir_ / "a.h5").string(), b = (dir_ / "b.h5").string();
    ASSERT_EQ(sh(run("run " + model + " -q -o " + a + " --set sim.symbols=5000")).code, 0);
    const auto cfg = (dir_ / "again.toml").string();
    ASSERT_EQ(sh("/usr/bin/python3 -c \"import h5py; open('" + cfg + "','w').write(h5py.File('" + a +
                 "').attrs['config'])\"").code, 0);
    const auto o = sh("cd / && " + run("run " + cfg + " -q -o " + b));
    ASSERT_EQ(o.code, 0) << o.text;
    const auto cmp = sh("/usr/bin/python3 -c \"import h5py, numpy as np; a=h5py.File('" + a +
                        "'); b=h5py.File('" + b + "'); "
                        "assert np.array_equal(a['eye/rx/histogram'][...], b['eye/rx/histogram'][...]); "
                        "assert a['ber'].attrs['symbol_errors'] == b['ber'].attrs['symbol_errors']\"");
    EXPECT_EQ(cmp.code, 0) << cmp.text;
}

TEST_F(Cli, SetOverridesAndSiUnits) {
    const auto cfg = write("tiny.toml", kTiny);
    const auto out = (dir_ / "o.h5").string();
    const auto o = sh(run("run " + cfg + " -q -o " + out +
                          " --set signal.modulation=nrz --set signal.pattern=prbs9 --set tx.swing=1.2V --set sim.symbols=2k"));
    ASSERT_EQ(o.code, 0) << o.text;
    if (sh("/usr/bin/python3 -c 'import h5py'").code != 0) GTEST_SKIP() << "python3-h5py absent";
    const auto chk = sh("/usr/bin/python3 -c \"import h5py; f=h5py.File('" + out +
                        "'); b=f['ber'].attrs; m=f['eye/rx/metrics'].attrs; "
                        "assert b['symbols_compared']==2000, b['symbols_compared']; "
                        "assert len(m['levels_v'])==2; mc=f['response'].attrs['main_cursor_v']; assert 0.5<mc<=0.6, mc; assert abs(m['levels_v'][1]-mc)<0.01*mc, (m['levels_v'], mc)\"");
    EXPECT_EQ(chk.code, 0) << chk.text;
}

TEST_F(Cli, UnknownKeyIsExit2WithFileLineAndNoOutput) {
    const auto cfg = write("bad.toml", std::string(kTiny) + "swng = 3\n");
    const auto o = sh(run("run " + cfg + " -q -o " + (dir_ / "bad.h5").string()));
    EXPECT_EQ(o.code, 2);
    EXPECT_NE(o.text.find("bad.toml:13"), std::string::npos) << o.text;
    EXPECT_NE(o.text.find("rx.swng"), std::string::npos) << o.text;
    EXPECT_TRUE(only_file_is(""));
}

TEST_F(Cli, ImpossibleValueNamesKeyAndLine) {
    const auto cfg = write("neg.toml", std::string(kTiny) + "[eye]\ntarget_ber = 2.0\n");
    const auto o = sh(run("run " + cfg + " -q -o " + (dir_ / "x.h5").string()));
    EXPECT_EQ(o.code, 2);
    EXPECT_NE(o.text.find("eye.target_ber"), std::string::npos) << o.text;
    EXPECT_NE(o.text.find("neg.toml:14"), std::string::npos) << o.text;
    EXPECT_TRUE(only_file_is(""));
    const auto n = sh(run("run " + write("t.toml", kTiny) + " -q -o " + (dir_ / "y.h5").string() +
                          " --set tx.swing=nan"));
    EXPECT_EQ(n.code, 2) << n.text;
    EXPECT_NE(n.text.find("tx.swing"), std::string::npos) << n.text;
    EXPECT_TRUE(only_file_is(""));
}

TEST_F(Cli, MalformedTouchstoneIsExit2WithLineAndNoOutput) {
    write("broken.s4p",
          "! broken\n# GHz S MA R 50\n"
          "1.0 0.9 0 0.1 0 0.01 0 0.01 0\n 0.1 0 0.9 0 0.01 0 0.01 0\n"
          " 0.01 0 0.01 0 0.9 0 0.1 0\n 0.01 0 0.01 nan 0.1 0 0.9 0\n");
    const auto cfg = write("ch.toml", std::string(kTiny) + "[channel]\ntouchstone = \"broken.s4p\"\n");
    const auto o = sh(run("run " + cfg + " -q -o " + (dir_ / "ch.h5").string()));
    EXPECT_EQ(o.code, 2) << o.text;
    EXPECT_NE(o.text.find("broken.s4p:6"), std::string::npos) << o.text;
    EXPECT_TRUE(only_file_is(""));
}

TEST_F(Cli, KilledRunLeavesNoFile) {
    const auto cfg = write("long.toml", std::string(kTiny) + "");
    const auto o = sh("(" + run("run " + cfg + " -q -o " + (dir_ / "long.h5").string() +
                      " --set sim.symbols=100M") + " & p=$!; sleep 1; kill -TERM $p; wait $p; echo rc=$?)");
    EXPECT_NE(o.text.find("rc=143"), std::string::npos) << o.text;
    EXPECT_TRUE(only_file_is(""));
}

TEST_F(Cli, CtleParametersWithoutCtleAreAnError) {
    const auto cfg = write("c.toml", std::string(kTiny) + "[rx.ctle]\ngdc = -8\n");
    const auto o = sh(run("run " + cfg + " -q -o " + (dir_ / "c.h5").string()));
    EXPECT_EQ(o.code, 2);
    EXPECT_NE(o.text.find("rx.ctle.gdc"), std::string::npos) << o.text;
    EXPECT_NE(o.text.find("c.toml:14"), std::string::npos) << o.text;
}

TEST_F(Cli, MissingChannelFileIsExit2) {
    const auto cfg = write("m.toml", std::string(kTiny) + "[channel]\ntouchstone = \"nope.s4p\"\n");
    const auto o = sh(run("run " + cfg + " -q -o " + (dir_ / "m.h5").string()));
    EXPECT_EQ(o.code, 2);
    EXPECT_NE(o.text.find("nope.s4p"), std::string::npos) << o.text;
    EXPECT_NE(o.text.find("channel.touchstone"), std::string::npos) << o.text;
    EXPECT_EQ(sh(run("run " + (dir_ / "absent.toml").string())).code, 2);
}

TEST_F(Cli, ChannelCommandReportsLossAndWritesChannelGroup) {
    const auto file = si::testing::source_path("models/channels/ieee8023ck_orthobp_12dB/DPO_4in_Meg7_THRU.s4p");
    const auto out = (dir_ / "ch.h5").string();
    const auto o = sh(run("channel " + file + " -o " + out));
    ASSERT_EQ(o.code, 0) << o.text;
    EXPECT_NE(o.text.find("12.1"), std::string::npos) << o.text;  // 12.17 dB at 26.5625 GHz
    EXPECT_TRUE(fs::exists(out));
    EXPECT_EQ(sh(run("channel " + file + " --ports 1,2,3 -o " + out)).code, 2);
}

// ---- robustness (issue 5, section 7) ------------------------------------------------------------

TEST_F(Cli, OutputOverADeviceOrAnInputIsRefused) {
    const auto cfg = write("in.toml", kTiny);
    const std::string before = kTiny;
    // /dev/null would have been replaced by a regular file (rename over the device node).
    auto o = sh(run("run " + cfg + " -q -o /dev/null"));
    EXPECT_EQ(o.code, 2) << o.text;
    EXPECT_NE(o.text.find("not a regular file"), std::string::npos) << o.text;
    EXPECT_TRUE(fs::is_character_file("/dev/null"));
    // The config itself, under another spelling of its path.
    o = sh(run("run " + cfg + " -q -o " + (dir_ / "." / "in.toml").string()));
    EXPECT_EQ(o.code, 2) << o.text;
    EXPECT_NE(o.text.find("an input of the run"), std::string::npos) << o.text;
    std::ifstream in(cfg);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), before);
    // A Touchstone input of `sisim channel`, and a directory.
    const auto ts = si::testing::source_path("models/channels/ieee8023ck_orthobp_12dB/DPO_4in_Meg7_THRU.s4p");
    const auto copy = (dir_ / "c.s4p").string();
    fs::copy_file(ts, copy);
    o = sh(run("channel " + copy + " -q -o " + copy));
    EXPECT_EQ(o.code, 2) << o.text;
    EXPECT_EQ(fs::file_size(copy), fs::file_size(ts));
    o = sh(run("run " + cfg + " -q -o " + dir_.string()));
    EXPECT_EQ(o.code, 2) << o.text;
    EXPECT_NE(o.text.find("a directory"), std::string::npos) << o.text;
    EXPECT_TRUE(only_file_is(""));
}

TEST_F(Cli, FullDiskIsExit2WithoutCrashOrTemporaryFile) {
    // A file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored) makes writes fail with EFBIG exactly as a
    // full disk fails them with ENOSPC, without root; HDF5 then fails in H5Fclose. Before the fix
    // HDF5's atexit clean-up crashed on the half-closed file (exit 139).
    const auto cfg = write("d.toml", kTiny);
    const auto o = sh("sh -c \"trap '' XFSZ; ulimit -f 40; exec " + run("run " + cfg + " -q -o " +
                      (dir_ / "d.h5").string()) + "\"");
    EXPECT_EQ(o.code, 2) << o.text;
    EXPECT_NE(o.text.find("output discarded"), std::string::npos) << o.text;
    EXPECT_EQ(o.text.find("HDF5-DIAG"), std::string::npos) << o.text;  // one message, no dump
    EXPECT_TRUE(only_file_is(""));
}

TEST_F(Cli, WorkerThreadThatCannotStartIsExit2AndLeavesNoFile) {
    // pthread_create fails after the first worker (LD_PRELOAD shim); before the fix the run
    // called std::terminate (exit 134) and left its temporary file.
    const auto cfg = write("t.toml", kTiny);
    const auto o = sh(std::string("SISIM_TEST_THREADS_OK=1 LD_PRELOAD=") + SI_FAIL_PTHREAD_SO + " " +
                      run("run " + cfg + " -q --set sim.symbols=300000 --set sim.threads=4 -o " +
                          (dir_ / "t.h5").string()));
    EXPECT_EQ(o.code, 2) << o.text;
    EXPECT_NE(o.text.find("cannot start worker thread 2 of 4"), std::string::npos) << o.text;
    EXPECT_TRUE(only_file_is(""));
}

TEST_F(Cli, BadFilesAndValuesAreExit2NotInternalErrors) {
    const auto cfg = write("b.toml", kTiny);
    const std::string out = " -q -o " + (dir_ / "b.h5").string();
    const std::string long_name = (dir_ / (std::string(300, 'a') + ".s4p")).string();
    const std::pair<std::string, std::string> cases[] = {
        {"--set channel.touchstone=" + dir_.string(), "is a directory"},
        {"--set channel.crosstalk=" + dir_.string(), "is a directory"},
        {"--set channel.touchstone=" + long_name, "File name too long"},
        {"--set signal.pattern=/dev/zero", "not a regular file"},  // read without end before
        {"--set rx.afe_bandwidth=1e-310", "rx.afe_bandwidth"},    // denormal bandwidths
        {"--set rx.noise_bandwidth=1e-310", "rx.noise_bandwidth"},
        {"--set rx.ctle.model=com --set rx.ctle.fz=1e-310", "rx.ctle.fz"},
        {"--set eye.voltage_range=1e-310", "eye.voltage_range"},
        {"--set sim.samples_per_ui=4294967328", "sim.samples_per_ui: is out of range"},  // ran with 32
        {"--set eye.voltage_bins=4294967312", "eye.voltage_bins: is out of range"},
        {"--set sim.threads=-4294967295", "sim.threads: is out of range"},
        {"--set sim.symbols=1125899906842624", "sim.symbols"},  // 2^50: years
        {"--set tx.swing=1e300", "tx.swing"},
        {"--set eye.voltage_bins=65536 --set sim.samples_per_ui=256 --set sim.threads=1024",
         "eye histograms would need"},
    };
    for (const auto& [args, text] : cases) {
        const auto o = sh(run("run " + cfg + out + " " + args));
        EXPECT_EQ(o.code, 2) << args << "\n" << o.text;
        EXPECT_NE(o.text.find(text), std::string::npos) << args << "\n" << o.text;
    }
    EXPECT_EQ(sh(run("channel " + dir_.string() + out)).code, 2);
    EXPECT_EQ(sh(run("channel " + long_name + out)).code, 2);
    EXPECT_EQ(sh(run("run " + dir_.string() + out)).code, 2);     // directory as config
    EXPECT_EQ(sh(run("run /dev/zero" + out)).code, 2);            // device as config
    EXPECT_TRUE(only_file_is(""));
}

TEST_F(Cli, EveryUnknownKeyIsReportedAtOnce) {
    const auto cfg = write("u.toml", std::string(kTiny) + "swng = 3\n[eye]\nvoltage_binz = 10\n");
    const auto o = sh(run("run " + cfg + " -q -o " + (dir_ / "u.h5").string()));
    EXPECT_EQ(o.code, 2) << o.text;
    EXPECT_NE(o.text.find("u.toml:13:1: unknown key 'rx.swng'"), std::string::npos) << o.text;
    EXPECT_NE(o.text.find("u.toml:15:1: unknown key 'eye.voltage_binz' (did you mean 'eye.voltage_bins'?)"),
              std::string::npos) << o.text;
}

TEST(LinkKeys, RegistryMatchesDefaultsOfTheStructs) {
    // Every registry default must load and produce the LinkSpec defaults (one source of truth).
    si::io::ConfigTree t(sisim::link_keys());
    const auto s = sisim::link_spec_from(t);
    const si::sim::LinkSpec d;
    EXPECT_EQ(s.sim.symbols, d.sim.symbols);
    EXPECT_EQ(s.sim.samples_per_ui, d.sim.samples_per_ui);
    EXPECT_EQ(s.signal.symbol_rate_bd, d.signal.symbol_rate_bd);
    EXPECT_EQ(s.signal.pattern.name, d.signal.pattern.name);
    EXPECT_EQ(s.tx.swing_v, d.tx.swing_v);
    EXPECT_EQ(s.eye.target_ber, d.eye.target_ber);
    EXPECT_EQ(s.eye.voltage_bins, d.eye.voltage_bins);
}

}  // namespace

namespace {
class Presets : public Cli, public ::testing::WithParamInterface<const char*> {};
}  // namespace

TEST_P(Presets, ReceiverPresetRunsAndMeetsItsStatedBer) {
    // Each receiver preset out of the box (fewer symbols): no counted errors in 2e5 symbols (its
    // stated BER is below 1e-5), a statistical SER at the detector below 1e-6, a locked CDR and
    // the /rx, /cdr and /eye/dsp groups.
    const auto model = si::testing::source_path(std::string("models/links/") + GetParam());
    const auto out = (dir_ / "p.h5").string();
    const auto o = sh(run("run " + model + " -q -o " + out + " --set sim.symbols=200000"));
    ASSERT_EQ(o.code, 0) << o.text;
    if (sh("/usr/bin/python3 -c 'import h5py'").code != 0) GTEST_SKIP() << "python3-h5py absent";
    const auto chk = sh("/usr/bin/python3 -c \"import h5py; f=h5py.File('" + out + "'); b=f['ber'].attrs; "
                        "assert b['symbol_errors'] <= 2, b['symbol_errors']; "
                        "assert b['ser_statistical'] < 1e-6, b['ser_statistical']; "
                        "assert f['cdr'].attrs['locked'] == 1; "
                        "assert 'rx' in f and 'eye/dsp' in f and f['rx'].attrs['training_symbols'] > 0\"");
    EXPECT_EQ(chk.code, 0) << chk.text;
}

INSTANTIATE_TEST_SUITE_P(Cli, Presets,
                         ::testing::Values("host_rx_112g_ck.toml", "host_rx_224g_dj.toml",
                                           "host_rx_224g_dj_mlse.toml", "retimer_rx_112g.toml",
                                           "retimer_rx_224g.toml"));

// ------------------------------------------------------------------ optical links, sisim compare
namespace {
class OpticalPresets : public Cli, public ::testing::WithParamInterface<std::pair<const char*, double>> {};
}  // namespace

TEST_P(OpticalPresets, RunsOutOfTheBoxAndReachesItsStatedBer) {
    // docs/architectures.md "Presets" states each preset's BER; 2e5 symbols here: the counted BER
    // stays below the stated bound (binomial headroom included in the bound given).
    const auto [name, bound] = GetParam();
    const auto model = si::testing::source_path(std::string("models/links/") + name);
    const auto out = (dir_ / "o.h5").string();
    const auto o = sh(run("run " + model + " -q -o " + out + " --set sim.symbols=200000"));
    ASSERT_EQ(o.code, 0) << o.text;
    if (sh("/usr/bin/python3 -c 'import h5py'").code != 0) GTEST_SKIP() << "python3-h5py absent";
    const auto chk = sh("/usr/bin/python3 -c \"import h5py; f=h5py.File('" + out + "'); b=f['ber'].attrs; "
                        "assert b['ber'] <= " + std::to_string(bound) + ", b['ber']; "
                        "assert f['response'].attrs['architecture'] in ('lpo', 'cpo')\"");
    EXPECT_EQ(chk.code, 0) << chk.text;
}

INSTANTIATE_TEST_SUITE_P(Cli, OpticalPresets,
                         ::testing::Values(std::pair{"lpo_112g_dr.toml", 2.4e-4}, std::pair{"cpo_112g_dr.toml", 1e-5},
                                           std::pair{"lpo_224g_dr.toml", 1e-3}, std::pair{"cpo_224g_dr.toml", 1e-5}));

TEST_F(Cli, ImpossibleOpticsExit2NamingTheKey) {
    const auto model = si::testing::source_path("models/links/lpo_112g_dr.toml");
    const auto out = (dir_ / "bad.h5").string();
    for (const auto& [set, key] : std::vector<std::pair<std::string, std::string>>{
             {"optics.laser.power_w=-1e-3", "optics.laser.power_w"},
             {"optics.laser.rin_db_hz=3", "optics.laser.rin_db_hz"},
             {"optics.eml.extinction_ratio_db=-2", "optics.eml.extinction_ratio_db"},
             {"link.architecture=retimed", "link.architecture"},
             {"optics.modulator=dml", "optics.modulator"}}) {
        const auto o = sh(run("run " + model + " -q -o " + out + " --set " + set));
        EXPECT_EQ(o.code, 2) << set << ": " << o.text;
        EXPECT_NE(o.text.find(key), std::string::npos) << o.text;
        EXPECT_FALSE(fs::exists(out));
    }
}

TEST_F(Cli, CompareWritesOneRowPerLink) {
    const auto lpo = si::testing::source_path("models/links/lpo_112g_dr.toml");
    const auto cpo = si::testing::source_path("models/links/cpo_112g_dr.toml");
    const auto out = (dir_ / "cmp.h5").string();
    const auto o = sh(run("compare " + lpo + " " + cpo + " -q -o " + out + " --set sim.symbols=20000"));
    ASSERT_EQ(o.code, 0) << o.text;
    EXPECT_NE(o.text.find("lpo_112g_dr"), std::string::npos) << o.text;
    if (sh("/usr/bin/python3 -c 'import h5py'").code != 0) GTEST_SKIP() << "python3-h5py absent";
    // CPO spends less energy per bit than LPO (no LR SerDes, no module overhead); both keep a
    // positive noise margin at 2.4e-4; the fibre flight time dominates the latency.
    const auto chk = sh("/usr/bin/python3 -c \"import h5py; t=h5py.File('" + out + "')['compare/table']; "
                        "r=t[...]; assert len(r)==2; d=lambda x: x.decode() if isinstance(x, bytes) else str(x); "
                        "assert [d(x) for x in r['architecture']]==['lpo','cpo'], r; "
                        "assert r['power_pj_per_bit'][1] < r['power_pj_per_bit'][0]; "
                        "assert (r['margin_db'] > 0).all(), r['margin_db']; "
                        "assert (r['latency_s'] > 2.4e-6).all(); "
                        "c=[d(x) for x in t.attrs['columns']]; u=[d(x) for x in t.attrs['units']]; "
                        "assert u[c.index('margin_db')]=='dB' and u[c.index('latency_s')]=='s', u; "
                        "assert set(['name','ber','ber_statistical']) <= set(t.dtype.names)\"");
    EXPECT_EQ(chk.code, 0) << chk.text;
    // a link with no power chain, or a bad config: exit 2, no file
    const auto bad = sh(run("compare " + lpo + " -q -o " + (dir_ / "b.h5").string() +
                            " --set optics.tia.bandwidth_hz=-1"));
    EXPECT_EQ(bad.code, 2) << bad.text;
    EXPECT_FALSE(fs::exists(dir_ / "b.h5"));
}

TEST_F(Cli, JtolWritesCurveAndRefusesAnIdealClock) {
    const auto cfg = write("j.toml", kTiny);
    const auto out = (dir_ / "j.h5").string();
    // the ideal reference clock has nothing to tolerate with: exit 2 naming the key, no file
    const auto bad = sh(run("jtol " + cfg + " -q -o " + out));
    EXPECT_EQ(bad.code, 2) << bad.text;
    EXPECT_NE(bad.text.find("rx.cdr.model"), std::string::npos) << bad.text;
    EXPECT_FALSE(fs::exists(out));
    const auto o = sh(run("jtol " + cfg + " -q -o " + out +
                          " --set rx.cdr.model=bang_bang --set rx.cdr.bandwidth=20MHz --set sim.samples_per_ui=8"
                          " --frequencies 5MHz,2GHz --target-ber 1e-3 --symbols 20000"));
    ASSERT_EQ(o.code, 0) << o.text;
    if (sh("/usr/bin/python3 -c 'import h5py'").code != 0) GTEST_SKIP() << "python3-h5py absent";
    const auto chk = sh("/usr/bin/python3 -c \"import h5py, numpy as np; g=h5py.File('" + out + "')['jtol']; "
                        "a=g['amplitude_ui'][:]; assert len(a)==2 and a.min() > 0, a; "
                        "assert len(g['mask_ui'][:])==2 and len(g['pass'][:])==2\"");
    EXPECT_EQ(chk.code, 0) << chk.text;
}

// ------------------------------------------------------------------ sisim tdecq
namespace {

// A clean PAM4 power waveform of `ui` UI of PRBS13Q (levels 0.2 .. 0.95 mW) at 8 samples/UI with
// raised-cosine edges of 0.5 UI; optionally with a time gap after sample `gap_at`.
std::vector<std::pair<double, double>> pam4_samples(std::size_t ui, std::uint64_t seed_levels = 0) {
    si::pattern::PatternConfig pc;
    pc.name = "prbs13q";
    si::pattern::SymbolSource src(pc);
    std::vector<std::uint8_t> lv(ui + 1);
    src.generate(lv);
    if (seed_levels)  // random symbols: matches no pattern
        for (std::size_t i = 0; i < lv.size(); ++i) lv[i] = si::random_bits(seed_levels, si::Stream::pattern, i) & 3;
    constexpr int kSpu = 8;
    const double ui_s = 1 / 53.125e9;
    std::vector<std::pair<double, double>> w;
    for (std::size_t k = 0; k < ui; ++k)
        for (int j = 0; j < kSpu; ++j) {
            const double t = (j + 0.5) / kSpu;
            const double a = 0.2e-3 + 0.25e-3 * lv[k], b = 0.2e-3 + 0.25e-3 * lv[k + 1];
            const double u = std::clamp((t - 0.75) / 0.5, 0.0, 1.0);
            w.emplace_back((static_cast<double>(k) + t) * ui_s, a + (b - a) * (0.5 - 0.5 * std::cos(M_PI * u)));
        }
    return w;
}
void write_csv(const std::string& path, const std::vector<std::pair<double, double>>& w) {
    std::ofstream f(path);
    f << "time_s,power_w\n";
    f.precision(17);
    for (const auto& [t, v] : w) f << t << ',' << v << '\n';
}

}  // namespace

TEST_F(Cli, TdecqOfCsvAndHdf5WaveformsAgreeAndWriteTheTdecqGroup) {
    const auto w = pam4_samples(8191 * 2);
    const auto csv = (dir_ / "eye.csv").string();
    write_csv(csv, w);
    const auto out = (dir_ / "t.h5").string();
    const auto o = sh(run("tdecq " + csv + " --symbol-rate 53.125GBd -o " + out));
    ASSERT_EQ(o.code, 0) << o.text;
    EXPECT_NE(o.text.find("pattern prbs13q (100.00 % of decisions agree)"), std::string::npos) << o.text;
    EXPECT_TRUE(only_file_is("t.h5"));
    // The same samples as an HDF5 waveform (the /waveforms layout of docs/hdf5-schema.md).
    const auto h5 = (dir_ / "eye.h5").string();
    {
        auto f = si::io::H5File::create(h5);
        std::vector<double> v;
        for (const auto& p : w) v.push_back(p.second);
        auto ds = f.root().write("waveforms/tx_optical", std::span<const double>(v), {}, "W");
        ds.attr("dt_s", w[1].first - w[0].first);
        f.commit();
    }
    const auto o2 = sh(run("tdecq " + h5 + " --symbol-rate 53.125GBd"));
    ASSERT_EQ(o2.code, 0) << o2.text;
    const auto line = [](const std::string& s) { return s.substr(s.find("  TDECQ"), s.find('\n', s.find("  TDECQ")) - s.find("  TDECQ")); };
    EXPECT_EQ(line(o.text), line(o2.text));  // CSV rounding at 17 digits leaves the printed value
    if (sh("/usr/bin/python3 -c 'import h5py'").code != 0) GTEST_SKIP() << "python3-h5py absent";
    const auto chk = sh("/usr/bin/python3 -c \"import h5py, numpy as np; g = h5py.File('" + out +
                        "')['tdecq']; a = g.attrs; c = a['equalizer_taps']; "
                        "assert len(c) == 5 and abs(c.sum() - 1) < 1e-12, c; "
                        "assert abs(a['oma_outer'] / 0.75e-3 - 1) < 1e-3, a['oma_outer']; "
                        "assert abs(a['extinction_ratio_db'] - 10 * np.log10(0.95 / 0.2)) < 0.01; "
                        "assert a['rlm'] > 0.99 and -0.05 < a['tdecq_db'] < a['ceq_db'] + 0.3; "
                        "assert g['eye/histogram'].shape == (256, 128) and g['eye/histogram'][...].sum() > 0\"");
    EXPECT_EQ(chk.code, 0) << chk.text;
    const auto png = sh("/usr/bin/python3 " SI_SOURCE_DIR "/apps/sisim_plot.py " + out + " --tdecq " +
                        (dir_ / "tdecq.png").string());
    EXPECT_EQ(png.code, 0) << png.text;
    EXPECT_GT(fs::file_size(dir_ / "tdecq.png"), 10000u);
}

TEST_F(Cli, TdecqRefusesUnusableWaveformsWithTheReasonAndNoOutput) {
    const auto out = " -o " + (dir_ / "t.h5").string();
    write_csv((dir_ / "short.csv").string(), pam4_samples(300));
    auto gap = pam4_samples(3000);
    for (std::size_t i = 5000; i < gap.size(); ++i) gap[i].first += 40e-12;  // a 40 ps hole
    write_csv((dir_ / "gap.csv").string(), gap);
    write_csv((dir_ / "random.csv").string(), pam4_samples(3000, 7));
    std::ofstream((dir_ / "text.csv").string()) << "t,v\n0,1\n1e-12,abc\n";
    const std::pair<std::string, std::string> cases[] = {
        {"short.csv", "TDECQ needs at least"},
        {"gap.csv", "gap.csv:5002: non-uniform time steps that cannot be resampled"},
        {"random.csv", "no detectable pattern"},
        {"text.csv", "text.csv:3: value \"abc\" is not a number"},
        {"missing.csv", "no such file"},
    };
    for (const auto& [file, text] : cases) {
        const auto o = sh(run("tdecq " + (dir_ / file).string() + " --symbol-rate 53.125GBd" + out));
        EXPECT_EQ(o.code, 2) << file << "\n" << o.text;
        EXPECT_NE(o.text.find(text), std::string::npos) << file << "\n" << o.text;
    }
    EXPECT_EQ(sh(run("tdecq " + (dir_ / "short.csv").string() + out)).code, 2);  // no symbol rate
    EXPECT_EQ(sh(run("tdecq " + (dir_ / "short.csv").string() + " -r 53.125GBd -e bogus" + out)).code, 2);
    EXPECT_TRUE(only_file_is(""));
}

// ------------------------------------------------------------------ links of several hops
namespace {
class MultiHopPresets : public Cli, public ::testing::WithParamInterface<std::pair<const char*, double>> {};
}  // namespace

TEST_P(MultiHopPresets, RunsOutOfTheBoxWithPerHopAndEndToEndResults) {
    // docs/architectures.md "Presets" states each preset's BER; 2e5 symbols here. The file holds
    // /hop/<i>/ groups (each a single-hop result), the end-to-end /ber counted against the
    // pattern, /link and /budget; the end-to-end errors are the hops' (no coincidences here).
    const auto [name, bound] = GetParam();
    const auto model = si::testing::source_path(std::string("models/links/") + name);
    const auto out = (dir_ / "m.h5").string();
    const auto o = sh(run("run " + model + " -q -o " + out + " --set sim.symbols=200000"));
    ASSERT_EQ(o.code, 0) << o.text;
    if (sh("/usr/bin/python3 -c 'import h5py'").code != 0) GTEST_SKIP() << "python3-h5py absent";
    const auto chk = sh(
        "/usr/bin/python3 -c \"import h5py; f=h5py.File('" + out + "'); b=f['ber'].attrs; H=int(f['link'].attrs['hops']); "
        "assert H == len(f['hop']) and H >= 2, H; "
        "assert b['symbols_compared'] == 200000, b['symbols_compared']; "
        "assert b['ber'] <= " + std::to_string(bound) + ", b['ber']; "
        "s=sum(int(f['hop/%d/ber' % i].attrs['symbol_errors']) for i in range(H)); "
        "assert b['hop_symbol_errors'] == s and b['symbol_errors'] <= s, (s, b['symbol_errors']); "
        "assert all(f['hop/%d/cdr' % i].attrs['locked'] == 1 for i in range(H)); "
        "assert all('eye/rx/metrics' in f['hop/%d' % i] and 'channel' in f['hop/%d' % i] for i in range(H)); "
        "assert [int(f['hop/%d' % i].attrs['retimer']) for i in range(H)] == [1]*(H-1) + [0]; "
        "assert any(int(f['hop/%d' % i].attrs['optical']) for i in range(H)); "
        "assert f['budget'].attrs['latency_s'] > 2.4e-6 and len(f['budget/hop']) >= H; "
        "assert 'eye/rx/histogram' in f; "
        "t=f['hop/1/tdecq'].attrs; assert 0.5 < t['tdecq_db'] < 4.5 and 0.9 < t['rlm'] <= 1, (t['tdecq_db'], t['rlm']); "
        "assert f['hop/1/waveforms/optical_tx'].attrs['units'] in ('W', b'W')\"");
    EXPECT_EQ(chk.code, 0) << chk.text;
}

INSTANTIATE_TEST_SUITE_P(Cli, MultiHopPresets,
                         ::testing::Values(std::pair{"retimed_112g_dr.toml", 1e-5}, std::pair{"lro_112g_dr.toml", 1e-5},
                                           std::pair{"retimed_224g_dr.toml", 2.4e-4}, std::pair{"lro_224g_dr.toml", 1e-3},
                                           std::pair{"cpo_112g_dr_retimer.toml", 1e-5},
                                           std::pair{"cpo_224g_dr_retimer.toml", 2e-4}));

TEST_F(Cli, MultiHopBadInputExit2NamingTheKey) {
    const auto model = si::testing::source_path("models/links/retimed_112g_dr.toml");
    const auto single = si::testing::source_path("models/links/lpo_112g_dr.toml");
    const auto out = (dir_ / "bad.h5").string();
    for (const auto& [cfg, set, key] : std::vector<std::tuple<std::string, std::string, std::string>>{
             {model, "hop.0.rx.cdr.model=ideal", "hop.0.rx.cdr."},  // a retimer without a CDR (its CDR keys refused)
             {model, "hop.1.optics.laser.power_w=-1e-3", "hop.1.optics.laser.power_w"},
             {model, "hop.1.optics.laser.rin_db_hz=3", "hop.1.optics.laser.rin_db_hz"},
             {model, "hop.2.tx.swing=-1", "hop.2.tx.swing"},
             {model, "tx.swing=0.5", "tx.swing"},                          // a single-hop key
             {model, "hop.3.tx.swing=0.5", "hop.3.tx.swing"},              // past the last hop
             {model, "link.hops=9", "link.hops"},
             {single, "hop.0.tx.swing=0.5", "hop.0.tx.swing"}}) {          // hop keys, one hop
        const auto o = sh(run("run " + cfg + " -q -o " + out + " --set " + set));
        EXPECT_EQ(o.code, 2) << set << ": " << o.text;
        EXPECT_NE(o.text.find(key), std::string::npos) << o.text;
        EXPECT_FALSE(fs::exists(out));
    }
    // a file location when the bad key is in the file
    const auto bad = write("bad.toml", "[link]\nhops = 2\n[hop.0.rx]\ncdr.model = \"ideal\"\n[hop.1.tx]\nswing = 0.5\n");
    const auto o = sh(run("run " + bad + " -q -o " + out));
    EXPECT_EQ(o.code, 2) << o.text;
    EXPECT_NE(o.text.find("bad.toml:4:13: hop.0.rx.cdr.model: hop 0 ends in a retimer"), std::string::npos) << o.text;
}

TEST_F(Cli, CompareTakesLinksOfSeveralHops) {
    const auto lpo = si::testing::source_path("models/links/lpo_112g_dr.toml");
    const auto ret = si::testing::source_path("models/links/retimed_112g_dr.toml");
    const auto out = (dir_ / "cmp.h5").string();
    const auto o = sh(run("compare " + lpo + " " + ret + " -q -o " + out + " --set sim.symbols=20000"));
    ASSERT_EQ(o.code, 0) << o.text;
    if (sh("/usr/bin/python3 -c 'import h5py'").code != 0) GTEST_SKIP() << "python3-h5py absent";
    // the retimed link pays two module DSPs: more energy per bit and more latency than LPO
    const auto chk = sh("/usr/bin/python3 -c \"import h5py; r=h5py.File('" + out + "')['compare/table'][...]; "
                        "d=lambda x: x.decode() if isinstance(x, bytes) else str(x); "
                        "assert [d(x) for x in r['architecture']]==['lpo','retimed'], r; "
                        "assert r['power_pj_per_bit'][1] > r['power_pj_per_bit'][0] + 4; "
                        "assert r['latency_s'][1] > r['latency_s'][0] + 10e-9; "
                        "assert (r['margin_db'] > 0).all(), r['margin_db']\"");
    EXPECT_EQ(chk.code, 0) << chk.text;
}

TEST_F(Cli, RetimedOpticalLinkIsBitIdenticalForAnyThreadCount) {
    // retimers (CDR, DFE, ADC) and nonlinear optics (driver and TIA tanh, EML curve) in the chain
    const auto model = si::testing::source_path("models/links/retimed_112g_dr.toml");
    std::vector<std::string> outs;
    for (int t : {1, 3}) {
        outs.push_back((dir_ / ("t" + std::to_string(t) + ".h5")).string());
        const auto o = sh(run("run " + model + " -q -o " + outs.back() +
                              " --set sim.symbols=90000 --set sim.segment_symbols=30000 --set hop.1.rx.noise_rms=12mV"
                              " --set sim.threads=" + std::to_string(t)));
        ASSERT_EQ(o.code, 0) << o.text;
    }
    if (sh("/usr/bin/python3 -c 'import h5py'").code != 0) GTEST_SKIP() << "python3-h5py absent";
    const auto chk = sh(
        "/usr/bin/python3 -c \"import h5py, numpy as np; a=h5py.File('" + outs[0] + "'); b=h5py.File('" + outs[1] + "'); "
        "assert a['ber'].attrs['symbol_errors'] > 0; "
        "assert all(a['ber'].attrs[k] == b['ber'].attrs[k] for k in ('symbol_errors','bit_errors','hop_symbol_errors')); "
        "assert all(np.array_equal(a['hop/%d/eye/rx/histogram' % i][...], b['hop/%d/eye/rx/histogram' % i][...]) for i in range(3)); "
        "assert all(a['hop/%d/cdr' % i].attrs['rms_jitter_ui'] == b['hop/%d/cdr' % i].attrs['rms_jitter_ui'] for i in range(3))\"");
    EXPECT_EQ(chk.code, 0) << chk.text;
}

TEST_F(Cli, InRunTdecqEqualsSisimTdecqOnTheWrittenWaveform) {
    // the optical probe of a run (/waveforms/optical_tx, /tdecq) read back by `sisim tdecq`:
    // the same TDECQ, Ceq, OMA, ER and RLM; for a single-hop CPO link at the root and for the
    // optical hop of a retimed link under /hop/1
    for (const auto& [model, prefix] : std::vector<std::pair<std::string, std::string>>{
             {"models/links/cpo_112g_dr.toml", ""}, {"models/links/retimed_112g_dr.toml", "hop/1/"}}) {
        const auto run_h5 = (dir_ / "run.h5").string(), t_h5 = (dir_ / "t.h5").string();
        fs::remove(run_h5);
        fs::remove(t_h5);
        const auto o = sh(run("run " + si::testing::source_path(model) + " -q -o " + run_h5 +
                              " --set sim.symbols=20000 --set signal.pattern=prbs13q"
                              " --set output.optical_waveform_symbols=16384"));
        ASSERT_EQ(o.code, 0) << o.text;
        const auto t = sh(run("tdecq " + run_h5 + " --dataset /" + prefix + "waveforms/optical_tx --pattern prbs13q -q -o " + t_h5));
        ASSERT_EQ(t.code, 0) << t.text;
        if (sh("/usr/bin/python3 -c 'import h5py'").code != 0) GTEST_SKIP() << "python3-h5py absent";
        const auto chk = sh(
            "/usr/bin/python3 -c \"import h5py; a=h5py.File('" + run_h5 + "')['" + prefix + "tdecq'].attrs; "
            "b=h5py.File('" + t_h5 + "')['tdecq'].attrs; "
            "assert 0.5 < a['tdecq_db'] < 4.0, a['tdecq_db']; "
            "assert all(abs(a[k] - b[k]) <= 1e-9 * max(1.0, abs(a[k])) for k in "
            "('tdecq_db','ceq_db','oma_outer','extinction_ratio_db','rlm')), [(k, a[k], b[k]) for k in a]; "
            "assert list(a['equalizer_taps']) == list(b['equalizer_taps'])\"");
        EXPECT_EQ(chk.code, 0) << model << ": " << chk.text;
    }
    // a link without optics refuses the probe before running
    const auto bad = sh(run("run " + si::testing::source_path("models/links/c2m_112g_orthobp_12db.toml") + " -q -o " +
                            (dir_ / "b.h5").string() + " --set output.optical_waveform_symbols=4096"));
    EXPECT_EQ(bad.code, 2) << bad.text;
    EXPECT_NE(bad.text.find("output.optical_waveform_symbols"), std::string::npos) << bad.text;
    EXPECT_FALSE(fs::exists(dir_ / "b.h5"));
}

TEST_F(Cli, CdrEyeCentringPredictsTheLockPointAndCentresTheSampler) {
    // lpo_224g_dr with a bang-bang CDR: the Alexander detector locks ~0.08 UI from the design
    // phase on this asymmetric optical pulse (and wanders +-0.03 UI: 4e5 symbols average it).
    // The lock point predicted from the pulse matches the measured one within 0.02 UI, and rx.cdr.eye_centering = "auto" moves the sampler back: the
    // SER drops to the ideal clock's.
    const auto model = si::testing::source_path("models/links/lpo_224g_dr.toml");
    std::vector<std::string> outs;
    for (const char* ec : {"off", "auto"}) {
        outs.push_back((dir_ / (std::string(ec) + ".h5")).string());
        const auto o = sh(run("run " + model + " -q -o " + outs.back() +
                              " --set sim.symbols=400000 --set eye.symbols=0 --set rx.cdr.model=bang_bang --set rx.cdr.bandwidth=4MHz"
                              " --set rx.cdr.eye_centering=" + ec));
        ASSERT_EQ(o.code, 0) << o.text;
    }
    if (sh("/usr/bin/python3 -c 'import h5py'").code != 0) GTEST_SKIP() << "python3-h5py absent";
    const auto chk = sh(
        "/usr/bin/python3 -c \"import h5py; a=h5py.File('" + outs[0] + "'); b=h5py.File('" + outs[1] + "'); "
        "ca=a['cdr'].attrs; cb=b['cdr'].attrs; "
        "assert ca['mean_phase_ui'] > 0.05, ca['mean_phase_ui']; "
        "assert abs(ca['predicted_lock_ui'] - ca['mean_phase_ui']) < 0.02, (ca['predicted_lock_ui'], ca['mean_phase_ui']); "
        "assert abs(cb['mean_phase_ui']) < 0.03, cb['mean_phase_ui']; "
        "assert abs(cb['eye_centering_offset_ui'] + ca['predicted_lock_ui']) < 1e-12; "
        "assert b['ber'].attrs['ser'] < a['ber'].attrs['ser'] / 5, (b['ber'].attrs['ser'], a['ber'].attrs['ser'])\"");
    EXPECT_EQ(chk.code, 0) << chk.text;
    // "auto" with the ideal clock is a mistake: exit 2 naming the key
    const auto bad = sh(run("run " + model + " -q -o " + (dir_ / "b.h5").string() + " --set rx.cdr.eye_centering=auto"));
    EXPECT_EQ(bad.code, 2) << bad.text;
    EXPECT_NE(bad.text.find("rx.cdr.eye_centering"), std::string::npos) << bad.text;
}

TEST_F(Cli, StoredConfigOfAMultiHopRunRunsAgainIdentically) {
    // the root attribute `config` of a multi-hop result holds the hop keys (and not the
    // single-hop keys such a link refuses), with file paths made absolute: it runs as it is
    const auto model = si::testing::source_path("models/links/lro_112g_dr.toml");
    const auto a = (dir_ / "a.h5").string(), b = (dir_ / "b.h5").string(), cfg = (dir_ / "stored.toml").string();
    ASSERT_EQ(sh(run("run " + model + " -q -o " + a + " --set sim.symbols=20000 --set hop.1.rx.noise_rms=8mV")).code, 0);
    if (sh("/usr/bin/python3 -c 'import h5py'").code != 0) GTEST_SKIP() << "python3-h5py absent";
    ASSERT_EQ(sh("/usr/bin/python3 -c \"import h5py; c=h5py.File('" + a + "').attrs['config']; "
                 "open('" + cfg + "', 'w').write(c.decode() if isinstance(c, bytes) else c)\"").code, 0);
    const auto o = sh(run("run " + cfg + " -q -o " + b));
    ASSERT_EQ(o.code, 0) << o.text;
    const auto chk = sh("/usr/bin/python3 -c \"import h5py, numpy as np; a=h5py.File('" + a + "'); b=h5py.File('" + b + "'); "
                        "assert a['ber'].attrs['symbol_errors'] > 0; "
                        "assert all(a['ber'].attrs[k] == b['ber'].attrs[k] for k in ('symbol_errors','bit_errors','symbols_compared')); "
                        "assert all(np.array_equal(a['hop/%d/eye/rx/histogram' % i][...], b['hop/%d/eye/rx/histogram' % i][...]) for i in range(2))\"");
    EXPECT_EQ(chk.code, 0) << chk.text;
}
