#!/usr/bin/env bash
# Runs every libFuzzer target in BUILD_DIR/tests for SECONDS each, starting
# from its seed corpus under tests/fuzz/corpus/<target>/ when present.
set -euo pipefail
build=$1
seconds=${2:-20}
src=$(cd "$(dirname "$0")" && pwd)
shopt -s nullglob
found=0
for bin in "$build"/tests/fuzz_*; do
  [ -x "$bin" ] || continue
  found=1
  name=$(basename "$bin")
  work=$(mktemp -d)
  seeds=()
  [ -d "$src/corpus/$name" ] && seeds=("$src/corpus/$name")
  echo "fuzz: $name for ${seconds}s"
  ASAN_OPTIONS=detect_leaks=1 "$bin" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 "$work" "${seeds[@]}" 2>&1 | tail -3
  rm -rf "$work"
done
[ $found = 1 ] || echo "fuzz: no targets built"
