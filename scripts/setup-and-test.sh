#!/usr/bin/env bash
# README command 2 (and .ci/run): install, build everything in Release, run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh build -DSI_BUILD_TESTS=ON -DSI_BUILD_BENCHMARKS=ON
cd build
ctest --output-on-failure --timeout 900 -j "$(nproc)"
