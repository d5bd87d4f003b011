#!/usr/bin/env bash
# Configures and builds sisim in Release into ./build (or $1).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "${@:2}"
cmake --build "$dir" --parallel "$(nproc)"
