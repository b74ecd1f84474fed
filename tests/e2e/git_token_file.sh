# One-shot commands take the git token from --git-token-file as `run` does
# (over smart HTTP with basic auth, tests/lib/git_http_server.py): validate
# and plan read the file with SIPSYNC_GIT_TOKEN unset, the file wins over
# the variable, an unreadable file is one clear error, and the token never
# appears in any output.
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
repo_commit "$SRV/work" one >/dev/null
git clone -q --bare "$SRV/work" "$SRV/repo.git" || fail "bare clone"
printf '%s\n' "$TOKEN" >"$SCRATCH/server.token"
python3 "$SRC_DIR/tests/lib/git_http_server.py" "$SRV" "$SCRATCH/server.token" \
	"$SCRATCH/http.port" 2>"$SCRATCH/http.log" &
HTTP_PID=$!
cleanup_add 'kill $HTTP_PID 2>/dev/null; wait $HTTP_PID 2>/dev/null'
wait_until 10 test -s "$SCRATCH/http.port" || fail "git http server did not start"
URL="http://127.0.0.1:$(cat "$SCRATCH/http.port")/repo.git"
printf '%s\n' "$TOKEN" >"$SCRATCH/token"
unset SIPSYNC_GIT_TOKEN

OUT=$("$SIPSYNC" validate --offline --state-dir "$STATE" --repo "$URL" \
	--git-token-file "$SCRATCH/token" 2>&1) || fail "validate --git-token-file: $OUT"
assert_contains "$OUT" "valid" "validate with a token file"
OUT=$("$SIPSYNC" plan --state-dir "$STATE" --repo "$URL" \
	--git-token-file "$SCRATCH/token" 2>&1) || fail "plan --git-token-file: $OUT"
assert_contains "$OUT" "Plan:" "plan with a token file"
OUT=$(SIPSYNC_GIT_TOKEN=wrong "$SIPSYNC" validate --offline --state-dir "$STATE" \
	--repo "$URL" --git-token-file "$SCRATCH/token" 2>&1) ||
	fail "the file does not win over the variable: $OUT"
OUT=$("$SIPSYNC" validate --offline --state-dir "$STATE" --repo "$URL" \
	--git-token-file "$SCRATCH/missing" 2>&1) && fail "a missing token file accepted"
assert_contains "$OUT" "--git-token-file" "missing file names the flag"
assert_eq "$(printf '%s\n' "$OUT" | grep -c 'error:')" 1 "one error line"
"$SIPSYNC" validate --help | grep -q -- "--git-token-file" || fail "not in validate --help"
"$SIPSYNC" plan --help | grep -q -- "--known-hosts" || fail "not in plan --help"
ALL=$(cat "$SCRATCH/http.log")
assert_not_contains "$ALL$OUT" "$TOKEN" "token in output"
echo "ok: --git-token-file on one-shot commands"
