#!/usr/bin/python3
"""Tests of `sisim sweep` / `sisim merge` (issue 8, docs/sweeps.md), run by CTest one case each:

    sweep_test.py SISIM_EXE SOURCE_DIR CASE

Every case asserts on results read back with h5py; none compares timings. Exit 77 = skipped
(CTest SKIP_RETURN_CODE), used only where SLURM daemons or mpirun are truly unavailable.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

SISIM, SRC, CASE = sys.argv[1], sys.argv[2], sys.argv[3]
BASE = os.path.join(SRC, "models/links/c2m_112g_orthobp_12db.toml")
TMP = tempfile.mkdtemp(prefix="sisim_sweep_%s_" % CASE)


def run(args, check=True, env=None, **kw):
    p = subprocess.run([SISIM] + args, cwd=TMP, capture_output=True, text=True, env=env, **kw)
    if check and p.returncode != 0:
        raise AssertionError("sisim %s: exit %d\n%s\n%s" % (" ".join(args), p.returncode, p.stdout, p.stderr))
    return p


def write(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write(text)
    return path


# A small, fast grid on the bundled 112G lane: 2 gains x 3 noise values, 2000 symbols.
SMALL = """[sweep]
base = "%s"
keep = "all"
[[sweep.axis]]
key = "rx.ctle.gdc"
values = [-10, -6]
[[sweep.axis]]
key = "rx.noise_rms"
values = ["0.5mV", "1mV", "3mV"]
[sim]
symbols = 2000
""" % BASE


def datasets(group):
    out = {}
    group.visititems(lambda n, o: out.__setitem__(n, o) if isinstance(o, h5py.Dataset) else None)
    return out


def assert_same_result(run_file, point_group, where):
    """Every dataset bit for bit, and every group attribute except the creation time, the
    command line and the /run timings."""
    with h5py.File(run_file) as r:
        a, b = datasets(r), datasets(point_group)
        assert sorted(a) == sorted(b), "%s: datasets differ: %s vs %s" % (where, sorted(a), sorted(b))
        for name in a:
            x, y = a[name], b[name]
            assert x.dtype == y.dtype and x.shape == y.shape, "%s: %s dtype/shape" % (where, name)
            assert x[...].tobytes() == y[...].tobytes(), "%s: dataset %s differs" % (where, name)
        groups = []
        r.visititems(lambda n, o: groups.append(n) if isinstance(o, h5py.Group) else None)
        for g in groups:
            if g == "run":
                continue
            for k, v in r[g].attrs.items():
                w = point_group[g].attrs[k]
                assert np.asarray(v).tobytes() == np.asarray(w).tobytes() or str(v) == str(w), \
                    "%s: attribute %s/%s differs" % (where, g, k)
        for k in ("seed", "schema_version"):
            assert str(r.attrs[k]) == str(point_group.attrs[k]), "%s: root attribute %s" % (where, k)
        # The stored configs hold the same values; only "# default" comments differ (a config
        # read back from a file has every key set).
        strip = lambda t: [l.split("#")[0].rstrip() for l in t.splitlines() if l.split("#")[0].strip()]
        assert strip(r.attrs["config"]) == strip(point_group.attrs["config"]), "%s: config" % where


def points_table(path):
    with h5py.File(path) as f:
        return f["sweep/points"][...]


def same_table(t1, t2, where):
    assert t1.dtype.names == t2.dtype.names, "%s: columns differ" % where
    for n in t1.dtype.names:
        assert np.asarray(t1[n]).tobytes() == np.asarray(t2[n]).tobytes() or list(t1[n]) == list(t2[n]), \
            "%s: column %s differs" % (where, n)


def check_points_vs_run(out, indices=None):
    with h5py.File(os.path.join(TMP, out)) as f:
        configs = f["sweep/configs"].asstr()[...]
        n = len(configs)
        for i in (range(n) if indices is None else indices):
            cfg = write("point%d.toml" % i, configs[i])
            run(["run", cfg, "-q", "-o", "point%d.h5" % i])
            assert_same_result(os.path.join(TMP, "point%d.h5" % i), f["sweep/point/%d" % i],
                               "%s point %d" % (out, i))


def case_list_order():
    # 3 axes: a key (2 values), a zipped pair (3 rows), a range (count 4): 2*3*4 = 24 points,
    # the first axis slowest, the zipped keys moving together.
    s = write("list.toml", """[sweep]
base = "%s"
[[sweep.axis]]
key = "rx.ctle.gdc"
values = [-8, -6]
[[sweep.axis]]
keys = ["tx.rise_time", "rx.afe_bandwidth"]
values = [["5ps", 30e9], ["7.5ps", 40e9], ["10ps", 50e9]]
[[sweep.axis]]
key = "rx.noise_rms"
start = 1e-4
stop = 1e-2
count = 3
scale = "log"
""" % BASE)
    lines = [l for l in run(["sweep", "--list", s]).stdout.splitlines() if not l.startswith("#")]
    assert len(lines) == 2 * 3 * 3, len(lines)
    want = []
    for g in ("-8", "-6"):
        for rt, bw in (('"5ps"', "30000000000"), ('"7.5ps"', "40000000000"), ('"10ps"', "50000000000")):
            for nz in ("0.0001", "0.001", "0.01"):
                want.append((g, rt, bw, nz))
    for i, (line, w) in enumerate(zip(lines, want)):
        f = line.split()
        assert f[0] == str(i), line
        kv = dict(x.split("=", 1) for x in f[1:])
        assert (kv["rx.ctle.gdc"], kv["tx.rise_time"]) == w[:2], (line, w)
        assert float(kv["rx.afe_bandwidth"]) == float(w[2]), (line, w)
        assert float(kv["rx.noise_rms"]) == float(w[3]), (line, w)
    # Seeds come from the values, not the index: reordering an axis keeps each point's seed.
    seeds = {tuple(l.split()[1:-1]): l.split()[-1] for l in lines}
    s2 = write("list2.toml", open(s).read().replace("values = [-8, -6]", "values = [-6, -8, -4]"))
    lines2 = [l for l in run(["sweep", "--list", s2]).stdout.splitlines() if not l.startswith("#")]
    assert len(lines2) == 27
    for l in lines2:
        key = tuple(l.split()[1:-1])
        if key in seeds:
            assert seeds[key] == l.split()[-1], "seed changed for %s" % (key,)
    assert len(set(l.split()[-1] for l in lines2)) == 27, "seeds must differ between points"
    # Common random numbers: every point gets the base seed.
    s3 = write("list3.toml", open(s).read().replace("[sweep]\n", '[sweep]\nseeds = "common"\n'))
    common = {l.split()[-1] for l in run(["sweep", "--list", s3]).stdout.splitlines() if not l.startswith("#")}
    assert common == {"sim.seed=1"}, common


def case_bit_identical_local():
    s = write("small.toml", SMALL)
    run(["sweep", s, "-o", "j1.h5", "-j", "1", "-q"])
    run(["sweep", s, "-o", "j2.h5", "-j", "2", "-q"])
    same_table(points_table(os.path.join(TMP, "j1.h5")), points_table(os.path.join(TMP, "j2.h5")), "j1 vs j2")
    # Points whose full results are not kept go through an in-memory HDF5 file (uncompressed):
    # the same table.
    s0 = write("small_nokeep.toml", SMALL.replace('keep = "all"\n', ""))
    run(["sweep", s0, "-o", "nokeep.h5", "-q"])
    same_table(points_table(os.path.join(TMP, "j1.h5")), points_table(os.path.join(TMP, "nokeep.h5")), "kept vs not")
    with h5py.File(os.path.join(TMP, "nokeep.h5")) as f:
        assert "point" not in f["sweep"]
    check_points_vs_run("j1.h5")
    check_points_vs_run("j2.h5")
    with h5py.File(os.path.join(TMP, "j1.h5")) as f:
        t = f["sweep/points"][...]
        assert len(t) == 6 and f["sweep"].attrs["failed"] == 0
        assert list(t["rx.noise_rms"]) == [5e-4, 1e-3, 3e-3] * 2
        assert list(t["rx.ctle.gdc"]) == [-10.0] * 3 + [-6.0] * 3
        units = dict(zip(f["sweep/points"].attrs["columns"], f["sweep/points"].attrs["units"]))
        assert units["rx.noise_rms"] == "V" and units["eye_height_v[0]"] == "V" and units["ser"] == ""
        # The table's scalars are the point's own attributes.
        for i in range(6):
            p = f["sweep/point/%d" % i]
            assert t["ser"][i] == p["ber"].attrs["ser"] and t["ber_statistical"][i] == p["ber"].attrs["ber_statistical"]
            assert t["eye_height_v[2]"][i] == p["eye/rx/metrics"].attrs["eye_height_v"][2]
            assert t["seed"][i] == p.attrs["seed"]
    # The CSV export holds the same rows.
    run(["sweep", s, "-o", "j1.h5", "-q", "--csv", "j1.csv"])
    import csv
    rows = list(csv.DictReader(open(os.path.join(TMP, "j1.csv"))))
    assert len(rows) == 6 and float(rows[4]["ser"]) == t["ser"][4]


def case_link_reuse():
    # A worker reuses its previous point's link when only the noise, seed, pattern or symbol
    # count change (Link::with), and builds a new one when the pulse changes (rx.ctle.gdc): every
    # point, reused or not, stays bit-identical to `sisim run` of its config, including after a
    # rebuild and when a reused link is reused again.
    s = write("reuse.toml", """[sweep]
base = "%s"
keep = "all"
[[sweep.axis]]
keys = ["rx.noise_rms", "sim.seed", "signal.pattern", "sim.symbols", "rx.ctle.gdc"]
values = [["1mV", 1, "prbs31", 2000, -8],
          ["2mV", 1, "prbs31", 2000, -8],
          ["2mV", 5, "prbs31", 2000, -8],
          ["2mV", 5, "prbs13", 2000, -8],
          ["2mV", 5, "prbs13", 3000, -8],
          ["2mV", 5, "prbs13", 3000, -6],
          ["1mV", 5, "prbs13", 3000, -6]]
""" % BASE)
    run(["sweep", s, "-o", "reuse.h5", "-j", "1", "-q"])
    check_points_vs_run("reuse.h5")
    with h5py.File(os.path.join(TMP, "reuse.h5")) as f:
        t = f["sweep/points"][...]
        assert len(t) == 7 and f["sweep"].attrs["failed"] == 0
        # the keys took effect (else the comparison could not tell reused links apart)
        assert t["ser"][0] != t["ser"][1] or t["eye_height_v[0]"][0] != t["eye_height_v[0]"][1]
        assert t["eye_height_v[0]"][4] != t["eye_height_v[0]"][5]


def case_shards():
    s = write("small.toml", SMALL)
    run(["sweep", s, "-o", "ref.h5", "-q"])
    ref = points_table(os.path.join(TMP, "ref.h5"))
    for n in (1, 3, 7):
        out = "shard%d.h5" % n
        for i in range(n):
            run(["sweep", s, "--shard", "%d/%d" % (i, n), "-o", out, "-q"])
        run(["merge", out + ".parts", "-o", out, "-q"])
        same_table(ref, points_table(os.path.join(TMP, out)), "shards N=%d" % n)
        check_points_vs_run(out, [0, 5])


def case_failed_point():
    s = write("bad.toml", """[sweep]
base = "%s"
[[sweep.axis]]
keys = ["tx.swing", "channel.touchstone"]
values = [["0.8V", "%s"], [-1, "%s"], ["0.8V", "/nonexistent/missing.s4p"]]
[sim]
symbols = 2000
""" % (BASE, os.path.join(SRC, "models/channels/ieee8023ck_orthobp_12dB/DPO_4in_Meg7_THRU.s4p"),
       os.path.join(SRC, "models/channels/ieee8023ck_orthobp_12dB/DPO_4in_Meg7_THRU.s4p")))
    d = run(["sweep", "--dry-run", s], check=False)
    assert d.returncode == 2, d
    assert "point 1 " in d.stderr and "tx.swing" in d.stderr, d.stderr
    assert "point 2 " in d.stderr and "missing.s4p" in d.stderr, d.stderr
    assert "point 0 " not in d.stderr
    p = run(["sweep", s, "-o", "bad.h5", "-q"], check=False)
    assert p.returncode == 3, (p.returncode, p.stderr)
    with h5py.File(os.path.join(TMP, "bad.h5")) as f:
        t = f["sweep/points"][...]
        assert list(t["ok"]) == [1, 0, 0]
        assert f["sweep"].attrs["failed"] == 2
        err = [e.decode() if isinstance(e, bytes) else e for e in t["error"]]
        assert err[0] == "" and "tx.swing" in err[1] and "missing.s4p" in err[2], err
        assert np.isfinite(t["ser"][0]) and np.isnan(t["ser"][1]) and np.isnan(t["ser"][2])


def case_merge_refuses():
    s = write("small.toml", SMALL)
    other = write("other.toml", SMALL.replace("values = [-10, -6]", "values = [-10, -7]"))
    run(["sweep", s, "--shard", "0/2", "-o", "a.h5", "-q"])
    run(["sweep", other, "--shard", "1/2", "-o", "b.h5", "-q"])
    p = run(["merge", "a.h5.parts", "b.h5.parts", "-o", "m.h5"], check=False)
    assert p.returncode == 2 and "another sweep" in p.stderr and "b.h5.parts" in p.stderr, p.stderr
    assert not os.path.exists(os.path.join(TMP, "m.h5"))
    # Missing points are named.
    p = run(["merge", "a.h5.parts", "-o", "m.h5"], check=False)
    assert p.returncode == 2 and "3 of 6 points missing: 1, 3, 5" in p.stderr, p.stderr
    p = run(["merge", "a.h5.parts", "-o", "m.h5", "--allow-partial", "-q"])
    assert len(points_table(os.path.join(TMP, "m.h5"))) == 3
    # Duplicates: the same sweep's shard 0 run into a second directory.
    run(["sweep", s, "--shard", "0/2", "-o", "c.h5", "-q"])
    p = run(["merge", "a.h5.parts", "c.h5.parts", "-o", "m2.h5"], check=False)
    assert p.returncode == 2 and "duplicate" in p.stderr and "point 0 in" in p.stderr, p.stderr
    # A work directory of another sweep is not reused.
    p = run(["sweep", other, "-o", "a.h5", "-q"], check=False)
    assert p.returncode == 2 and "another sweep" in p.stderr, p.stderr


def case_records_any_layout():
    """Merge reads sisim's own record layout with a fast reader and any other valid TOML layout of
    the same record with a TOML parser: both give the same table bit for bit; a damaged record is
    named with its line."""
    s = write("small.toml", SMALL.replace('keep = "all"\n', ""))
    run(["sweep", s, "--shard", "0/1", "-o", "a.h5", "-q"])
    run(["merge", "a.h5.parts", "-o", "ref.h5", "-q"])
    ref = points_table(os.path.join(TMP, "ref.h5"))
    pts = os.path.join(TMP, "a.h5.parts", "points")
    recs = sorted(f for f in os.listdir(pts) if f.endswith(".rec"))
    assert len(recs) == 6, recs
    for name in recs[::2]:  # every other record re-laid out: both readers in one merge
        path = os.path.join(pts, name)
        with open(path) as f:
            text = f.read()
        lines = []
        for line in text.split("\n"):
            if line.startswith("result_values = ["):  # an array over several lines
                line = "result_values = [\n  " + line[len("result_values = ["):].replace(", ", ",\n  ")
            elif line.startswith("index = "):
                line = "index=" + line[len("index = "):] + "  # edited"
            lines.append(line)
        with open(path, "w") as f:
            f.write("# laid out by hand\n" + "\n".join(lines))
    run(["merge", "a.h5.parts", "-o", "relaid.h5", "-q"])
    same_table(ref, points_table(os.path.join(TMP, "relaid.h5")), "re-laid records")
    with h5py.File(os.path.join(TMP, "ref.h5")) as a, h5py.File(os.path.join(TMP, "relaid.h5")) as b:
        assert list(a["sweep/configs"].asstr()[...]) == list(b["sweep/configs"].asstr()[...])
    # A damaged record (cut short, as by a full disk) is named with its line; nothing is written.
    path = os.path.join(pts, recs[1])
    with open(path) as f:
        text = f.read()
    with open(path, "w") as f:
        f.write(text[: text.index("config = ") + 40])
    p = run(["merge", "a.h5.parts", "-o", "bad.h5"], check=False)
    assert p.returncode == 2 and recs[1] in p.stderr and ":6" in p.stderr, p.stderr
    assert not os.path.exists(os.path.join(TMP, "bad.h5"))
    # The sweep run again takes the damaged point as not done and runs it alone.
    log = os.path.join(TMP, "runs.log")
    run(["sweep", s, "-o", "a.h5", "-q"], env=dict(os.environ, SISIM_SWEEP_RUN_LOG=log))
    with open(log) as f:
        assert f.read().split() == [recs[1][:-4]]
    same_table(ref, points_table(os.path.join(TMP, "a.h5")), "after rerunning the damaged point")


def case_resume_sigterm():
    s = write("resume.toml", """[sweep]
base = "%s"
[[sweep.axis]]
key = "rx.ctle.gdc"
start = -12
stop = -4
count = 5
[[sweep.axis]]
key = "rx.noise_rms"
start = 0.5e-3
stop = 2e-3
count = 8
[sim]
symbols = 4000
""" % BASE)
    n = 40
    run(["sweep", s, "-o", "ref.h5", "-q"])
    log = os.path.join(TMP, "runs.log")
    env = dict(os.environ, SISIM_SWEEP_RUN_LOG=log)
    p = subprocess.Popen([SISIM, "sweep", s, "-o", "cut.h5", "-q", "-j", "2"], cwd=TMP, env=env)
    recs = os.path.join(TMP, "cut.h5.parts/points")
    t0 = time.time()
    while time.time() - t0 < 120:
        if os.path.isdir(recs) and len([x for x in os.listdir(recs) if x.endswith(".rec")]) >= 8:
            break
        time.sleep(0.02)
    p.send_signal(signal.SIGTERM)
    rc = p.wait(60)
    done_before = len([x for x in os.listdir(recs) if x.endswith(".rec")])
    assert rc == 128 + signal.SIGTERM, rc
    assert 8 <= done_before < n, "the kill came too late to test resuming (%d done)" % done_before
    assert not os.path.exists(os.path.join(TMP, "cut.h5"))
    assert not [x for x in os.listdir(recs) if ".tmp-" in x], "temporary files left behind"
    run(["sweep", s, "-o", "cut.h5", "-q"], env=env)
    same_table(points_table(os.path.join(TMP, "ref.h5")), points_table(os.path.join(TMP, "cut.h5")), "resumed")
    with h5py.File(os.path.join(TMP, "ref.h5")) as a, h5py.File(os.path.join(TMP, "cut.h5")) as b:
        assert list(a["sweep/configs"].asstr()[...]) == list(b["sweep/configs"].asstr()[...])
    runs = [int(x) for x in open(log).read().split()]
    assert sorted(runs) == list(range(n)), "points recorded twice or never: %s" % sorted(runs)


def skip(reason):
    # Under CI (CI=true) nothing may be skipped: scripts/setup-and-test.sh installs and starts it.
    if os.environ.get("CI") == "true":
        raise AssertionError("CI=true but " + reason)
    print("SKIP: " + reason)
    sys.exit(77)


def case_mpi():
    mpirun = shutil.which("mpirun")
    if not mpirun:
        skip("mpirun not installed (scripts/install-deps.sh installs openmpi-bin)")
    if "--mpi" not in run(["sweep", "--help"]).stdout:
        raise AssertionError("sisim lacks --mpi although mpirun is installed")
    s = write("small.toml", SMALL)
    run(["sweep", s, "-o", "ref.h5", "-q", "-j", "2"])
    p = subprocess.run([mpirun, "--allow-run-as-root", "--oversubscribe", "-n", "3", SISIM, "sweep", s,
                        "--mpi", "-o", "mpi.h5", "-q"], cwd=TMP, capture_output=True, text=True, timeout=600)
    if p.returncode != 0 and "built without MPI" in p.stderr:
        raise AssertionError(p.stderr)
    assert p.returncode == 0, p.stderr + p.stdout
    same_table(points_table(os.path.join(TMP, "ref.h5")), points_table(os.path.join(TMP, "mpi.h5")), "mpi")
    check_points_vs_run("mpi.h5", [0, 3, 5])


def case_plot():
    # apps/sisim_plot.py draws a metric against one swept key (one line per value of the other)
    # or two (heat map); models/sweeps/sweep_pandas.py loads the table into pandas.
    s = write("small.toml", SMALL.replace('keep = "all"\n', ""))
    run(["sweep", s, "-o", "p.h5", "-q"])
    plot = os.path.join(SRC, "apps/sisim_plot.py")
    py = lambda *a: subprocess.run(["/usr/bin/python3"] + list(a), cwd=TMP, capture_output=True, text=True)
    for args, png in ((["--metric", "ser", "--x", "rx.noise_rms"], "line.png"),
                      (["--metric", "eye_height_v[1]", "--x", "rx.ctle.gdc", "--y", "rx.noise_rms"], "heat.png"),
                      (["--x", "rx.noise_rms", "--select", "rx.ctle.gdc=-6"], "sel.png")):
        p = py(plot, "p.h5", "--sweep", png, *args)
        assert p.returncode == 0, p.stderr
        with open(os.path.join(TMP, png), "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n", png
    p = py(plot, "p.h5", "--metric", "no_such_metric")
    assert p.returncode == 2 and "no column 'no_such_metric'" in p.stderr, p.stderr
    p = py(plot, "p.h5", "--select", "rx.ctle.gdc=99")
    assert p.returncode == 2 and "no successful point" in p.stderr, p.stderr
    p = py(os.path.join(SRC, "models/sweeps/sweep_pandas.py"), "p.h5", "pd.png")
    assert p.returncode == 0 and "6 points, 0 failed" in p.stdout, p.stdout + p.stderr
    assert os.path.getsize(os.path.join(TMP, "pd.png")) > 1000


# 10,000 short points (ideal channel, 1000 symbols, 8 samples/UI).
LARGE = """[sweep]
[[sweep.axis]]
key = "rx.noise_rms"
start = 1e-4
stop = 1e-2
count = 100
scale = "log"
[[sweep.axis]]
key = "tx.snr"
start = 20
stop = 40
count = 100
[sim]
symbols = 1000
samples_per_ui = 8
[eye]
voltage_bins = 64
"""


def case_large_local():
    # 10,000 short points (ideal channel, 200 symbols, 8 samples/UI) run locally and merge.
    s = write("large.toml", LARGE)

    run(["sweep", s, "-o", "large.h5", "-q"])
    check_large(os.path.join(TMP, "large.h5"))


def check_large(path):
    with h5py.File(path) as f:
        t = f["sweep/points"][...]
        assert len(t) == 10000 and f["sweep"].attrs["failed"] == 0
        assert list(t["index"]) == list(range(10000))
        assert len(set(t["seed"])) == 10000
        assert "point" not in f["sweep"]


def slurm_env():
    conf = os.environ.get("SLURM_CONF", "")
    if not conf or not os.path.exists(conf):
        skip("no local SLURM cluster (the slurm.start fixture could not start the daemons: "
             "scripts/slurm-local.sh start needs root or password-less sudo, and slurm-wlm + munge)")
    env = dict(os.environ, PATH=os.environ.get("PATH", "") + ":/usr/sbin")
    p = subprocess.run(["sinfo", "-h", "-o", "%t"], capture_output=True, text=True, env=env)
    assert p.returncode == 0 and p.stdout.strip() in ("idle", "mix", "alloc"), "SLURM not up: %s %s" % (p.stdout, p.stderr)
    return env


def submit_and_wait(env, sweep, out, tasks, timeout):
    p = run(["sweep", sweep, "-o", out, "--submit", "slurm", "--array-size", str(tasks)], env=env)
    lines = p.stdout.splitlines()
    assert lines[0].startswith("array job ") and lines[1].startswith("merge job "), p.stdout
    array_id, merge_id = lines[0].split()[2], lines[1].split()[2]
    t0 = time.time()
    while time.time() - t0 < timeout:
        q = subprocess.run(["squeue", "-h", "-j", "%s,%s" % (array_id, merge_id)], capture_output=True, text=True, env=env)
        if q.returncode == 0 and not q.stdout.strip():
            break
        time.sleep(1)
    else:
        subprocess.run(["scancel", array_id, merge_id], env=env)
        raise AssertionError("SLURM jobs did not finish in %d s" % timeout)
    logs = os.path.join(TMP, out + ".parts/slurm")
    merge_log = open(os.path.join(logs, "merge-%s.log" % merge_id)).read()
    assert "sisim merge:" in merge_log, merge_log
    for t in range(tasks):
        assert os.path.exists(os.path.join(logs, "array-%s_%d.log" % (array_id, t))), "no log of task %d" % t
    return os.path.join(TMP, out)


def case_slurm():
    env = slurm_env()
    s = write("small.toml", SMALL)
    run(["sweep", s, "-o", "ref.h5", "-q"])
    out = submit_and_wait(env, s, "slurm.h5", 3, 300)
    same_table(points_table(os.path.join(TMP, "ref.h5")), points_table(out), "slurm array")
    check_points_vs_run("slurm.h5", [0, 4])


def case_slurm_large():
    env = slurm_env()
    s = write("large.toml", LARGE)
    out = submit_and_wait(env, s, "large.h5", 4, 1200)
    check_large(out)


def main():
    try:
        globals()["case_" + CASE]()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    print("ok: " + CASE)


if __name__ == "__main__":
    main()
