#!/usr/bin/env bash
# README command 2 (and .ci/run): install, build everything in Release, run the whole test suite,
# then the ASan/UBSan build of the parsers with short libFuzzer runs (sanitize-and-fuzz.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh build -DSI_BUILD_TESTS=ON -DSI_BUILD_BENCHMARKS=ON
cd build
ctest --output-on-failure --timeout 900 -j "$(nproc)"
cd ..
# Sanitizers and short fuzz runs of the parsers (a few minutes on 2 cores).
./scripts/sanitize-and-fuzz.sh
