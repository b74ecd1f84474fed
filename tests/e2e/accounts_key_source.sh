#!/usr/bin/env bash
# A wrong key from an accounts file: the 401 message names where the key
# came from (apiKey {env: VAR}: the variable; {file: PATH}: the path as
# written), never the key, and not the ULTRAVOX_API_KEY / --api-key-file
# of a plain run.
source "$SRC_DIR/tests/lib/cli.sh"
source "$SRC_DIR/tests/lib/accounts.sh"
acct_setup

export ULTRAVOX_API_KEY_PROD=wrong-prod-key-value
sipsync_expect 1 plan accounts.yaml --account prod
grep -qF "GET /api/sip: 401: authentication failed (check ULTRAVOX_API_KEY_PROD, account prod's apiKey): " err ||
	fail "401 does not name the variable: $(cat err)"
! grep -qF "ULTRAVOX_API_KEY or --api-key-file" err || fail "names the default key source: $(cat err)"
! grep -qF wrong-prod-key-value out err || fail "key printed"

# the same key from a file beside the accounts file
mkdir -p keys
echo wrong-file-key-value >keys/prod.key
sed -i 's|apiKey: {env: ULTRAVOX_API_KEY_PROD}|apiKey: {file: keys/prod.key}|' accounts.yaml
grep -qF "{file: keys/prod.key}" accounts.yaml || fail "accounts file not rewritten"
sipsync_expect 1 plan accounts.yaml --account prod
grep -qF "GET /api/sip: 401: authentication failed (check file keys/prod.key, account prod's apiKey): " err ||
	fail "401 does not name the key file: $(cat err)"
! grep -qF wrong-file-key-value out err || fail "key printed"

# a good key still plans
sipsync_expect 0 plan accounts.yaml --account staging
echo "accounts_key_source: ok"
