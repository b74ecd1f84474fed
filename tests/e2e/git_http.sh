# --repo over smart HTTP with token auth: `git http-backend` behind a small
# Python server on loopback that demands basic auth x-access-token:TOKEN.
# The token comes from SIPSYNC_GIT_TOKEN (one-shot commands) or
# --git-token-file (the agent); no token and a wrong token each give one
# clear line; the token never appears in any output or log. (Plain HTTP;
# TLS is tests/e2e/git_https.sh.)
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"

sim_start
agent_trap

SRV="$SCRATCH/srv"
STATE="$SCRATCH/state"
TOKEN="tok-$RANDOM$RANDOM-secret"
rm -rf "$SRV" "$STATE" "$SCRATCH/http.port"
mkdir -p "$SRV"
repo_init "$SRV/work"
printf 'version: 1\nsip:\n  allowedCidrRanges: [203.0.113.0/24]\n' >"$SRV/work/sip.yaml"
C1=$(repo_commit "$SRV/work" one)
git clone -q --bare "$SRV/work" "$SRV/repo.git" || fail "bare clone"

printf '%s\n' "$TOKEN" >"$SCRATCH/server.token"
python3 "$SRC_DIR/tests/lib/git_http_server.py" "$SRV" "$SCRATCH/server.token" \
	"$SCRATCH/http.port" 2>"$SCRATCH/http.log" &
HTTP_PID=$!
cleanup_add 'kill $HTTP_PID 2>/dev/null; wait $HTTP_PID 2>/dev/null'
wait_until 10 test -s "$SCRATCH/http.port" || fail "git http server did not start"
URL="http://127.0.0.1:$(cat "$SCRATCH/http.port")/repo.git"

validate()
{
	"$SIPSYNC" validate --offline --state-dir "$STATE" --repo "$URL" "$@" 2>&1
}

OUT=$(SIPSYNC_GIT_TOKEN= validate) && fail "no token accepted"
assert_contains "$OUT" "git: $URL: fetch failed: authentication required" "no token"
OUT=$(SIPSYNC_GIT_TOKEN=wrong-token validate) && fail "wrong token accepted"
assert_contains "$OUT" "git: $URL: fetch failed: authentication failed" "wrong token"
assert_eq "$(printf '%s\n' "$OUT" | grep -c 'error:')" 1 "one error line for a wrong token"
OUT=$(SIPSYNC_GIT_TOKEN="$TOKEN" validate) || fail "token refused: $OUT"
assert_contains "$OUT" "valid" "validate over http"
assert_not_contains "$OUT" "$TOKEN" "token in output"

# The agent, with the token in a file, sees a push (incremental fetch).
printf '%s\n' "$TOKEN" >"$SCRATCH/token"
agent_start --repo "$URL" --mode apply --interval 1s --state-dir "$STATE" \
	--git-token-file "$SCRATCH/token" -v
wait_until 20 eval '[ "$(sim_cidrs)" = "[\"203.0.113.0/24\"]" ]' || fail "not applied over http"
printf 'version: 1\nsip:\n  allowedCidrRanges: [198.51.100.0/24]\n' >"$SRV/work/sip.yaml"
C2=$(repo_commit "$SRV/work" two)
git -C "$SRV/work" push -q "$SRV/repo.git" main || fail "push"
wait_until 20 eval '[ "$(sim_cidrs)" = "[\"198.51.100.0/24\"]" ]' || fail "push not applied over http"
grep -q "commit=${C2:0:7}" "$SCRATCH/agent.log" || fail "commit not logged"

# Token rotated on the server side: fetch fails (clear line), readyz 503;
# the new token file + SIGHUP recovers.
NEW="new-$TOKEN"
printf '%s\n' "$NEW" >"$SCRATCH/server.token"
wait_until 20 grep -q "fetch failed: authentication failed" "$SCRATCH/agent.log" ||
	fail "rotated token: no auth failure logged"
wait_until 10 eval '[ "$(http_code GET "$AGENT_URL/readyz")" = 503 ]' || fail "readyz after auth failure"
printf '%s\n' "$NEW" >"$SCRATCH/token"
kill -HUP "$AGENT_PID"
wait_until 20 eval '[ "$(http_code GET "$AGENT_URL/readyz")" = 200 ]' || fail "SIGHUP did not reload the token"
agent_stop
assert_eq "$AGENT_RC" 0 "agent exit status"
LOGS="$(cat "$SCRATCH/agent.log")"
assert_not_contains "$LOGS" "$TOKEN" "token in the agent log"
grep -q "fetch took" "$SCRATCH/agent.log" || fail "no fetch timing in -v log"
echo "ok: git over http with token"
