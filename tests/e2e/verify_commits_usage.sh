# --verify-commits and its key files go together: one without the other
# is a usage error (64) for the one-shot commands and for run; a local
# SOURCE has no commit to verify (refused, not silently unchecked); a
# missing key file is named.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"
source "$SRC_DIR/tests/lib/plan.sh"

REPO="$SCRATCH/repo"
repo_init "$REPO"
printf 'version: 1\n' >"$REPO/sip.yaml"
repo_commit "$REPO" one >/dev/null
printf 'ops@example.com ssh-ed25519 AAAA\n' >"$SCRATCH/allowed"

for cmd in validate plan apply test; do
	ss "$cmd" --repo "$REPO" --verify-commits
	assert_rc 64 "$cmd --verify-commits without a key file"
	assert_eq "$(err)" "sipsync: error: --verify-commits needs --allowed-signers FILE (SSH signatures) or --trusted-keys FILE (OpenPGP)" "$cmd: the usage error"
done
ss route 1234 --repo "$REPO" --verify-commits
assert_rc 64 "route --verify-commits without a key file"
ss run --repo "$REPO" --verify-commits --once
assert_rc 64 "run --verify-commits without a key file"

ss plan --repo "$REPO" --allowed-signers "$SCRATCH/allowed"
assert_rc 64 "--allowed-signers without --verify-commits"
assert_eq "$(err)" "sipsync: error: --allowed-signers is used with --verify-commits only" "the usage error"
ss run --repo "$REPO" --trusted-keys "$SCRATCH/allowed" --once
assert_rc 64 "run --trusted-keys without --verify-commits"
assert_eq "$(err)" "sipsync: error: --trusted-keys is used with --verify-commits only" "run: the usage error"

ss validate --offline "$REPO" --verify-commits --allowed-signers "$SCRATCH/allowed"
assert_rc 1 "a local SOURCE with --verify-commits"
assert_contains "$(err)" "--verify-commits: $REPO is not a git source (give --repo URL)" "refused, not unchecked"

ss validate --offline --repo "$REPO" --verify-commits --allowed-signers "$SCRATCH/nope"
assert_rc 1 "a missing --allowed-signers file"
assert_contains "$(err)" "--allowed-signers $SCRATCH/nope: No such file or directory" "the file is named"
echo "ok"
