#!/usr/bin/env bash
# sipsync run --all follows the accounts file in git, without a restart:
# started with staging only, a commit adding prod (its key a {file:} under
# --secrets-dir) and a webhook: prod converges, has its metrics label and
# /readyz?account=prod 200. A commit whose accounts.yaml does not parse:
# both accounts stay served (503, not 404), the error names
# accounts.yaml@COMMIT:LINE:COL, nothing is dropped. A commit removing prod (and
# moving staging's key to a {file:}): /readyz?account=prod is 404, its
# series are gone, the removal is logged once, staging gets a new client
# and stays ready.
source "$SRC_DIR/tests/lib/cli.sh"
source "$SRC_DIR/tests/lib/accounts.sh"
source "$SRC_DIR/tests/lib/agent.sh"
acct_setup

mkdir -p "$SCRATCH/secrets"
printf '%s\n' "$ULTRAVOX_API_KEY_PROD" >"$SCRATCH/secrets/prod.key"
printf '%s\n' "$ULTRAVOX_API_KEY_STAGING" >"$SCRATCH/secrets/staging.key"
printf 'hook-secret-%s\n' "$$" >"$SCRATCH/hook.secret"
sed -i 's/apiKey: {env: ULTRAVOX_API_KEY_PROD}/apiKey: {file: prod.key}/' accounts.yaml
grep -q 'file: prod.key' accounts.yaml || fail "accounts.yaml not edited"
cp accounts.yaml "$SCRATCH/both.yaml"
head -n 7 accounts.yaml >"$SCRATCH/staging-only.yaml"
grep -q 'name: prod' "$SCRATCH/staging-only.yaml" && fail "staging-only.yaml names prod"

repo_init "$SCRATCH/repo"
cp -r base staging prod "$SCRATCH/repo/"
cp "$SCRATCH/staging-only.yaml" "$SCRATCH/repo/accounts.yaml"
repo_commit "$SCRATCH/repo" "staging only" >/dev/null

port=$(free_port)
URL="http://127.0.0.1:$port"
LOG="$SCRATCH/agent.log"
"$SIPSYNC" run --all --listen "127.0.0.1:$port" --repo "$SCRATCH/repo" \
	--path accounts.yaml --mode apply --interval 1h \
	--secrets-dir "$SCRATCH/secrets" --webhook-secret-file "$SCRATCH/hook.secret" \
	--state-dir "$SCRATCH/state-agent" >"$LOG" 2>&1 &
pid=$!
ACCT_AGENTS+=($pid)

# a push: commit, then a signed webhook (the interval is 1 h)
push()
{
	local c
	c=$(repo_commit "$SCRATCH/repo" "$1")
	printf '{"ref":"refs/heads/main","after":"%s"}' "$c" >"$SCRATCH/push.json"
	assert_eq "$(http_code POST "$URL/hooks/git" --data-binary @"$SCRATCH/push.json" \
		-H "X-Hub-Signature-256: $(hook_sign "hook-secret-$$" "$SCRATCH/push.json")")" 202 "webhook"
	wait_until 20 grep -q "commit $c" "$LOG" || fail "commit $c not fetched: $(cat "$LOG")"
}
cidrs() { acct_ctl "$1" GET /_sim/state | python3 -c 'import json,sys; print(json.load(sys.stdin)["sip"]["allowedCidrRanges"])'; }
metrics() { curl -s --max-time 10 "$URL/metrics"; }

wait_until 20 eval '[ "$(http_code GET "$URL/readyz")" = 200 ]' ||
	fail "staging not ready: $(cat "$LOG")"
assert_eq "$(http_code GET "$URL/readyz?account=prod")" 404 "prod not served yet"
same "$(acct_requests prod | grep -c '^PATCH ')" 0 "prod untouched before it is in the file"

# 1. prod added in git: served from that commit, no restart
cp "$SCRATCH/both.yaml" "$SCRATCH/repo/accounts.yaml"
push "add prod"
wait_until 20 eval '[ "$(cidrs prod)" = "['"'"'91.200.160.14/32'"'"']" ]' ||
	fail "prod not reconciled: $(cidrs prod); $(cat "$LOG")"
wait_until 10 eval '[ "$(http_code GET "$URL/readyz?account=prod")" = 200 ]' ||
	fail "prod not ready: $(cat "$LOG")"
assert_eq "$(http_code GET "$URL/readyz")" 200 "both ready"
m=$(metrics)
grep -qxF 'sipsync_ready{account="prod"} 1' <<<"$m" || fail "no prod series: $m"
grep -qxF 'sipsync_ready{account="staging"} 1' <<<"$m" || fail "no staging series: $m"
grep -qF 'sipsync_api_requests_total{account="prod",method="PATCH"} 1' <<<"$m" || fail "prod counter: $m"
grep -q 'account prod: added in accounts.yaml' "$LOG" || fail "the addition is not logged: $(cat "$LOG")"
grep -q 'account prod: reconcile: applied' "$LOG" || fail "prod not applied: $(cat "$LOG")"
! grep -q "no account 'prod'" "$LOG" || fail "prod refused: $(cat "$LOG")"

# 2. an accounts.yaml that does not parse: nothing dropped, the error placed
cp "$SCRATCH/both.yaml" "$SCRATCH/repo/accounts.yaml"
printf '  - name: [broken\n' >>"$SCRATCH/repo/accounts.yaml"
push "break accounts.yaml"
wait_until 20 grep -q 'account prod: accounts.yaml@[0-9a-f]*:14:[0-9]*: error: invalid YAML' "$LOG" ||
	fail "the parse error does not name accounts.yaml@COMMIT:LINE:COL: $(cat "$LOG")"
wait_until 10 eval '[ "$(http_code GET "$URL/readyz?account=prod")" = 503 ]' ||
	fail "prod should be served and not ready: $(http_code GET "$URL/readyz?account=prod"); $(cat "$LOG")"
assert_eq "$(http_code GET "$URL/readyz?account=staging")" 503 "staging served, commit invalid"
m=$(metrics)
grep -qF 'sipsync_ready{account="prod"}' <<<"$m" || fail "prod dropped: $m"
grep -qF 'sipsync_ready{account="staging"}' <<<"$m" || fail "staging dropped: $m"
grep -q 'accounts.yaml does not load at this commit: still serving the 2 accounts' "$LOG" ||
	fail "no warning for the accounts file: $(cat "$LOG")"
grep -q 'account staging: desired state at this commit is invalid' "$LOG" ||
	fail "not reported as an invalid commit: $(cat "$LOG")"
! grep -q 'removed from accounts.yaml' "$LOG" || fail "an account was dropped: $(cat "$LOG")"

# 3. prod removed, staging's key moved to a {file:}
sed 's/apiKey: {env: ULTRAVOX_API_KEY_STAGING}/apiKey: {file: staging.key}/' \
	"$SCRATCH/staging-only.yaml" >"$SCRATCH/repo/accounts.yaml"
grep -q 'file: staging.key' "$SCRATCH/repo/accounts.yaml" || fail "staging's key not edited"
push "remove prod"
wait_until 20 eval '[ "$(http_code GET "$URL/readyz?account=prod")" = 404 ]' ||
	fail "prod still served: $(cat "$LOG")"
wait_until 20 eval '[ "$(http_code GET "$URL/readyz?account=staging")" = 200 ]' ||
	fail "staging not ready again: $(cat "$LOG")"
assert_eq "$(http_code GET "$URL/readyz")" 200 "ready with staging alone"
grep -q 'account staging: domain, apiUrl or apiKey changed in accounts.yaml' "$LOG" ||
	fail "staging's new key source not taken: $(cat "$LOG")"
m=$(metrics)
! grep -qF 'account="prod"' <<<"$m" || fail "prod series left: $m"
grep -qxF 'sipsync_ready{account="staging"} 1' <<<"$m" || fail "staging series: $m"
# another cycle: the removal is said once
n_prod=$(acct_requests prod | wc -l)
echo '# another commit' >>"$SCRATCH/repo/accounts.yaml"
push "another commit"
wait_until 20 eval '[ "$(grep -c "account staging: reconcile: no changes" "$LOG")" -ge 2 ]' ||
	fail "no further staging cycle: $(cat "$LOG")"
same "$(grep -c 'account prod: removed from accounts.yaml' "$LOG")" 1 "removal logged once"
same "$(acct_requests prod | wc -l)" "$n_prod" "no request to prod once removed"
kill -0 "$pid" || fail "the agent restarted or died"

# explicit --account NAMEs: a name missing at a commit fails that
# account's cycles (naming the file and the name), and it recovers when
# it is back
cp "$SCRATCH/both.yaml" "$SCRATCH/repo/accounts.yaml"
repo_commit "$SCRATCH/repo" "prod back" >/dev/null
port2=$(free_port)
URL="http://127.0.0.1:$port2"
LOG="$SCRATCH/agent-two.log"
"$SIPSYNC" run --account staging --account prod --listen "127.0.0.1:$port2" \
	--repo "$SCRATCH/repo" --path accounts.yaml --mode apply --interval 1h \
	--secrets-dir "$SCRATCH/secrets" --webhook-secret-file "$SCRATCH/hook.secret" \
	--state-dir "$SCRATCH/state-two" >"$LOG" 2>&1 &
ACCT_AGENTS+=($!)
wait_until 20 eval '[ "$(http_code GET "$URL/readyz")" = 200 ]' ||
	fail "two accounts not ready: $(cat "$LOG")"
cp "$SCRATCH/staging-only.yaml" "$SCRATCH/repo/accounts.yaml"
push "prod gone again"
wait_until 20 grep -q "account prod: accounts.yaml@[0-9a-f]*: no account 'prod'" "$LOG" ||
	fail "prod's cycle does not name the file and the name: $(cat "$LOG")"
assert_eq "$(http_code GET "$URL/readyz?account=prod")" 503 "prod named, missing: served, failing"
wait_until 10 eval '[ "$(http_code GET "$URL/readyz?account=staging")" = 200 ]' ||
	fail "staging not ready: $(cat "$LOG")"
cp "$SCRATCH/both.yaml" "$SCRATCH/repo/accounts.yaml"
push "prod back again"
wait_until 20 eval '[ "$(http_code GET "$URL/readyz")" = 200 ]' ||
	fail "prod did not recover: $(cat "$LOG")"
! grep -qF "$ULTRAVOX_API_KEY_PROD" "$LOG" || fail "a key is in the log"
! grep -qF "$ULTRAVOX_API_KEY_STAGING" "$LOG" || fail "a key is in the log"
echo "accounts_agent_reload: ok"
