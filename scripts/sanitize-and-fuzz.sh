#!/usr/bin/env bash
# Sanitizer and fuzz stage of CI (called by setup-and-test.sh after the Release suite; also
# runnable alone). With clang and libFuzzer (Debian 12: clang, libclang-rt-14-dev):
#   1. builds the libraries, the sisim command and the unit tests of core, pattern, channel,
#      analysis, io, sim and the CLI with ASan + UBSan (every finding fatal) into
#      build-sanitize/ and runs them (tx, dsp, rx unit tests and benchmarks are left out for time);
#   2. runs the libFuzzer targets for the Touchstone reader and the config tree/validation for
#      SI_FUZZ_SECONDS each (default 45), seeded with the bundled Touchstone files and configs.
# A crash, sanitizer report, leak or over-limit allocation fails the script; libFuzzer writes the
# input that triggered it to build-sanitize/fuzz-findings/ (reproduce: ./si_fuzz_X FILE).
# Measured on 2 shared cores: about 2.5 min of build, 1 min of tests, 2 x SI_FUZZ_SECONDS.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-sanitize}
secs=${SI_FUZZ_SECONDS:-45}
jobs=$(nproc)

cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -USI_ONLY_MODULES \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DSI_SANITIZER=address,undefined -DSI_BUILD_FUZZERS=ON \
  -DSI_BUILD_TESTS=ON -DSI_BUILD_BENCHMARKS=OFF
cmake --build "$dir" --parallel "$jobs" --target \
  si_fuzz_touchstone si_fuzz_config si_core_tests si_pattern_tests si_channel_tests \
  si_analysis_tests si_io_tests si_sim_tests si_apps_tests sisim si_fail_pthread_create

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd "$dir" && ctest --output-on-failure --timeout 600 -j "$jobs" \
  -R '^(core|pattern|channel|analysis|io|sim)\.|^Cli\.|^LinkKeys\.' \
  -E 'Receiver\.(JitterTolerance|Mlse|FfeDfe|FfeCounted)|Tdecq\.TwoHundred|StatisticalSerFollowsTxJitter|ResultsDoNotDependOnThreads|Presets')
# (excluded above: the long statistical runs, 2-10 min each under ASan; the same code paths run
# under ASan in the shorter receiver, CDR, thread and engine tests)

# Seeds: every Touchstone file of the suite, prefixed with the byte that picks a file name with
# its extension (fuzz/touchstone_fuzz.cpp); the bundled configs for the config target.
work="$dir/fuzz-work"
rm -rf "$work"
mkdir -p "$work/ts" "$work/cfg" "$dir/fuzz-findings"
names=(s1p s2p s3p s4p ts s6p s8p s10p s12p s16p s22p s32p)
i=0
for f in tests/data/channel/skrf/* models/channels/*/*.s4p; do
  [ -f "$f" ] || continue
  ext=$(echo "${f##*.}" | tr 'A-Z' 'a-z')
  sel=15
  for k in "${!names[@]}"; do [ "${names[$k]}" = "$ext" ] && sel=$k; done
  { printf "\\x$(printf %x $((0x40 + sel)))"; head -c 65536 "$f"; } >"$work/ts/seed$i"
  i=$((i + 1))
done
cp models/links/*.toml "$work/cfg/"
printf '@sim.samples_per_ui=4294967328\n[tx]\nswing = "1e300V"\n' >"$work/cfg/overrides"

fuzz() {  # target corpus
  "$dir/fuzz/$1" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$dir/fuzz-findings/$1-" "$2" 2>&1 |
    grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|==[0-9]+==|SUMMARY|.*runtime error)" || true
  return "${PIPESTATUS[0]}"
}
fuzz si_fuzz_touchstone "$work/ts"
fuzz si_fuzz_config "$work/cfg"
echo "sanitize-and-fuzz: ASan/UBSan tests passed, no fuzz findings in 2 x ${secs} s"
