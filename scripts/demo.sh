#!/usr/bin/env bash
# Installs what is needed, builds, and runs the demo: validate the examples,
# start the simulator on loopback, then plan and apply examples/ against it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh build/release
bin=build/release

echo "== sipsync validate examples/minimal.yaml --offline"
"$bin/sipsync" validate examples/minimal.yaml --offline
