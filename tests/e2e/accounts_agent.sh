#!/usr/bin/env bash
# sipsync run --account NAME, one agent process per account (the unit of
# scale-out) over one repository holding an accounts file: each agent
# reconciles only its own account (its key, URL, domain and overlaid
# sources), its metrics carry account="NAME", /readyz?account=NAME answers
# for its account and 404 for another.
source "$SRC_DIR/tests/lib/cli.sh"
source "$SRC_DIR/tests/lib/accounts.sh"
source "$SRC_DIR/tests/lib/agent.sh"
acct_setup

repo_init "$SCRATCH/repo"
cp -r accounts.yaml base staging prod "$SCRATCH/repo/"
repo_commit "$SCRATCH/repo" accounts >/dev/null

for name in staging prod; do
	acct_agent "$name" --repo "$SCRATCH/repo" --path accounts.yaml \
		--mode apply --interval 1h --state-dir "$SCRATCH/state-$name"
done

cidrs() { acct_ctl "$1" GET /_sim/state | python3 -c 'import json,sys; print(json.load(sys.stdin)["sip"]["allowedCidrRanges"])'; }
wait_until 20 eval '[ "$(cidrs staging)" = "['"'"'91.200.160.14/32'"'"', '"'"'198.51.100.0/24'"'"']" ]' ||
	fail "staging not reconciled: $(cidrs staging); $(cat "$SCRATCH/agent-staging.log")"
wait_until 20 eval '[ "$(cidrs prod)" = "['"'"'91.200.160.14/32'"'"']" ]' ||
	fail "prod not reconciled: $(cidrs prod); $(cat "$SCRATCH/agent-prod.log")"

wait_until 10 eval '[ "$(http_code GET "$AGENT_URL_prod/readyz?account=prod")" = 200 ]' ||
	fail "prod agent not ready"
assert_eq "$(http_code GET "$AGENT_URL_prod/readyz?account=staging")" 404 "another account's readiness"
assert_eq "$(http_code GET "$AGENT_URL_staging/readyz")" 200 "staging ready"
m=$(curl -s --max-time 10 "$AGENT_URL_prod/metrics")
grep -qxF 'sipsync_last_reconcile_success{account="prod"} 1' <<<"$m" || fail "no account label: $m"
grep -qF 'sipsync_api_requests_total{account="prod",method="PATCH"} 1' <<<"$m" || fail "labelled counter: $m"
! grep -v '^#' <<<"$m" | grep -vqF 'account="prod"' || fail "a sample without the label: $m"
# each agent wrote only to its own simulator
same "$(acct_requests staging | grep -c '^POST /api/sip/registrations$')" 1 "staging registrations"
same "$(acct_requests prod | grep -c '^POST /api/sip/registrations$')" 2 "prod registrations"
echo "accounts_agent: ok"
