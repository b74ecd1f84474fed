#!/usr/bin/env bash
# Times `sipsync validate` on a generated maximal desired state: 20 agent
# allowances with patterns, 10 fallback secrets, 100 CIDR ranges and 1,000
# registrations, secrets resolved from the environment. Prints the time per
# run of the whole process (start, read, parse, validate, exit) over N runs,
# and the time of load_desired alone (tests/bench/bench_load.c, compiled here
# against the libsipsync_core.a next to the binary), which excludes the
# process start-up (loading ~40 shared libraries).
#
#   bash tests/bench/bench_validate.sh [SIPSYNC_BINARY] [RUNS]
# Goal: well under 10 ms per run.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-${SIPSYNC:-$here/build/release/sipsync}}
runs=${2:-50}
[ -x "$bin" ] || { echo "no sipsync binary at $bin (build first)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
file=$work/max.yaml

{
  echo "version: 1"
  echo "account:"
  echo "  domain: acme.sip.ultravox.ai"
  echo "sip:"
  echo "  allowedCidrRanges:"
  for i in $(seq 0 99); do echo "    - 10.$i.0.0/16"; done
  echo "  allowAllAgents: false"
  echo "  allowedAgents:"
  for i in $(seq 1 20); do
    printf '    - agentId: 0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d%04x\n' "$i"
    printf "      toUserPattern: '^(line%d|ext-%d[0-9]{2}|sales_%d)\$'\n" "$i" "$i" "$i"
  done
  echo "  fallbackHandler:"
  echo "    url: https://hooks.example.com/ultravox/sip"
  echo "    secrets:"
  for i in $(seq 1 10); do echo "      - {env: BENCH_FALLBACK_SECRET}"; done
  echo "registrations:"
  echo "  prune: true"
  echo "  items:"
  for i in $(seq 1 1000); do
    echo "    - username: user-$i"
    echo "      proxy: pbx$((i % 7)).example.com"
    echo "      password: {env: BENCH_PBX_PASSWORD}"
    echo "      outboundProxy: null"
    echo "      authUser: auth-$i"
  done
} > "$file"

export BENCH_FALLBACK_SECRET=bench-fallback-secret BENCH_PBX_PASSWORD=bench-password
"$bin" validate "$file" >/dev/null || { "$bin" validate "$file"; exit 1; }
start=$(date +%s%N)
for _ in $(seq 1 "$runs"); do "$bin" validate -q "$file" >/dev/null; done
end=$(date +%s%N)
ns=$(( (end - start) / runs ))
printf 'sipsync validate, maximal file (%d bytes, 1000 registrations, 20 allowances): %d.%03d ms per run (whole process) over %d runs\n' \
  "$(wc -c < "$file")" $((ns / 1000000)) $(((ns / 1000) % 1000)) "$runs"
start=$(date +%s%N)
for _ in $(seq 1 "$runs"); do "$bin" version >/dev/null; done
end=$(date +%s%N)
ns=$(( (end - start) / runs ))
printf 'sipsync version (process start-up only): %d.%03d ms per run\n' $((ns / 1000000)) $(((ns / 1000) % 1000))

lib=$(dirname "$bin")/libsipsync_core.a
if [ -f "$lib" ]; then
  # shellcheck disable=SC2046
  ${CC:-cc} -O2 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I"$here" \
    "$here/tests/bench/bench_load.c" "$lib" \
    $(pkg-config --libs yaml-0.1 libpcre2-8 libcurl jansson libgit2 libmicrohttpd libcrypto) \
    -lpthread -lm -o "$work/bench_load"
  printf 'load_desired in process: %s ms per load over %d loads\n' \
    "$("$work/bench_load" "$file" "$runs")" "$runs"
else
  echo "no $lib: skipping the in-process figure"
fi
