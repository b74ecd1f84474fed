#!/usr/bin/env bash
# Benchmark of an accounts file: 10 accounts x 100 registrations, one
# sipsync-sim per account (50 ms added to every request), all declared and
# live (a plan with no changes, every page read). Prints `plan --all` wall
# time and requests, sequential and with --parallel-accounts 4 (not a
# pass/fail test).
#
# usage: tests/bench/bench_accounts.sh [BUILD_DIR]   (default build/release)
set -euo pipefail
SRC_DIR=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$SRC_DIR/build/release}" && pwd)
SIPSYNC="${SIPSYNC:-$BUILD/sipsync}" SIPSYNC_SIM="${SIPSYNC_SIM:-$BUILD/sipsync-sim}"
SCRATCH="${SCRATCH:-$(mktemp -d "${TMPDIR:-/tmp}/sipsync-bench.XXXXXX")}"
ACCOUNTS=${ACCOUNTS:-10} REGS=${REGS:-100} LATENCY_MS=${LATENCY_MS:-50}
cd "$SCRATCH"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT

now_ms() { date +%s%3N; }

seed()
{ # seed N DOMAIN: the live state of one account
	python3 - "$1" "$2" <<'PY'
import json, sys
n, domain = int(sys.argv[1]), sys.argv[2]
regs = [{"registrationId": "reg-%04d" % i, "created": "2026-01-01T00:00:00Z",
         "username": "u%04d" % i, "password": "seed", "proxy": "pbx.example.com",
         "outboundProxy": None, "authUser": None, "successful": True} for i in range(n)]
print(json.dumps({"domain": domain, "sip": {
    "allowedCidrRanges": ["91.200.160.14/32"], "allowAllAgents": False,
    "allowedAgents": [], "fallbackHandler": None}, "registrations": regs}))
PY
}

mkdir -p base
printf 'version: 1\nsip:\n  allowedCidrRanges: [91.200.160.14/32]\n  allowAllAgents: false\n  allowedAgents: []\n  fallbackHandler: null\n' >base/sip.yaml
printf 'version: 1\naccounts:\n' >accounts.yaml
for a in $(seq 1 "$ACCOUNTS"); do
	name=acct$a domain=acct$a.sip.example.com
	seed "$REGS" "$domain" >"seed-$name.json"
	SIPSYNC_SIM_API_KEY="key-$name" "$SIPSYNC_SIM" --listen 127.0.0.1:0 --control \
		--seed "seed-$name.json" --latency-ms "$LATENCY_MS" --port-file "$name.port" \
		>/dev/null 2>"sim-$name.err" &
	pids+=($!)
	mkdir -p "$name"
	{ printf 'version: 1\nregistrations:\n  items:\n'
	  for i in $(seq 0 $((REGS - 1))); do
		printf '    - {username: u%04d, proxy: pbx.example.com, password: {env: PW}}\n' "$i"
	  done; } >"$name/regs.yaml"
done
for a in $(seq 1 "$ACCOUNTS"); do
	name=acct$a
	for _ in $(seq 1 200); do [ -s "$name.port" ] && break; sleep 0.05; done
	[ -s "$name.port" ] || { echo "bench: simulator $name did not start" >&2; exit 1; }
	printf '  - name: %s\n    domain: %s.sip.example.com\n    sources: [base, %s]\n    apiKey: {env: KEY_%s}\n    apiUrl: %s\n' \
		"$name" "$name" "$name" "$a" "$(head -n1 "$name.port")" >>accounts.yaml
	export "KEY_$a=key-$name"
done
# KEY_n is no reserved name; the accounts file reads it like any secret
export PW=bench-password XDG_STATE_HOME="$SCRATCH/state"

requests()
{ # the API requests all simulators logged since the last reset
	local total=0 a n
	for a in $(seq 1 "$ACCOUNTS"); do
		n=$(curl -sS --max-time 30 -H "X-API-Key: key-acct$a" "$(head -n1 "acct$a.port")/_sim/log" |
			python3 -c 'import json,sys; print(len(json.load(sys.stdin)["requests"]))')
		total=$((total + n))
	done
	echo "$total"
}
reset_logs()
{
	local a
	for a in $(seq 1 "$ACCOUNTS"); do
		curl -sS --max-time 30 -X DELETE -H "X-API-Key: key-acct$a" "$(head -n1 "acct$a.port")/_sim/log" >/dev/null
	done
}

run()
{ # run LABEL sipsync-args...
	local label=$1 t0 t1 rc=0
	shift
	reset_logs
	t0=$(now_ms)
	"$SIPSYNC" "$@" >out 2>err || rc=$?
	t1=$(now_ms)
	[ "$rc" = 0 ] || { echo "bench: $label: exit $rc: $(cat err)" >&2; exit 1; }
	local summary
	summary=$(tail -n1 out)
	printf '%-24s %6d ms  %4d requests  (%s)\n' "$label" $((t1 - t0)) "$(requests)" "${summary##*; }"
}

echo "plan --all: $ACCOUNTS accounts x $REGS registrations, ${LATENCY_MS} ms per request"
run "sequential" plan accounts.yaml --all --detailed-exitcode
run "--parallel-accounts 4" plan accounts.yaml --all --detailed-exitcode --parallel-accounts 4
