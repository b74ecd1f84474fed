#!/usr/bin/env bash
# sipsync run --all --verify-commits takes the accounts file from a
# verified commit only, as the desired state: an unsigned commit adding
# prod is refused (nothing served from it: /readyz?account=prod stays 404,
# prod's simulator gets no request), the next signed commit with the same
# file serves prod (200).
source "$SRC_DIR/tests/lib/cli.sh"
source "$SRC_DIR/tests/lib/accounts.sh"
source "$SRC_DIR/tests/lib/agent.sh"
source "$SRC_DIR/tests/lib/signing.sh"
acct_setup
sign_ssh_setup

cp accounts.yaml "$SCRATCH/both.yaml"
repo_init "$SCRATCH/repo"
cp -r base staging prod "$SCRATCH/repo/"
head -n 7 accounts.yaml >"$SCRATCH/repo/accounts.yaml"
ssh_commit "$SCRATCH/repo" "staging only" "$SIGN/trusted" >/dev/null

port=$(free_port)
URL="http://127.0.0.1:$port"
LOG="$SCRATCH/agent.log"
"$SIPSYNC" run --all --listen "127.0.0.1:$port" --repo "$SCRATCH/repo" \
	--path accounts.yaml --mode apply --interval 1s \
	--verify-commits --allowed-signers "$SIGN/allowed_signers" \
	--state-dir "$SCRATCH/state-agent" >"$LOG" 2>&1 &
ACCT_AGENTS+=($!)
wait_until 20 eval '[ "$(http_code GET "$URL/readyz")" = 200 ]' ||
	fail "staging not ready: $(cat "$LOG")"

cp "$SCRATCH/both.yaml" "$SCRATCH/repo/accounts.yaml"
BAD=$(repo_commit "$SCRATCH/repo" "add prod, unsigned")
wait_until 20 grep -q "commit=${BAD:0:7} .*not signed (--verify-commits)" "$LOG" ||
	fail "the unsigned commit was not refused: $(cat "$LOG")"
wait_until 10 eval '[ "$(http_code GET "$URL/readyz?account=staging")" = 503 ]' ||
	fail "staging still ready at a refused commit: $(cat "$LOG")"
sleep 2 # a few more cycles at the refused commit
assert_eq "$(http_code GET "$URL/readyz?account=prod")" 404 "prod not served from an unsigned commit"
same "$(acct_requests prod | wc -l)" 0 "no request to prod"
! grep -q 'account prod' "$LOG" || fail "prod served from an unsigned commit: $(cat "$LOG")"
grep -q 'accounts.yaml is not verified at this commit: still serving the 1 account ' "$LOG" ||
	fail "no warning for the unverified accounts file: $(cat "$LOG")"

echo '# signed' >>"$SCRATCH/repo/accounts.yaml"
ssh_commit "$SCRATCH/repo" "add prod, signed" "$SIGN/trusted" >/dev/null
wait_until 20 eval '[ "$(http_code GET "$URL/readyz?account=prod")" = 200 ]' ||
	fail "prod not served from the signed commit: $(cat "$LOG")"
wait_until 10 eval '[ "$(http_code GET "$URL/readyz")" = 200 ]' ||
	fail "not ready: $(cat "$LOG")"
grep -q 'account prod: added in accounts.yaml' "$LOG" || fail "the addition is not logged: $(cat "$LOG")"
echo "accounts_agent_reload_verify: ok"
