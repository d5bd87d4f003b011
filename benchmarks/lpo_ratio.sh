#!/usr/bin/env bash
# Issue 7's speed figure: the LPO link's waveform samples per CPU second against the electrical
# waveform path of the same lane, from one bm_engine run per round (`BM_LpoLink`, 1e6 symbols,
# eye off, 1 thread; counters `marginal_samples_per_cpu_s` of optics:1 = LPO and optics:2 =
# electrical waveform path: the rate beyond a 1e5-symbol run, so fixed costs drop out).
# Several binaries alternate round by round, so that builds compare on the same machine state.
#
#   benchmarks/lpo_ratio.sh ROUNDS build/bm_engine [/path/to/other/bm_engine ...]
#
# Prints one line per run (LPO and electrical in M samples per CPU s, their ratio) and the median
# ratio per binary. Run it on an otherwise idle machine (it prints the load average).
set -euo pipefail
usage() { echo "usage: $0 ROUNDS BM_ENGINE... (ROUNDS a positive integer, each BM_ENGINE executable)" >&2; exit 2; }
[ $# -ge 2 ] || usage
rounds=$1
shift
[[ $rounds =~ ^[1-9][0-9]*$ ]] || usage
for b in "$@"; do [ -x "$b" ] || { echo "$0: $b: not an executable" >&2; exit 2; }; done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A ratios
for r in $(seq 1 "$rounds"); do
    for b in "$@"; do
        out=$("$b" --benchmark_filter='BM_LpoLink/symbols:1000000/optics:(1|2)' 2>/dev/null)
        line=$(printf '%s\n' "$out" | /usr/bin/python3 -c '
import re, sys
v = {}
for l in sys.stdin:
    m = re.search(r"optics:(\d).*marginal_samples_per_cpu_s=([0-9.]+)([kMG]?)", l)
    if m:
        v[m.group(1)] = float(m.group(2)) * {"": 1, "k": 1e3, "M": 1e6, "G": 1e9}[m.group(3)]
print("%.1f %.1f %.4f" % (v["1"] / 1e6, v["2"] / 1e6, v["1"] / v["2"]))')
        read -r lpo ele ratio <<<"$line"
        printf '%-40s LPO %6.1f M  electrical %6.1f M  ratio %.3f\n' "$b" "$lpo" "$ele" "$ratio"
        ratios[$b]="${ratios[$b]:-} $ratio"
    done
done
for b in "$@"; do
    printf '%-40s median ratio %s\n' "$b" "$(printf '%s\n' ${ratios[$b]} | sort -n |
        awk '{a[NR]=$1} END {print (a[int((NR+1)/2)] + a[int(NR/2)+1]) / 2}')"
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
