#!/usr/bin/env bash
# sipsync run --all with the first account's API hung (every request
# answered after 7 s, longer than the test lets the other account wait;
# short enough for the simulator to stop cleanly at the end):
# --account-timeout 2s bounds that account's cycle, it fails (not ready,
# the log names it and the bound) and the next account still converges
# and is ready within seconds, in the same cycle.
source "$SRC_DIR/tests/lib/cli.sh"
source "$SRC_DIR/tests/lib/accounts.sh"
source "$SRC_DIR/tests/lib/agent.sh"
acct_setup

repo_init "$SCRATCH/repo"
cp -r accounts.yaml base staging prod "$SCRATCH/repo/"
repo_commit "$SCRATCH/repo" accounts >/dev/null
# staging comes first in the file: hang it
curl -sS --max-time 10 -X POST -H "X-API-Key: ${ACCT_KEY[staging]}" \
	-H 'Content-Type: application/json' -d '{"latencyMs": 7000}' \
	"${ACCT_URL[staging]}/_sim/faults" >/dev/null || fail "cannot arm the fault"

port=$(free_port)
URL="http://127.0.0.1:$port"
start=$(date +%s)
"$SIPSYNC" run --all --listen "127.0.0.1:$port" --repo "$SCRATCH/repo" \
	--path accounts.yaml --mode apply --interval 1h --account-timeout 2s \
	--state-dir "$SCRATCH/state" >"$SCRATCH/agent.log" 2>&1 &
ACCT_AGENTS+=($!)

wait_until 15 eval '[ "$(http_code GET "$URL/readyz?account=prod")" = 200 ]' ||
	fail "prod not ready: $(cat "$SCRATCH/agent.log")"
took=$(($(date +%s) - start))
[ "$took" -lt 6 ] || fail "prod waited ${took}s behind the hung account"
cidrs=$(acct_ctl prod GET /_sim/state | python3 -c 'import json,sys; print(json.load(sys.stdin)["sip"]["allowedCidrRanges"])')
same "$cidrs" "['91.200.160.14/32']" "prod reconciled"
assert_eq "$(http_code GET "$URL/readyz?account=staging")" 503 "staging not ready"
assert_eq "$(http_code GET "$URL/readyz")" 503 "not every account ready"
grep -qF "account staging: GET /api/sip: the account's time in this cycle passed (--account-timeout 2s)" "$SCRATCH/agent.log" ||
	fail "the hung account's failure is not logged: $(cat "$SCRATCH/agent.log")"
echo "accounts_agent_hung: ok"
