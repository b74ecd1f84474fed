#!/usr/bin/env bash
# sipsync run --all, prod's apiKey a {file:} under --secrets-dir holding a
# key the simulator refuses: prod fails (naming the file, never the
# value) while staging is ready; the right key written to the file and a
# SIGHUP: the agent re-reads it, reconciles prod at once (not after the
# 1 h interval) and /readyz turns 200, without a restart.
source "$SRC_DIR/tests/lib/cli.sh"
source "$SRC_DIR/tests/lib/accounts.sh"
source "$SRC_DIR/tests/lib/agent.sh"
acct_setup

mkdir -p "$SCRATCH/secrets"
printf 'old-revoked-key-%s\n' "$$" >"$SCRATCH/secrets/prod.key"
sed -i 's/apiKey: {env: ULTRAVOX_API_KEY_PROD}/apiKey: {file: prod.key}/' accounts.yaml
grep -q 'file: prod.key' accounts.yaml || fail "accounts.yaml not edited"
repo_init "$SCRATCH/repo"
cp -r accounts.yaml base staging prod "$SCRATCH/repo/"
repo_commit "$SCRATCH/repo" accounts >/dev/null

port=$(free_port)
URL="http://127.0.0.1:$port"
"$SIPSYNC" run --all --listen "127.0.0.1:$port" --repo "$SCRATCH/repo" \
	--path accounts.yaml --mode apply --interval 1h \
	--secrets-dir "$SCRATCH/secrets" \
	--state-dir "$SCRATCH/state" >"$SCRATCH/agent.log" 2>&1 &
pid=$!
ACCT_AGENTS+=($pid)

wait_until 20 eval '[ "$(http_code GET "$URL/readyz?account=staging")" = 200 ]' ||
	fail "staging not ready: $(cat "$SCRATCH/agent.log")"
wait_until 10 grep -q 'account prod: .*authentication failed' "$SCRATCH/agent.log" ||
	fail "no prod failure: $(cat "$SCRATCH/agent.log")"
assert_eq "$(http_code GET "$URL/readyz")" 503 "prod not ready"
grep -qF "check file prod.key, account prod's apiKey" "$SCRATCH/agent.log" ||
	fail "the 401 does not name the key file: $(cat "$SCRATCH/agent.log")"
! grep -qF "old-revoked-key" "$SCRATCH/agent.log" || fail "the key is in the log"

printf '%s\n' "$ULTRAVOX_API_KEY_PROD" >"$SCRATCH/secrets/prod.key.new"
mv "$SCRATCH/secrets/prod.key.new" "$SCRATCH/secrets/prod.key"
kill -HUP "$pid"
wait_until 20 eval '[ "$(http_code GET "$URL/readyz")" = 200 ]' ||
	fail "prod did not recover after SIGHUP: $(cat "$SCRATCH/agent.log")"
assert_eq "$(http_code GET "$URL/readyz?account=prod")" 200 "prod ready"
grep -q 'account prod: reconcile: applied' "$SCRATCH/agent.log" ||
	fail "prod not applied: $(cat "$SCRATCH/agent.log")"
kill -0 "$pid" || fail "the agent restarted or died"
! grep -qF "$ULTRAVOX_API_KEY_PROD" "$SCRATCH/agent.log" || fail "the key is in the log"
echo "accounts_agent_key_rotate: ok"
