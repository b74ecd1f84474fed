#!/usr/bin/env bash
# sipsync accounts: text and JSON (a CI matrix) of the example accounts
# file; a desired-state file is not an accounts file.
source "$SRC_DIR/tests/lib/cli.sh"
sipsync_expect 0 accounts "$SRC_DIR/examples/accounts/accounts.yaml" --format json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d == [{"name": "staging", "domain": "acme-staging.sip.ultravox.ai"}, {"name": "prod", "domain": "acme.sip.ultravox.ai"}], d' out ||
	fail "json: $(cat out)"
sipsync_expect 0 accounts "$SRC_DIR/examples/accounts/accounts.yaml"
same "$(cut -f1,2 out)" $'staging\tacme-staging.sip.ultravox.ai\nprod\tacme.sip.ultravox.ai' "text"
sipsync_expect 1 accounts "$SRC_DIR/examples/minimal.yaml"
grep -qF "not an accounts file" err || fail "desired state: $(cat err)"
# the example validates, every account
sipsync_expect 0 validate --offline "$SRC_DIR/examples/accounts/accounts.yaml" --all
echo "accounts_list: ok"
