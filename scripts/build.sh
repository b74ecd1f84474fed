#!/usr/bin/env bash
# Configures and builds one build tree: scripts/build.sh DIR [cmake args...]
# (warnings are errors here: -DSIPSYNC_WERROR=ON)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$1; shift
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSIPSYNC_WERROR=ON "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"
