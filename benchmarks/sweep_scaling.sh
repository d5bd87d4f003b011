#!/usr/bin/env bash
# Local and MPI scaling of `sisim sweep` (docs/performance.md, "Sweeps"): the bundled 112G example
# at sim.symbols = 1e4 over a noise axis of POINTS points, run with 1 and 2 local workers and with
# K = 1, 2 MPI worker ranks (mpirun -n K+1: rank 0 only hands out points and merges). The
# 1-worker run is pinned to one core (taskset) so that its points run single-threaded (a sweep
# gives each worker cores/workers threads). Prints wall time, points/s, points/s per worker and
# the parallel efficiency T1 / (n Tn) from wall times, and the CPU time of all processes of the
# run: on a machine shared with other work the wall times show the contention, while the CPU
# ratio (CPU of 1 worker / CPU of n workers; 1 = no parallel overhead) does not depend on it.
#
#   benchmarks/sweep_scaling.sh build/sisim [POINTS=40] [SYMBOLS=1e4] [REPEAT=3] [AXIS=noise]
#
# AXIS = noise: rx.noise_rms from 0.5 to 2 mV (every point has its own statistical eye; the
# channel and pulse are reused from the worker's previous point);
# AXIS = seed: sim.seed 1..POINTS (the points share the pulse, so its statistical eye and SER
# are computed once per worker); AXIS = gdc: rx.ctle.gdc from -10 to -4 dB (every point its
# own pulse: nothing is reused); LOCAL_ONLY=1 skips the MPI runs.
#
# Wall times include the merge (a fraction of a second). Each configuration runs REPEAT times
# and the shortest wall time counts (other processes on a shared machine only ever slow a run
# down); run on an otherwise idle machine: the script prints the highest 1-minute load average
# seen before the runs of each configuration.
set -euo pipefail
sisim=$(readlink -f "${1:?usage: $0 SISIM [POINTS] [SYMBOLS]}")
points=${2:-40}
symbols=${3:-1e4}
repeat=${4:-3}
axis=${5:-noise}
src=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/sisim-scaling.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/s.toml" <<EOF
[sweep]
base = "$src/models/links/c2m_112g_orthobp_12db.toml"
$(if [ "$axis" = seed ]; then
  printf '[[sweep.axis]]\nkey = "sim.seed"\nstart = 1\nstop = %s\nstep = 1\n' "$points"
elif [ "$axis" = gdc ]; then
  printf '[[sweep.axis]]\nkey = "rx.ctle.gdc"\nstart = -10\nstop = -4\ncount = %s\n' "$points"
else
  printf '[[sweep.axis]]\nkey = "rx.noise_rms"\nstart = 0.5e-3\nstop = 2e-3\ncount = %s\n' "$points"
fi)
[sim]
symbols = $symbols
threads = 1
EOF
cd "$tmp"
"$sisim" sweep s.toml -o warm.h5 -q -j 1 --set sim.symbols=1000 >/dev/null 2>&1 || true  # page cache
t1=""
c1=""
run() {  # label workers command...
  local label=$1 n=$2
  shift 2
  local best="" cpu="" load=0 r l out
  for r in $(seq "$repeat"); do
    rm -rf out.h5 out.h5.parts
    l=$(cut -d' ' -f1 /proc/loadavg)
    load=$(awk -v x="$l" -v y="$load" 'BEGIN {print (x > y) ? x : y}')
    # bash's time keyword: wall, and user + sys CPU of every process of the run (MPI ranks too)
    out=$( { TIMEFORMAT='%R %U %S'; time "$@" >/dev/null 2>&1; } 2>&1 )
    read -r w u s <<<"$out"
    if [ -z "$best" ] || awk -v w="$w" -v b="$best" 'BEGIN {exit !(w < b)}'; then
      best=$w
      cpu=$(awk -v u="$u" -v s="$s" 'BEGIN {print u + s}')
    fi
  done
  [ -z "$t1" ] && t1=$best && c1=$cpu
  awk -v l="$label" -v ld="$load" -v t="$best" -v c="$cpu" -v p="$points" -v n="$n" -v t1="$t1" -v c1="$c1" 'BEGIN {
    printf "%-24s load <= %5s  %7.2f s  %6.2f points/s  %5.2f points/s/worker  efficiency %.3f  CPU %6.2f s (%.3f of 1 worker)\n",
           l, ld, t, p / t, p / t / n, t1 / (n * t), c, c1 / c }'
}
echo "sisim sweep scaling: $points points ($axis axis) of $symbols symbols, $(nproc) cores, best of $repeat"
run "local -j 1 (1 core)" 1 taskset -c 0 "$sisim" sweep s.toml -o out.h5 -q -j 1
run "local -j 2" 2 "$sisim" sweep s.toml -o out.h5 -q -j 2
if [ -z "${LOCAL_ONLY:-}" ] && command -v mpirun >/dev/null && "$sisim" sweep --help | grep -q -- --mpi; then
  for k in 1 2; do
    run "mpirun -n $((k + 1)) (K=$k)" "$k" mpirun --allow-run-as-root --oversubscribe -n $((k + 1)) \
      "$sisim" sweep s.toml --mpi -o out.h5 -q
  done
fi
