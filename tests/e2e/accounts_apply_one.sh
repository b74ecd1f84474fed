#!/usr/bin/env bash
# apply --account prod touches only prod's account: prod's simulator logs
# the writes, staging's logs no request at all.
source "$SRC_DIR/tests/lib/cli.sh"
source "$SRC_DIR/tests/lib/accounts.sh"
acct_setup

sipsync_expect 0 apply accounts.yaml --account prod --auto-approve
grep -qF "Apply complete: 3 of 3 changes made." out || fail "prod apply: $(cat out)"
same "$(acct_requests staging)" "" "staging untouched"
reqs=$(acct_requests prod)
assert_contains "$reqs" "PATCH /api/sip" "prod sip patched"
same "$(grep -c '^POST /api/sip/registrations$' <<<"$reqs")" 2 "prod registrations created"
# the state file is per account domain
[ -f "$XDG_STATE_HOME/sipsync/acme.sip.ultravox.ai.json" ] || fail "no prod state file: $(ls -R "$XDG_STATE_HOME")"
[ ! -e "$XDG_STATE_HOME/sipsync/acme-staging.sip.ultravox.ai.json" ] || fail "staging state written"
echo "accounts_apply_one: ok"
