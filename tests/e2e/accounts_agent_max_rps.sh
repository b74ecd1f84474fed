#!/usr/bin/env bash
# sipsync run --all --max-rps 1 --parallelism 1: each account's client
# keeps under its simulator's limit of 2 requests a second (429 above), so
# no request is refused and both accounts converge in one --once cycle;
# out-of-range values are usage errors (exit 64).
source "$SRC_DIR/tests/lib/cli.sh"
source "$SRC_DIR/tests/lib/accounts.sh"
source "$SRC_DIR/tests/lib/agent.sh"
acct_setup

repo_init "$SCRATCH/repo"
cp -r accounts.yaml base staging prod "$SCRATCH/repo/"
repo_commit "$SCRATCH/repo" accounts >/dev/null
for name in staging prod; do
	curl -sS --max-time 10 -X POST -H "X-API-Key: ${ACCT_KEY[$name]}" \
		-H 'Content-Type: application/json' -d '{"ratePerSecond": 2}' \
		"${ACCT_URL[$name]}/_sim/faults" >/dev/null || fail "cannot arm the limit"
done

rc=0
"$SIPSYNC" run --all --once --listen none --max-rps 1 --parallelism 1 \
	--repo "$SCRATCH/repo" --path accounts.yaml --mode apply \
	--state-dir "$SCRATCH/state" >"$SCRATCH/agent.log" 2>&1 || rc=$?
assert_eq "$rc" 0 "run --once: $(cat "$SCRATCH/agent.log")"
for name in staging prod; do
	n=$(acct_ctl "$name" GET /_sim/log | python3 -c '
import json, sys
print(sum(1 for r in json.load(sys.stdin)["requests"] if r["status"] == 429))')
	same "$n" 0 "$name: requests refused with 429"
done
grep -q 'account staging: reconcile: applied' "$SCRATCH/agent.log" &&
	grep -q 'account prod: reconcile: applied' "$SCRATCH/agent.log" ||
	fail "not applied: $(cat "$SCRATCH/agent.log")"

for bad in "--max-rps 0" "--max-rps x" "--parallelism 65"; do
	rc=0
	# shellcheck disable=SC2086
	"$SIPSYNC" run --repo "$SCRATCH/repo" --once $bad >"$SCRATCH/bad.out" 2>&1 || rc=$?
	assert_eq "$rc" 64 "$bad"
done
echo "accounts_agent_max_rps: ok"
