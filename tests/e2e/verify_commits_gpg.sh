# --verify-commits with OpenPGP signatures (--trusted-keys, checked by
# gpgv): a commit signed by the trusted key applies, with the keyring
# binary or armored (dearmored in a private temporary directory); an
# unsigned commit, one signed by a key not in the keyring and one whose
# signed payload was altered are refused and nothing is sent.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"
source "$SRC_DIR/tests/lib/signing.sh"
source "$SRC_DIR/tests/lib/plan.sh"
sim_start
agent_trap
sign_gpg_setup

REPO="$SCRATCH/repo"
repo_init "$REPO"
mkdir -p "$REPO/prod"
cidrs() { printf 'version: 1\nsip:\n  allowedCidrRanges: [%s]\n' "$1" >"$REPO/prod/sip.yaml"; }
git_args=(--repo "$REPO" --path prod --verify-commits)

cidrs 203.0.113.0/24
GOOD=$(gpg_commit "$REPO" good trusted@example.com)
ss plan "${git_args[@]}" --trusted-keys "$SIGN/trusted.asc"
assert_rc 0 "plan with an armored keyring"
assert_contains "$(err)" "commit ${GOOD:0:7}: good OpenPGP signature by trusted <trusted@example.com>" "the signer is named"
ss apply "${git_args[@]}" --trusted-keys "$SIGN/trusted.gpg" --auto-approve
assert_rc 0 "apply with a binary keyring"
assert_eq "$(log_writes)" 'PATCH /api/sip {"allowedCidrRanges":["203.0.113.0/24"]}' "the signed commit applied"

refused() # WHAT WANT
{
	local kr
	for kr in trusted.gpg trusted.asc; do
		sim_ctl DELETE /_sim/log >/dev/null
		ss apply "${git_args[@]}" --trusted-keys "$SIGN/$kr" --auto-approve
		assert_rc 1 "apply of $1 ($kr)"
		assert_contains "$(err)" "$2" "apply of $1 names the commit and the reason ($kr)"
		assert_eq "$(log_count)" 0 "nothing sent for $1 ($kr)"
	done
	assert_eq "$(live_get 'd["sip"]["allowedCidrRanges"]')" '["203.0.113.0/24"]' "account unchanged after $1"
}

cidrs 0.0.0.0/0
C=$(repo_commit "$REPO" unsigned)
refused "an unsigned commit" "commit ${C:0:7}: not signed (--verify-commits)"

cidrs 198.51.100.0/24
C=$(gpg_commit "$REPO" other other@example.com)
refused "a commit signed by another key" "commit ${C:0:7}: signed by a key not in $SIGN/trusted."

cidrs 203.0.113.0/24
gpg_commit "$REPO" signed trusted@example.com >/dev/null
cidrs 0.0.0.0/0
C=$(tamper_head "$REPO")
refused "an altered payload" "commit ${C:0:7}: bad signature (--verify-commits)"

# an SSH-signed commit with only a keyring given is refused, not skipped
ssh-keygen -q -t ed25519 -N '' -f "$SIGN/ssh"
cidrs 192.0.2.0/24
C=$(ssh_commit "$REPO" ssh "$SIGN/ssh")
refused "an SSH signature without --allowed-signers" \
	"commit ${C:0:7}: signed with an SSH key, but no --allowed-signers FILE is given"
echo "ok"
