#!/usr/bin/env bash
# Issue 6 speed targets, end to end with `sisim run` (1 thread, CPU time of the streaming as the
# run writes it: /run streaming_cpu_s), for one or more sisim binaries run alternately so that
# they see the same machine load:
#   full   the bundled 112G example as it is: ideal clock, eye on every UI, 32 samples/UI;
#   ber    the same lane as a BER run: bang-bang CDR (20 MHz), 16-tap FFE (3 pre), 1-tap DFE,
#          eye off (target: >= 10 M UI per CPU second, and >= 3x the full path);
#   mlse   the 224G host receiver with MLSE (models/links/host_rx_224g_dj_mlse.toml), CDR, eye
#          off (target: >= 5 M UI per CPU second).
#
#   benchmarks/receiver_speed.sh [-n SYMBOLS] [-r ROUNDS] SISIM [SISIM ...]
#
# Prints one line per run: binary, case, symbols, UI per CPU second of the streaming, UI per
# wall second, and the load average; then the median per binary and case.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/.." && pwd)
py=/usr/bin/python3
symbols=4000000
rounds=3
while getopts "n:r:" o; do
    case $o in
        n) symbols=$OPTARG ;;
        r) rounds=$OPTARG ;;
        *) echo "usage: $0 [-n SYMBOLS] [-r ROUNDS] SISIM [SISIM ...]" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
if [[ $# -eq 0 ]]; then set -- "$src/build/sisim"; fi
for b in "$@"; do
    [[ -x "$b" ]] || { echo "receiver_speed.sh: not an executable: $b" >&2; exit 2; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

example="$src/models/links/c2m_112g_orthobp_12db.toml"
args_for() {
    case $1 in
        full) echo "$example --set sim.symbols=$((symbols / 4))" ;;  # 4x slower: a quarter
        ber) echo "$example --set sim.symbols=$symbols --set eye.symbols=0 --set rx.ffe.taps=16 \
--set rx.ffe.pre=3 --set rx.dfe.taps=1 --set rx.cdr.model=bang_bang --set rx.cdr.bandwidth=20MHz" ;;
        mlse) echo "$src/models/links/host_rx_224g_dj_mlse.toml --set sim.symbols=$symbols --set eye.symbols=0" ;;
    esac
}

results="$tmp/results.txt"
for ((r = 0; r < rounds; r++)); do
    for c in full ber mlse; do
        k=0
        for b in "$@"; do
            k=$((k + 1))
            # shellcheck disable=SC2046
            line=$("$py" - "$tmp/out.h5" "$b" run $(args_for $c) --set sim.threads=1 -q -o "$tmp/out.h5" <<'EOF'
import os, subprocess, sys, h5py
out, cmd = sys.argv[1], sys.argv[2:]
p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
_, status, ru = os.wait4(p.pid, 0)
if status != 0:
    sys.exit("run failed: " + " ".join(cmd))
f = h5py.File(out, "r")
run = f["run"].attrs
n = float(f["ber"].attrs["symbols_compared"])
# CPU of the streaming as the run measured it; binaries older than /run streaming_cpu_s: CPU of
# the whole process (start-up, model build and file writing included: a lower bound)
cpu = float(run["streaming_cpu_s"]) if "streaming_cpu_s" in run else ru.ru_utime + ru.ru_stime
print("%.4g %.4g %.4g" % (n, n / cpu / 1e6, n / float(run["elapsed_s"]) / 1e6))
EOF
)
            load=$(cut -d' ' -f1 /proc/loadavg)
            echo "$k $c $line $load" >> "$results"
            printf '%-40s %-5s UI %-9s %7s M UI/cpu_s %7s M UI/s  load %s\n' "$b" "$c" $line "$load"
        done
    done
done
echo "medians (M UI per CPU second of the streaming; UI = symbols counted):"
"$py" - "$results" "$@" <<'EOF'
import sys, statistics
rows = [l.split() for l in open(sys.argv[1])]
bins = sys.argv[2:]
for k, b in enumerate(bins, 1):
    med = {}
    for c in ("full", "ber", "mlse"):
        v = [float(r[3]) for r in rows if r[0] == str(k) and r[1] == c]
        med[c] = statistics.median(v)
    print("%s: full %.2f, ber %.2f (%.1fx full), mlse %.2f" %
          (b, med["full"], med["ber"], med["ber"] / med["full"], med["mlse"]))
EOF
