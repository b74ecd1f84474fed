# sipsync run --policy: a commit that breaks the organisation policy is
# not applied (nothing sent), the log names the value and the rule,
# /readyz turns unready and the account keeps its last good state; a
# SIGHUP after the policy file is relaxed re-reads it and the same commit
# is then applied.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"

sim_start
agent_trap

REPO="$SCRATCH/repo"
STATE="$SCRATCH/state"
POL="$SCRATCH/policy.yaml"
rm -rf "$STATE"
repo_init "$REPO"
mkdir -p "$REPO/prod"
cidrs()
{
	printf 'version: 1\nsip:\n  allowedCidrRanges: [%s]\n' "$1" >"$REPO/prod/sip.yaml"
}
policy()
{
	printf 'version: 1\npolicy:\n  cidr:\n    minPrefix: %s\n' "$1" >"$POL"
}
policy 16
cidrs 203.0.113.0/24
repo_commit "$REPO" good >/dev/null

agent_start --repo "$REPO" --path prod --mode apply --interval 1s \
	--state-dir "$STATE" --policy "$POL"
applied() { [ "$(sim_cidrs)" = "$1" ]; }
wait_until 20 applied '["203.0.113.0/24"]' || fail "the good commit was not applied"
wait_until 10 eval '[ "$(http_code GET "$AGENT_URL/readyz")" = 200 ]' ||
	fail "/readyz not ready after a good cycle"

# A commit that opens the account to a /8: refused.
cidrs 10.0.0.0/8
BAD=$(repo_commit "$REPO" wide)
sim_ctl DELETE /_sim/log >/dev/null
refused() { grep -q "commit=${BAD:0:7}.*desired state at this commit is invalid; nothing applied" "$SCRATCH/agent.log"; }
wait_until 20 refused || fail "the violating commit was not refused: $(cat "$SCRATCH/agent.log")"
assert_contains "$(cat "$SCRATCH/agent.log")" \
	"prod/sip.yaml@${BAD:0:7}:3:23: error: sip.allowedCidrRanges[0]: 10.0.0.0/8 is wider than /16 (policy cidr.minPrefix, $POL:4:16)" \
	"the log names the value, the rule and the policy's place"
wait_until 10 eval '[ "$(http_code GET "$AGENT_URL/readyz")" = 503 ]' ||
	fail "/readyz still ready after a refused commit"
applied '["203.0.113.0/24"]' || fail "the account lost its last good state: $(sim_cidrs)"
LOG=$(sim_ctl GET /_sim/log)
assert_not_contains "$LOG" '"method":"PATCH"' "nothing sent for the refused commit"

# The policy relaxed and re-read on SIGHUP: the same commit now applies.
policy 8
kill -HUP "$AGENT_PID"
wait_until 20 applied '["10.0.0.0/8"]' || fail "the commit was not applied after SIGHUP re-read the policy"
wait_until 10 eval '[ "$(http_code GET "$AGENT_URL/readyz")" = 200 ]' ||
	fail "/readyz not ready again after the relaxed policy"

# A policy file that no longer loads keeps the previous one in force.
printf 'version: 1\npolicy:\n  cidr:\n    minPrefx: 24\n' >"$POL"
kill -HUP "$AGENT_PID"
wait_until 10 grep -q "the previous policy stays in force" "$SCRATCH/agent.log" ||
	fail "a broken policy file on SIGHUP was not reported"
assert_contains "$(cat "$SCRATCH/agent.log")" "unknown key 'minPrefx'; did you mean 'minPrefix'?" "the typo is named"
assert_contains "$(cat "$SCRATCH/agent.log")" "SIGHUP: re-reading secret files and the policy" "the SIGHUP line names the policy"
agent_stop
assert_eq "$AGENT_RC" 0 "agent exit status"
echo "ok"
