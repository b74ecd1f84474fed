# Saved plans from git: the plan records repo, ref and commit; apply --plan
# re-reads the same repository and ref and refuses when the ref moved;
# a plan made at a full commit id applies even after the branch moved.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"
source "$SRC_DIR/tests/lib/plan.sh"
sim_start

REPO="$SCRATCH/repo"
repo_init "$REPO"
mkdir -p "$REPO/prod"
cidrs() { printf 'version: 1\nsip:\n  allowedCidrRanges: [%s]\n' "$1" >"$REPO/prod/sip.yaml"; }
git_args=(--repo "$REPO" --path prod)

cidrs 203.0.113.0/24
C1=$(repo_commit "$REPO" one)
ss plan "${git_args[@]}" --ref main --out "$SCRATCH/p1.json"
assert_rc 0 "plan from git"
python3 - "$SCRATCH/p1.json" "$REPO" "$C1" <<'PY' || fail "plan source"
import json, sys
s = json.load(open(sys.argv[1]))["source"]
assert s["repo"] == sys.argv[2], s
assert s["ref"] == "main", s
assert s["commit"] == sys.argv[3], s
assert s["path"] == "prod", s
PY
ss apply --plan "$SCRATCH/p1.json" --auto-approve
assert_rc 0 "apply --plan from git"
assert_eq "$(live_get 'd["sip"]["allowedCidrRanges"]')" '["203.0.113.0/24"]' "applied C1"

cidrs 198.51.100.0/24
C2=$(repo_commit "$REPO" two)
ss plan "${git_args[@]}" --ref main --out "$SCRATCH/p2.json"
ss plan "${git_args[@]}" --ref "$C2" --out "$SCRATCH/p3.json"
assert_rc 0 "plan at a full commit id"
cidrs 192.0.2.0/24
repo_commit "$REPO" three >/dev/null
sim_ctl DELETE /_sim/log >/dev/null
ss apply --plan "$SCRATCH/p2.json" --auto-approve
assert_rc 1 "the ref moved"
assert_contains "$(err)" "the ref main moved since the plan was made" "moved message"
assert_eq "$(log_writes)" "" "nothing written"
ss apply --plan "$SCRATCH/p3.json" --auto-approve
assert_rc 0 "a plan pinned to a commit applies after the branch moved"
assert_eq "$(live_get 'd["sip"]["allowedCidrRanges"]')" '["198.51.100.0/24"]' "applied C2"
exit 0
