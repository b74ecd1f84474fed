# sipsync run --mode apply: a ref force-pushed to a commit that does not
# descend from the last applied one is applied, with a warning naming both
# commits; an ordinary push after it gives no such warning.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"

sim_start
agent_trap

REPO="$SCRATCH/repo"
STATE="$SCRATCH/state"
rm -rf "$STATE"
repo_init "$REPO"
cidrs()
{
	printf 'version: 1\nsip:\n  allowedCidrRanges: [%s]\n' "$1" >"$REPO/sip.yaml"
}
cidrs 203.0.113.0/24
C1=$(repo_commit "$REPO" one)

agent_start --repo "$REPO" --mode apply --interval 1s --state-dir "$STATE"
applied_commit() { [ "$(metric "sipsync_applied_commit_info{commit=\"$1\"}")" = 1 ]; }
wait_until 20 applied_commit "$C1" || fail "first commit not applied"

# rewrite history: the amended root commit does not descend from C1
cidrs 198.51.100.0/24
(cd "$REPO" && "${GITC[@]}" commit -q -a --amend -m rewritten) || fail "amend"
C2=$(git -C "$REPO" rev-parse HEAD)
wait_until 20 applied_commit "$C2" || fail "force-pushed commit not applied"
assert_eq "$(sim_cidrs)" '["198.51.100.0/24"]' "force-pushed state applied"
LINE=$(grep "does not descend" "$SCRATCH/agent.log")
assert_contains "$LINE" "warning" "force push logged as a warning"
assert_contains "$LINE" "$C2" "the new commit named"
assert_contains "$LINE" "last applied commit $C1" "the last applied commit named"

# an ordinary push: no warning
cidrs 192.0.2.0/24
C3=$(repo_commit "$REPO" three)
wait_until 20 applied_commit "$C3" || fail "fast-forward not applied"
assert_eq "$(grep -c "does not descend" "$SCRATCH/agent.log")" 1 "warning for a fast-forward"
agent_stop
assert_eq "$AGENT_RC" 0 "agent exit status"
echo "ok: force push warned"
