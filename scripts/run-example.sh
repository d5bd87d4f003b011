#!/usr/bin/env bash
# README command 1: install, build, simulate the bundled 112G lane, draw the eye.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh build -DSI_BUILD_TESTS=OFF -DSI_BUILD_BENCHMARKS=OFF
mkdir -p out
./build/sisim run models/links/c2m_112g_orthobp_12db.toml -o out/c2m_112g.h5
/usr/bin/python3 apps/sisim_plot.py out/c2m_112g.h5 --eye out/c2m_112g_eye.png --channel out/c2m_112g_channel.png
