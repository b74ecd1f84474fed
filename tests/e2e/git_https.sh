# --repo over https with a token: `git http-backend` behind the test server
# speaking TLS with a self-signed certificate for localhost. Without that
# certificate trusted the fetch is refused (one line); the agent trusting it
# with --git-ca-cert fetches with the token from --git-token-file and
# applies; the token appears in no output.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"

sim_start
agent_trap

SRV="$SCRATCH/srv"
STATE="$SCRATCH/state"
TOKEN="tok-$RANDOM$RANDOM-secret"
rm -rf "$SRV" "$STATE" "$SCRATCH/https.port"
mkdir -p "$SRV"
repo_init "$SRV/work"
printf 'version: 1\nsip:\n  allowedCidrRanges: [203.0.113.0/24]\n' >"$SRV/work/sip.yaml"
repo_commit "$SRV/work" one >/dev/null
git clone -q --bare "$SRV/work" "$SRV/repo.git" || fail "bare clone"

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
	-addext "subjectAltName=DNS:localhost" -keyout "$SCRATCH/key.pem" \
	-out "$SCRATCH/cert.pem" 2>/dev/null || fail "self-signed certificate"
printf '%s\n' "$TOKEN" >"$SCRATCH/server.token"
printf '%s\n' "$TOKEN" >"$SCRATCH/token"
python3 "$SRC_DIR/tests/lib/git_http_server.py" "$SRV" "$SCRATCH/server.token" \
	"$SCRATCH/https.port" "$SCRATCH/cert.pem" "$SCRATCH/key.pem" 2>"$SCRATCH/https.log" &
HTTPS_PID=$!
cleanup_add 'kill $HTTPS_PID 2>/dev/null; wait $HTTPS_PID 2>/dev/null'
wait_until 10 test -s "$SCRATCH/https.port" || fail "https server did not start"
URL="https://localhost:$(cat "$SCRATCH/https.port")/repo.git"

# Untrusted certificate: refused, one line naming the repository.
OUT=$(SIPSYNC_GIT_TOKEN="$TOKEN" "$SIPSYNC" validate --offline --state-dir "$STATE" --repo "$URL" 2>&1) &&
	fail "untrusted certificate accepted"
assert_contains "$OUT" "git: $URL: fetch failed: TLS certificate not trusted" "untrusted certificate"
assert_eq "$(printf '%s\n' "$OUT" | grep -c 'error:')" 1 "one error line"
assert_not_contains "$OUT" "$TOKEN" "token in output"

# Trusted with --git-ca-cert: the agent fetches with the token and applies.
"$SIPSYNC" run --repo "$URL" --once --listen none --mode apply --state-dir "$STATE" \
	--git-ca-cert "$SCRATCH/cert.pem" --git-token-file "$SCRATCH/token" 2>"$SCRATCH/agent.log" ||
	fail "agent over https failed: $(cat "$SCRATCH/agent.log")"
assert_eq "$(sim_cidrs)" '["203.0.113.0/24"]' "applied over https"
# A wrong token over TLS: authentication failed.
printf 'wrong\n' >"$SCRATCH/token"
"$SIPSYNC" run --repo "$URL" --once --listen none --state-dir "$STATE" \
	--git-ca-cert "$SCRATCH/cert.pem" --git-token-file "$SCRATCH/token" 2>"$SCRATCH/agent2.log" &&
	fail "wrong token accepted over https"
grep -q "git: $URL: fetch failed: authentication failed" "$SCRATCH/agent2.log" ||
	fail "wrong token: $(cat "$SCRATCH/agent2.log")"
assert_not_contains "$(cat "$SCRATCH/agent.log" "$SCRATCH/agent2.log")" "$TOKEN" "token in the agent log"
echo "ok: git over https with token"
