#!/usr/bin/env bash
# sipsync run --all with one account's key wrong (rejected: 401) and then
# missing (its variable unset): that account fails alone, naming where its
# key comes from (never the value), /readyz is 503 and
# /readyz?account=prod 503, while staging converges and is ready.
source "$SRC_DIR/tests/lib/cli.sh"
source "$SRC_DIR/tests/lib/accounts.sh"
source "$SRC_DIR/tests/lib/agent.sh"
acct_setup

repo_init "$SCRATCH/repo"
cp -r accounts.yaml base staging prod "$SCRATCH/repo/"
repo_commit "$SCRATCH/repo" accounts >/dev/null
export ULTRAVOX_API_KEY_PROD="wrong-key-$$-secret"

port=$(free_port)
URL="http://127.0.0.1:$port"
"$SIPSYNC" run --all --listen "127.0.0.1:$port" --repo "$SCRATCH/repo" \
	--path accounts.yaml --mode apply --interval 1h \
	--state-dir "$SCRATCH/state" >"$SCRATCH/agent.log" 2>&1 &
ACCT_AGENTS+=($!)

cidrs() { acct_ctl "$1" GET /_sim/state | python3 -c 'import json,sys; print(json.load(sys.stdin)["sip"]["allowedCidrRanges"])'; }
wait_until 20 eval '[ "$(cidrs staging)" = "['"'"'91.200.160.14/32'"'"', '"'"'198.51.100.0/24'"'"']" ]' ||
	fail "staging not reconciled: $(cidrs staging); $(cat "$SCRATCH/agent.log")"
wait_until 10 eval '[ "$(http_code GET "$URL/readyz?account=staging")" = 200 ]' ||
	fail "staging not ready: $(cat "$SCRATCH/agent.log")"
wait_until 10 grep -q 'account prod: .*authentication failed' "$SCRATCH/agent.log" ||
	fail "no prod failure: $(cat "$SCRATCH/agent.log")"
assert_eq "$(http_code GET "$URL/readyz?account=prod")" 503 "prod not ready"
assert_eq "$(http_code GET "$URL/readyz")" 503 "not every account ready"
grep -qF "authentication failed (check ULTRAVOX_API_KEY_PROD, account prod's apiKey)" "$SCRATCH/agent.log" ||
	fail "the 401 does not name the key's source: $(cat "$SCRATCH/agent.log")"
same "$(cidrs prod)" "[]" "prod untouched"
m=$(curl -s --max-time 10 "$URL/metrics")
grep -qxF 'sipsync_ready{account="prod"} 0' <<<"$m" || fail "prod ready in metrics: $m"
grep -qxF 'sipsync_ready{account="staging"} 1' <<<"$m" || fail "staging not ready in metrics: $m"
! grep -qF "$ULTRAVOX_API_KEY_PROD" "$SCRATCH/agent.log" || fail "the key is in the log"

# the variable unset: prod fails naming it, staging still reconciles
unset ULTRAVOX_API_KEY_PROD
rc=0
"$SIPSYNC" run --all --listen none --once --repo "$SCRATCH/repo" \
	--path accounts.yaml --mode apply --state-dir "$SCRATCH/state" \
	>"$SCRATCH/once.log" 2>&1 || rc=$?
assert_eq "$rc" 1 "--once with a failed account"
grep -q 'account prod: .*ULTRAVOX_API_KEY_PROD' "$SCRATCH/once.log" ||
	fail "the missing key is not named: $(cat "$SCRATCH/once.log")"
grep -q 'account staging: reconcile: ' "$SCRATCH/once.log" ||
	fail "staging not reconciled: $(cat "$SCRATCH/once.log")"
echo "accounts_agent_bad_key: ok"
