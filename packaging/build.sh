#!/usr/bin/env bash
# Configures and builds into ./build (Release, ccache). Used by run.sh and test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_DIR="${CCACHE_DIR:-$PWD/.cache/ccache}"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
# Each LibTorch source takes ~1.3 GB to compile: one job per 2 GB of memory, at most one per core.
mem_gb=$(awk '/MemAvailable/ {print int($2 / 1048576)}' /proc/meminfo)
jobs=$(( mem_gb / 2 )); cores=$(nproc)
[ "$jobs" -gt "$cores" ] && jobs=$cores
[ "$jobs" -lt 1 ] && jobs=1
cmake --build build -j "$jobs"
