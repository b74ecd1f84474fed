#!/usr/bin/env bash
# export with an accounts file as SOURCE: --account NAME exports that
# account's live state with its key and apiUrl (only its simulator is
# asked), its domain checked against the key's account (--force
# overrides); --all, several --account or none are usage errors (64), as
# is a desired-state SOURCE.
source "$SRC_DIR/tests/lib/cli.sh"
source "$SRC_DIR/tests/lib/accounts.sh"
acct_setup
sipsync_expect 0 apply accounts.yaml --all --auto-approve
acct_ctl staging DELETE /_sim/log >/dev/null
acct_ctl prod DELETE /_sim/log >/dev/null

sipsync_expect 0 export accounts.yaml --account prod
grep -qxF "  domain: $ACCT_DOMAIN_prod" out || fail "not prod's export: $(cat out)"
grep -qF "0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14" out || fail "prod's agent not exported"
grep -qF "ultravox-support" out || fail "prod's registration not exported"
! grep -qF "198.51.100.0/24" out || fail "staging's range in prod's export"
! grep -qF "=== account" out || fail "a section header in the YAML"
! grep -qF "$PBX_SALES_PASSWORD" out err || fail "a password was exported"
same "$(acct_requests staging)" "" "export of prod asked staging's simulator"
assert_contains "$(acct_requests prod)" "GET /api/sip" "prod's simulator read"

# --out: the file is a valid desired state
sipsync_expect 0 export accounts.yaml --account staging --out staging.yaml
grep -qF "198.51.100.0/24" staging.yaml || fail "staging's range not exported"
sipsync_expect 0 validate --offline staging.yaml

# one account only
sipsync_expect 64 export accounts.yaml --all
grep -qF "error: --all: this command takes one account of accounts.yaml; pick it with --account NAME" err ||
	fail "--all: $(cat err)"
sipsync_expect 64 export accounts.yaml --account prod --account staging
grep -qF "several --account: this command takes one account" err || fail "two accounts: $(cat err)"
sipsync_expect 64 export accounts.yaml
grep -qF "accounts.yaml is an accounts file: pick one with --account NAME (accounts: staging, prod)" err ||
	fail "no account: $(cat err)"
sipsync_expect 64 export accounts.yaml --account nope
grep -qF "no account 'nope' in accounts.yaml" err || fail "unknown account: $(cat err)"
sipsync_expect 64 export base
grep -qF "export: reads the live account, not desired state" err || fail "desired-state SOURCE: $(cat err)"
same "$(cat out)" "" "output of a usage error"

# the account's domain is its guard
sed -i "s/domain: $ACCT_DOMAIN_prod/domain: other.sip.ultravox.ai/" accounts.yaml
sipsync_expect 1 export accounts.yaml --account prod --out prod.yaml
grep -qF "error: account prod is other.sip.ultravox.ai but its API key belongs to $ACCT_DOMAIN_prod (nothing written; --force overrides)" err ||
	fail "domain guard: $(cat err)"
[ ! -e prod.yaml ] || fail "written despite the domain guard"
sipsync_expect 0 export accounts.yaml --account prod --out prod.yaml --force
grep -qxF "  domain: $ACCT_DOMAIN_prod" prod.yaml || fail "--force did not export"
echo "accounts_export: ok"
