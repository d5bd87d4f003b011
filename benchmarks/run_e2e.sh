#!/usr/bin/env bash
# End-to-end timing of `sisim run` on the bundled 112G example (53.125 GBd PAM4, 32 samples/UI)
# at several symbol counts: wall time, UI/s, waveform samples/s per core and peak RSS, to show
# the throughput and that memory does not grow with the symbol count.
#
#   benchmarks/run_e2e.sh [SISIM_BINARY] [SYMBOLS ...]
#
# SISIM_BINARY defaults to build/sisim (then build-bench/sisim) under the source tree;
# SYMBOLS defaults to "1e6 1e7". Extra --set options can be passed in SISIM_SET, e.g.
#   SISIM_SET="--set tx.rj=0.01" benchmarks/run_e2e.sh build-bench/sisim 1e6
# Threads: sim.threads=1 unless SISIM_THREADS is set (samples/s per core divides by it).
# Peak RSS comes from GNU time (/usr/bin/time -v, Debian package "time") when installed,
# else from a getrusage(RUSAGE_CHILDREN) wrapper in python3.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/.." && pwd)
config="$src/models/links/c2m_112g_orthobp_12db.toml"

bin=${1:-}
if [[ -z "$bin" ]]; then
    for cand in "$src/build/sisim" "$src/build-bench/sisim"; do
        if [[ -x "$cand" ]]; then bin=$cand; break; fi
    done
fi
if [[ -z "$bin" || ! -x "$bin" ]]; then
    echo "run_e2e.sh: sisim binary not found (got '${1:-}'); build it or pass its path" >&2
    exit 2
fi
shift || true
sizes=("$@")
[[ ${#sizes[@]} -eq 0 ]] && sizes=(1e6 1e7)
threads=${SISIM_THREADS:-1}
read -r -a extra <<<"${SISIM_SET:-}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# measure CMD... -> writes "wall_s user_s sys_s maxrss_kb" to $tmp/usage
measure() {
    if [[ -x /usr/bin/time ]]; then
        /usr/bin/time -v -o "$tmp/time.txt" "$@"
        awk -F': ' '
            /Elapsed \(wall clock\)/ { n = split($2, p, ":"); w = 0; for (i = 1; i <= n; ++i) w = w * 60 + p[i] }
            /User time/ { u = $2 } /System time/ { s = $2 } /Maximum resident/ { r = $2 }
            END { printf "%s %s %s %s\n", w, u, s, r }' "$tmp/time.txt" >"$tmp/usage"
    else
        python3 - "$@" >"$tmp/usage" <<'PY'
import resource, subprocess, sys, time
t0 = time.perf_counter()
subprocess.run(sys.argv[1:], check=True)
w = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{w} {ru.ru_utime} {ru.ru_stime} {ru.ru_maxrss}")
PY
    fi
}

echo "sisim:   $bin"
echo "config:  $config (threads=$threads${SISIM_SET:+, $SISIM_SET})"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %8s %8s %8s %10s %12s %14s %14s %10s\n' symbols wall_s user_s sys_s engine_s "UI/s" "samples/s/core" "samples/cpu_s" peak_RSS
for n in "${sizes[@]}"; do
    measure "$bin" run "$config" --set "sim.symbols=$n" --set "sim.threads=$threads" "${extra[@]}" \
        -o "$tmp/out.h5" >"$tmp/stdout.txt" 2>"$tmp/stderr.txt" || {
        echo "sisim failed for $n symbols:" >&2
        cat "$tmp/stderr.txt" >&2
        exit 1
    }
    read -r wall user sys rss <"$tmp/usage"
    # "  0.508 s, 63.0 Msamples/s; wrote ..." : the engine's own time (si::sim::run only)
    engine=$(grep -Eo '^ *[0-9.]+ s, [0-9.]+ Msamples/s' "$tmp/stdout.txt" "$tmp/stderr.txt" 2>/dev/null |
             head -1 | sed -E 's/.*: *//; s/^ *([0-9.]+) s.*/\1/')
    python3 - "$n" "$wall" "$user" "$sys" "${engine:-nan}" "$rss" "$threads" <<'PY'
import sys
n, wall, user, sys_s, engine, rss, thr = sys.argv[1:]
n = float(n); wall = float(wall); user = float(user); sys_s = float(sys_s); thr = int(thr)
samples = n * 32  # waveform samples at 32 samples/UI (the engine also computes a short warm-up)
cpu = user + sys_s
print(f"{n:<8.0e} {wall:8.2f} {user:8.2f} {sys_s:8.2f} {engine:>10} {n / wall / 1e6:10.2f} M "
      f"{samples / wall / thr / 1e6:12.1f} M {samples / cpu / 1e6:12.1f} M {int(rss) / 1024:7.1f} MiB")
PY
done
echo "(wall/user/sys/RSS: whole process incl. start-up, model build and HDF5 output;"
echo " engine_s: si::sim::run() only, as printed by sisim; samples = symbols x 32)"
