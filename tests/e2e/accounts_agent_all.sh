#!/usr/bin/env bash
# sipsync run --all: one agent process reconciles every account of the
# accounts file each cycle (one fetch, then each account with its own key,
# URL, domain, lock and state file): both simulators converge, each only
# from its own account's requests; the metrics carry both account labels
# (each family's HELP and TYPE once); /readyz is ready when both are,
# /readyz?account=NAME answers for one and 404 for a name not served; the
# log names the account. `--account staging --account prod` is the same.
source "$SRC_DIR/tests/lib/cli.sh"
source "$SRC_DIR/tests/lib/accounts.sh"
source "$SRC_DIR/tests/lib/agent.sh"
acct_setup

repo_init "$SCRATCH/repo"
cp -r accounts.yaml base staging prod "$SCRATCH/repo/"
repo_commit "$SCRATCH/repo" accounts >/dev/null

port=$(free_port)
URL="http://127.0.0.1:$port"
"$SIPSYNC" run --all --listen "127.0.0.1:$port" --repo "$SCRATCH/repo" \
	--path accounts.yaml --mode apply --interval 1h \
	--state-dir "$SCRATCH/state-all" >"$SCRATCH/agent-all.log" 2>&1 &
ACCT_AGENTS+=($!)

cidrs() { acct_ctl "$1" GET /_sim/state | python3 -c 'import json,sys; print(json.load(sys.stdin)["sip"]["allowedCidrRanges"])'; }
wait_until 20 eval '[ "$(cidrs staging)" = "['"'"'91.200.160.14/32'"'"', '"'"'198.51.100.0/24'"'"']" ]' ||
	fail "staging not reconciled: $(cidrs staging); $(cat "$SCRATCH/agent-all.log")"
wait_until 20 eval '[ "$(cidrs prod)" = "['"'"'91.200.160.14/32'"'"']" ]' ||
	fail "prod not reconciled: $(cidrs prod); $(cat "$SCRATCH/agent-all.log")"

wait_until 10 eval '[ "$(http_code GET "$URL/readyz")" = 200 ]' ||
	fail "not ready: $(cat "$SCRATCH/agent-all.log")"
assert_eq "$(http_code GET "$URL/readyz?account=prod")" 200 "prod ready"
assert_eq "$(http_code GET "$URL/readyz?account=staging")" 200 "staging ready"
assert_eq "$(http_code GET "$URL/readyz?account=nope")" 404 "an account not served"

m=$(curl -s --max-time 10 "$URL/metrics")
for a in staging prod; do
	grep -qxF "sipsync_last_reconcile_success{account=\"$a\"} 1" <<<"$m" || fail "no $a sample: $m"
	grep -qxF "sipsync_ready{account=\"$a\"} 1" <<<"$m" || fail "$a not ready in metrics: $m"
done
grep -qF 'sipsync_api_requests_total{account="prod",method="PATCH"} 1' <<<"$m" || fail "prod counter: $m"
grep -qF 'sipsync_api_requests_total{account="staging",method="PATCH"} 1' <<<"$m" || fail "staging counter: $m"
! grep -v '^#' <<<"$m" | grep -qv 'account="' || fail "a sample without the label: $m"
same "$(grep -c '^# TYPE sipsync_ready ' <<<"$m")" 1 "one TYPE line per family"
if command -v promtool >/dev/null; then # a parse error, not lint
	promtool check metrics <<<"$m" >"$SCRATCH/promtool.out" 2>&1 || true
	! grep -qi 'error parsing\|second TYPE\|duplicate' "$SCRATCH/promtool.out" ||
		fail "promtool: $(cat "$SCRATCH/promtool.out")"
fi

# each account wrote only to its own simulator
same "$(acct_requests staging | grep -c '^POST /api/sip/registrations$')" 1 "staging registrations"
same "$(acct_requests prod | grep -c '^POST /api/sip/registrations$')" 2 "prod registrations"
grep -q 'account staging: reconcile: applied' "$SCRATCH/agent-all.log" || fail "log does not name staging: $(cat "$SCRATCH/agent-all.log")"
grep -q 'account prod: reconcile: applied' "$SCRATCH/agent-all.log" || fail "log does not name prod: $(cat "$SCRATCH/agent-all.log")"
# one fetch per cycle for both accounts
same "$(grep -c 'commit [0-9a-f]\{40\}$' "$SCRATCH/agent-all.log")" 1 "one commit line"

# several --account: the same in one process, --once
"$SIPSYNC" run --account prod --account staging --listen none --once \
	--repo "$SCRATCH/repo" --path accounts.yaml --mode apply \
	--state-dir "$SCRATCH/state-two" >"$SCRATCH/agent-two.log" 2>&1 ||
	fail "two accounts --once: $(cat "$SCRATCH/agent-two.log")"
grep -q 'account prod: reconcile: no changes' "$SCRATCH/agent-two.log" &&
	grep -q 'account staging: reconcile: no changes' "$SCRATCH/agent-two.log" ||
	fail "two accounts: $(cat "$SCRATCH/agent-two.log")"
echo "accounts_agent_all: ok"
