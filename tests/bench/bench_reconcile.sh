#!/usr/bin/env bash
# Benchmark of plan/apply against sipsync-sim with 50 ms added to every
# request (prints figures; not a pass/fail test):
#   (a) plan for an account with 1,000 registrations (all declared)
#   (b) apply that creates 200 registrations
#   (c) plan with no changes for a typical config (examples/full.yaml)
# For each: wall time, requests (from the simulator's log), sequential
# round trips, and the ideal = round trips x latency.
#
# usage: tests/bench/bench_reconcile.sh [BUILD_DIR]   (default build/release)
set -euo pipefail
SRC_DIR=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$SRC_DIR/build/release}
export SIPSYNC="${SIPSYNC:-$BUILD/sipsync}" SIPSYNC_SIM="${SIPSYNC_SIM:-$BUILD/sipsync-sim}"
export SCRATCH="${SCRATCH:-$(mktemp -d "${TMPDIR:-/tmp}/sipsync-bench.XXXXXX")}"
LATENCY_MS=${LATENCY_MS:-50}
PARALLELISM=${PARALLELISM:-8}
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
sim_start --latency-ms "$LATENCY_MS"

now_ms() { date +%s%3N; }

put_state()
{ # put_state < JSON (too large for an argument)
	cat >"$SCRATCH/state.json"
	curl -sS --max-time 60 -X PUT -H "X-API-Key: $SIM_KEY" -H 'Content-Type: application/json' \
		--data-binary "@$SCRATCH/state.json" -o /dev/null -w '%{http_code}' "$SIM_URL/_sim/state" |
		grep -q '^2' || { echo "bench: PUT /_sim/state failed" >&2; exit 1; }
}

seed_regs()
{ # seed_regs N: N registrations u0000.. with the full example's sip config
	python3 - "$1" <<'PY'
import json, sys
n = int(sys.argv[1])
regs = [{"registrationId": "reg-%04d" % i, "created": "2026-01-01T00:00:00Z",
         "username": "u%04d" % i, "password": "seed", "proxy": "pbx.example.com",
         "outboundProxy": None, "authUser": None, "successful": True} for i in range(n)]
print(json.dumps({"domain": "acme.sip.ultravox.ai", "sip": {
    "allowedCidrRanges": [], "allowAllAgents": False, "allowedAgents": [],
    "fallbackHandler": None}, "registrations": regs}))
PY
}

regs_yaml()
{ # regs_yaml FIRST LAST
	printf 'version: 1\nregistrations:\n  items:\n'
	for i in $(seq "$1" "$2"); do
		printf '    - {username: u%04d, proxy: pbx.example.com, password: {env: PW}}\n' "$i"
	done
}

# run NAME IDEAL_ROUND_TRIPS sipsync-args...
run()
{
	local name="$1" trips="$2" t0 t1 ms reqs ideal ratio
	shift 2
	sim_ctl DELETE /_sim/log >/dev/null
	t0=$(now_ms)
	"$SIPSYNC" "$@" --state-dir "$SCRATCH/state" >"$SCRATCH/out" 2>"$SCRATCH/err" ||
		{ [ $? -eq 2 ] || { cat "$SCRATCH/err"; echo "bench: $name failed" >&2; exit 1; }; }
	t1=$(now_ms)
	ms=$((t1 - t0))
	reqs=$(log_count)
	ideal=$((trips * LATENCY_MS))
	ratio=$(python3 -c "print('%.2f' % ($ms / $ideal))")
	printf '%-44s wall %6d ms  requests %5d  round trips %4d  ideal %6d ms  ratio %s\n' \
		"$name" "$ms" "$reqs" "$trips" "$ideal" "$ratio"
}

export PW=bench-password
echo "latency ${LATENCY_MS} ms per request, parallelism ${PARALLELISM}"

# The client reads GET /api/sip concurrently with the first registration
# page; pages follow each other (each page's `next` is needed first).
# (a) 1,000 registrations, all declared: 10 pages of 100 => 10 round trips
seed_regs 1000 | put_state
regs_yaml 0 999 >"$SCRATCH/a.yaml"
run "(a) plan, 1,000 registrations" 10 plan "$SCRATCH/a.yaml"

# (b) apply creating 200: the reads (1 round trip) then 200 POSTs with
# PARALLELISM in flight => 1 + ceil(200 / PARALLELISM) round trips
seed_regs 0 | put_state
regs_yaml 0 199 >"$SCRATCH/b.yaml"
run "(b) apply, create 200 registrations" $((1 + (200 + PARALLELISM - 1) / PARALLELISM)) \
	apply "$SCRATCH/b.yaml" --auto-approve --parallelism "$PARALLELISM"
[ "$(live_get 'len(d["registrations"])')" = 200 ] || { echo "bench: (b) did not create 200" >&2; exit 1; }

# (c) typical config already applied: GET /api/sip beside 1 page => 1 round
# trip (here the process start and YAML load are a visible share)
put_state <"$SRC_DIR/examples/sim-seed.json"
export SIP_FALLBACK_SECRET=bench-fb-1 SIP_FALLBACK_SECRET_NEXT=bench-fb-2
export PBX_SALES_PASSWORD=bench-pw-1 PBX_SUPPORT_PASSWORD=bench-pw-2
"$SIPSYNC" apply "$SRC_DIR/examples/full.yaml" --auto-approve --state-dir "$SCRATCH/state" >/dev/null
run "(c) plan, no changes, examples/full.yaml" 1 plan "$SRC_DIR/examples/full.yaml" --detailed-exitcode
grep -q "No changes" "$SCRATCH/out" || { cat "$SCRATCH/out"; echo "bench: (c) not in sync" >&2; exit 1; }
