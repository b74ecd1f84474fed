#!/usr/bin/env bash
# probe with an accounts file as SOURCE: --account/--all probe each
# account's fallback handler (from its overlay of sources), one section
# per account and a summary line; an account without a handler fails
# alone; json collects one report per account; junit takes one account.
source "$SRC_DIR/tests/lib/cli.sh"
source "$SRC_DIR/tests/lib/accounts.sh"
acct_setup
source "$SRC_DIR/tests/lib/probe.sh"
# both cleanups: the handler, then the simulators (and their verdict)
_on_exit()
{
	local st=$? p
	set +e
	for p in "${HANDLER_PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	(exit "$st")
	_acct_on_exit
}
trap _on_exit EXIT

export SIP_FALLBACK_SECRET="probe-secret-$RANDOM$RANDOM-value"
printf '%s\n' "$SIP_FALLBACK_SECRET" >"$SCRATCH/secrets"
example_start
cat >>staging/sip.yaml <<YAML
  fallbackHandler:
    url: $HANDLER_URL
    secrets:
      - {env: SIP_FALLBACK_SECRET}
routeTests:
  - name: staging other
    to: other
    expect: fallback
YAML
sipsync_expect 0 validate --offline accounts.yaml --account staging

sipsync_expect 0 probe accounts.yaml --account staging --offline
grep -qxF "=== account staging ($ACCT_DOMAIN_staging) ===" out || fail "no staging section: $(cat out)"
grep -qF "PASS staging other → reject 404 in " out || fail "staging not probed: $(cat out)"
same "$(tail -n1 out)" "Accounts: 1 (staging ok); 1 passed, 0 failed." "one account"

# prod's sources set no handler: prod fails, staging still passes
sipsync_expect 1 probe accounts.yaml --all --offline
grep -qF "PASS staging other → reject 404 in " out || fail "staging not probed with --all: $(cat out)"
same "$(tail -n1 out)" "Accounts: 2 (staging ok, prod failed); 1 passed, 1 failed." "summary"
grep -qF "probe: the desired state sets no sip.fallbackHandler.url" err || fail "prod's failure: $(cat err)"

sipsync_expect 0 probe accounts.yaml --account staging --offline --format json
python3 - out <<'PY' || fail "json: $(cat out)"
import json, sys
d = json.load(open(sys.argv[1]))
[a] = d["accounts"]
assert a["name"] == "staging" and a["result"] == "ok", a
assert a["probe"]["passed"] == 1 and a["probe"]["failed"] == 0, a["probe"]
PY

sipsync_expect 64 probe accounts.yaml --all --format junit
grep -qF "probe: --format junit reports one desired state; run it per --account" err || fail "junit: $(cat err)"
sipsync_expect 0 probe accounts.yaml --account staging --offline --format junit
grep -qF "<testsuite" out || fail "no junit: $(cat out)"
sipsync_expect 64 probe accounts.yaml --offline
grep -qF "accounts.yaml is an accounts file: pick accounts with --account NAME or --all" err || fail "no selection: $(cat err)"
! grep -qF "$SIP_FALLBACK_SECRET" out err || fail "secret printed"
echo "accounts_probe: ok"
