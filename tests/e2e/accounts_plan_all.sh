#!/usr/bin/env bash
# plan --all over an accounts file with two accounts (one simulator each):
# one section per account and one summary line, --detailed-exitcode 2
# while any account has changes; JSON holds one plan per account with its
# field sources; markdown one <details> block per account under 65,535
# characters; after apply --all the plan is clean and exits 0.
source "$SRC_DIR/tests/lib/cli.sh"
source "$SRC_DIR/tests/lib/accounts.sh"
acct_setup

sipsync_expect 2 plan accounts.yaml --all --detailed-exitcode
grep -qxF "=== account staging (acme-staging.sip.ultravox.ai) ===" out || fail "no staging section: $(cat out)"
grep -qxF "=== account prod (acme.sip.ultravox.ai) ===" out || fail "no prod section: $(cat out)"
same "$(grep -c '^Plan: ' out)" 2 "one plan per account"
same "$(tail -n1 out)" "Accounts: 2 (staging changes, prod changes); 2 planned, 0 failed." "summary"
# staging gets its overlay's two ranges, prod the base's one and its agent
sed -n '/=== account staging/,/=== account prod/p' out | grep -qF "+ 198.51.100.0/24" || fail "staging overlay not planned"
sed -n '/=== account prod/,$p' out | grep -qF "+ 0b6f3c1e" || fail "prod agent not planned"
! sed -n '/=== account prod/,$p' out | grep -qF "198.51.100.0/24" || fail "staging's range planned for prod"

sipsync_expect 0 plan accounts.yaml --all --format json
python3 - out <<'PY' || fail "json plan: $(cat out)"
import json, sys
d = json.load(open(sys.argv[1]))
names = [a["name"] for a in d["accounts"]]
assert names == ["staging", "prod"], names
for a in d["accounts"]:
    assert a["result"] == "changes", a
    assert a["plan"]["account"] == a["name"]
    assert a["plan"]["live"]["domain"] == a["domain"], a["plan"]["live"]
src = d["accounts"][0]["plan"]["sources"]
assert src["sip.allowedCidrRanges"] == "staging/sip.yaml:3:3", src
assert src["sip.allowAllAgents"] == "base/sip.yaml:4:3", src
PY

sipsync_expect 0 plan accounts.yaml --all --format markdown
same "$(grep -c '^<details><summary>Account <code>' out)" 2 "one block per account"
[ "$(wc -c <out)" -lt 65535 ] || fail "markdown comment too long"

sipsync_expect 0 apply accounts.yaml --all --auto-approve
same "$(tail -n1 out)" "Accounts: 2 (staging ok, prod ok); 2 applied, 0 failed." "apply summary"
sipsync_expect 0 plan accounts.yaml --all --detailed-exitcode
same "$(tail -n1 out)" "Accounts: 2 (staging no changes, prod no changes); 2 planned, 0 failed." "clean summary"
! grep -q "$PBX_SALES_PASSWORD" out err || fail "a password was printed"
echo "accounts_plan_all: ok"
