# sipsync run --verify-commits: a commit signed by a trusted SSH key is
# applied (/readyz ready, sipsync_commit_verified 1); an unsigned commit
# pushed after it is refused through the agent's refusal path (the log
# names the commit and the reason, nothing sent, /readyz unready,
# sipsync_commit_verified 0, the account keeps its last good state); the
# next signed commit applies again.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"
source "$SRC_DIR/tests/lib/signing.sh"

sim_start
agent_trap
sign_ssh_setup

REPO="$SCRATCH/repo"
STATE="$SCRATCH/state"
rm -rf "$STATE"
repo_init "$REPO"
mkdir -p "$REPO/prod"
cidrs() { printf 'version: 1\nsip:\n  allowedCidrRanges: [%s]\n' "$1" >"$REPO/prod/sip.yaml"; }
applied() { [ "$(sim_cidrs)" = "$1" ]; }
ready_is() { [ "$(http_code GET "$AGENT_URL/readyz")" = "$1" ]; }
verified_is() { [ "$(metric sipsync_commit_verified)" = "$1" ]; }

cidrs 203.0.113.0/24
GOOD=$(ssh_commit "$REPO" good "$SIGN/trusted")
agent_start --repo "$REPO" --path prod --mode apply --interval 1s \
	--state-dir "$STATE" --verify-commits --allowed-signers "$SIGN/allowed_signers"
wait_until 20 applied '["203.0.113.0/24"]' || fail "the signed commit was not applied"
wait_until 10 ready_is 200 || fail "/readyz not ready after a verified commit"
wait_until 10 verified_is 1 || fail "sipsync_commit_verified is not 1: $(metric sipsync_commit_verified)"
assert_contains "$(cat "$SCRATCH/agent.log")" \
	"commit=${GOOD:0:7} git: $REPO: commit ${GOOD:0:7}: good SSH signature by ops@example.com" \
	"the signer is logged"

cidrs 0.0.0.0/0
BAD=$(repo_commit "$REPO" unsigned)
sim_ctl DELETE /_sim/log >/dev/null
refused() { grep -q "commit=${BAD:0:7}.*desired state at this commit is invalid; nothing applied" "$SCRATCH/agent.log"; }
wait_until 20 refused || fail "the unsigned commit was not refused"
assert_contains "$(cat "$SCRATCH/agent.log")" \
	"commit=${BAD:0:7} git: $REPO: commit ${BAD:0:7}: not signed (--verify-commits)" \
	"the log names the commit and the reason"
wait_until 10 ready_is 503 || fail "/readyz still ready after a refused commit"
wait_until 10 verified_is 0 || fail "sipsync_commit_verified is not 0: $(metric sipsync_commit_verified)"
applied '["203.0.113.0/24"]' || fail "the account lost its last good state: $(sim_cidrs)"
assert_not_contains "$(sim_ctl GET /_sim/log)" '"method":"PATCH"' "nothing sent for the unsigned commit"

cidrs 198.51.100.0/24
ssh_commit "$REPO" signed-again "$SIGN/trusted" >/dev/null
wait_until 20 applied '["198.51.100.0/24"]' || fail "the next signed commit was not applied"
wait_until 10 ready_is 200 || fail "/readyz not ready again"
wait_until 10 verified_is 1 || fail "sipsync_commit_verified not back to 1"
agent_stop
assert_eq "$AGENT_RC" 0 "agent exit status"
echo "ok"
