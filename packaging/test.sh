#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test with CTest
# (Qt widget tests on the offscreen platform).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/install-deps.sh"
"$here/build.sh"
cd "$here/../build"
export QT_QPA_PLATFORM=offscreen
ctest --output-on-failure --timeout 900 "$@"
