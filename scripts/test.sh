#!/usr/bin/env bash
# Installs what is needed, checks the C formatting, builds, and runs the
# whole test suite twice: a normal build, then an AddressSanitizer +
# UndefinedBehaviorSanitizer build; then each fuzz target for a short
# fixed time.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh --with-node

jobs=$(nproc)
echo "== format (clang-format --dry-run -Werror, .clang-format)"
git ls-files '*.c' '*.h' | xargs clang-format --dry-run -Werror
echo "format: ok"

echo "== normal build"
bash scripts/build.sh build/release
ctest --test-dir build/release --output-on-failure -j"$jobs"

echo "== no warning with the flags users and distributions build with"
bash scripts/build-matrix.sh build/matrix

echo "== sanitizer build (ASan + UBSan)"
bash scripts/build.sh build/asan -DCMAKE_BUILD_TYPE=Debug -DSIPSYNC_SANITIZE=ON
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/asan --output-on-failure -j"$jobs"

echo "== fuzz (short fixed run; longer by hand: tests/fuzz/README.md)"
CC=clang bash scripts/build.sh build/fuzz -DCMAKE_BUILD_TYPE=Debug -DSIPSYNC_FUZZ=ON
bash tests/fuzz/run.sh build/fuzz "${FUZZ_SECONDS:-20}"

# Slow package checks, once, outside ctest (77 = cannot run here: skipped).
for check in "tests/package/deb.sh build/release" "tests/package/image.sh build/release"; do
  echo "== package: $check"
  rc=0
  bash $check || rc=$?
  [ "$rc" -eq 0 ] || [ "$rc" -eq 77 ] || exit "$rc"
done
