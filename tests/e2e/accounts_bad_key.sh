#!/usr/bin/env bash
# apply --all where prod's key is wrong, then missing: prod fails (its
# variable named), staging still applies, the exit code is 1 and the
# summary says which; with the key fixed a second run converges. The same
# with --parallel-accounts 2.
source "$SRC_DIR/tests/lib/cli.sh"
source "$SRC_DIR/tests/lib/accounts.sh"
acct_setup
good=$ULTRAVOX_API_KEY_PROD

export ULTRAVOX_API_KEY_PROD=wrong-key
sipsync_expect 1 apply accounts.yaml --all --auto-approve
same "$(tail -n1 out)" "Accounts: 2 (staging ok, prod failed); 1 applied, 1 failed." "summary"
grep -qF "GET /api/sip: 401" err || fail "no auth failure: $(cat err)"
! grep -qF wrong-key out err || fail "key printed"
assert_contains "$(acct_requests staging)" "PATCH /api/sip" "staging applied"

unset ULTRAVOX_API_KEY_PROD
acct_ctl prod DELETE /_sim/log >/dev/null
sipsync_expect 1 apply accounts.yaml --all --auto-approve --parallel-accounts 2
grep -qxF "[prod] sipsync: error: account prod: apiKey: environment variable ULTRAVOX_API_KEY_PROD is not set" err ||
	fail "missing key not named: $(cat err)"
same "$(tail -n1 out)" "Accounts: 2 (staging ok, prod failed); 1 applied, 1 failed." "parallel summary"
same "$(acct_requests prod)" "" "nothing sent to prod"

export ULTRAVOX_API_KEY_PROD=$good
sipsync_expect 0 apply accounts.yaml --all --auto-approve --parallel-accounts 2
same "$(tail -n1 out)" "Accounts: 2 (staging ok, prod ok); 2 applied, 0 failed." "second run"
sipsync_expect 0 plan accounts.yaml --all --detailed-exitcode
echo "accounts_bad_key: ok"
