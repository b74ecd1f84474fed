# --verify-commits with SSH signatures (--allowed-signers): a commit
# signed by the trusted key is planned and applied from --repo; an
# unsigned commit, one signed by another key and one whose signed payload
# was altered are refused by plan and apply, naming the commit and the
# reason, and nothing is sent (the account keeps its state).
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"
source "$SRC_DIR/tests/lib/plan.sh"
source "$SRC_DIR/tests/lib/signing.sh"
sim_start
agent_trap
sign_ssh_setup

REPO="$SCRATCH/repo"
repo_init "$REPO"
mkdir -p "$REPO/prod"
cidrs() { printf 'version: 1\nsip:\n  allowedCidrRanges: [%s]\n' "$1" >"$REPO/prod/sip.yaml"; }
verify=(--repo "$REPO" --path prod --verify-commits --allowed-signers "$SIGN/allowed_signers")

cidrs 203.0.113.0/24
GOOD=$(ssh_commit "$REPO" good "$SIGN/trusted")
ss plan "${verify[@]}"
assert_rc 0 "plan of a trusted signed commit"
assert_contains "$(err)" "commit ${GOOD:0:7}: good SSH signature by ops@example.com" "the signer is named"
ss apply "${verify[@]}" --auto-approve
assert_rc 0 "apply of a trusted signed commit"
assert_eq "$(log_writes)" 'PATCH /api/sip {"allowedCidrRanges":["203.0.113.0/24"]}' "the signed commit applied"

# refused: each would change the account, and nothing is sent
refused() # WHAT WANT
{
	sim_ctl DELETE /_sim/log >/dev/null
	ss plan "${verify[@]}"
	assert_rc 1 "plan of $1"
	assert_contains "$(err)" "$2" "plan of $1 names the commit and the reason"
	ss apply "${verify[@]}" --auto-approve
	assert_rc 1 "apply of $1"
	assert_contains "$(err)" "$2" "apply of $1"
	assert_eq "$(log_count)" 0 "nothing sent for $1 (not even a read)"
	assert_eq "$(live_get 'd["sip"]["allowedCidrRanges"]')" '["203.0.113.0/24"]' "account unchanged after $1"
}

cidrs 0.0.0.0/0
C=$(repo_commit "$REPO" unsigned)
refused "an unsigned commit" "error: git: $REPO: commit ${C:0:7}: not signed (--verify-commits)"

cidrs 198.51.100.0/24
C=$(ssh_commit "$REPO" other "$SIGN/other")
refused "a commit signed by another key" \
	"commit ${C:0:7}: signed by a key not in $SIGN/allowed_signers (--verify-commits)"

# the trusted signature over one tree, put on another
cidrs 203.0.113.0/24
ssh_commit "$REPO" signed "$SIGN/trusted" >/dev/null
cidrs 0.0.0.0/0
C=$(tamper_head "$REPO")
refused "an altered payload" \
	"commit ${C:0:7}: bad signature (ssh-keygen: Signature verification failed: incorrect signature) (--verify-commits)"

# nothing of the check stays behind in TMPDIR
export TMPDIR="$SCRATCH/tmp"
mkdir -p "$TMPDIR"
ss plan "${verify[@]}"
assert_eq "$(ls -A "$TMPDIR")" "" "the temporary directory is removed"
echo "ok"
