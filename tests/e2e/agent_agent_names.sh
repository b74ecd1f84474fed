# sipsync run resolves `agent: NAME` at every reconcile: --once --mode
# apply sends the id the name has in the account, and a name no agent has
# fails the cycle with the error at its place in the repository's file.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"
source "$SRC_DIR/tests/lib/agents.sh"
agents_seed "$SCRATCH/seed.json" "$A1=sales-bot" "$A2=support-bot"
sim_start --seed "$SCRATCH/seed.json" --page-size 1
agent_trap
REPO="$SCRATCH/repo"
STATE="$SCRATCH/state"
rm -rf "$STATE"
repo_init "$REPO"
printf 'version: 1\nsip:\n  allowedAgents:\n    - agent: support-bot\n' >"$REPO/sip.yaml"
repo_commit "$REPO" one >/dev/null
"$SIPSYNC" run --repo "$REPO" --once --mode apply --listen none \
	--state-dir "$STATE" 2>"$SCRATCH/once.log" ||
	fail "--once failed: $(cat "$SCRATCH/once.log")"
got=$(sim_ctl GET /_sim/state | json_get 'd["sip"]["allowedAgents"]')
assert_eq "$got" "[{\"agentId\":\"$A2\"}]" "the name's id applied"

printf 'version: 1\nsip:\n  allowedAgents:\n    - agent: nobody\n' >"$REPO/sip.yaml"
repo_commit "$REPO" two >/dev/null
if "$SIPSYNC" run --repo "$REPO" --once --mode apply --listen none \
	--state-dir "$STATE" 2>"$SCRATCH/once.log"; then
	fail "--once succeeded with an unknown agent name"
fi
assert_contains "$(cat "$SCRATCH/once.log")" "sip.yaml" "the error names the file"
assert_contains "$(cat "$SCRATCH/once.log")" "sip.allowedAgents[0].agent: no agent named 'nobody' in this account" "unknown name"
got=$(sim_ctl GET /_sim/state | json_get 'd["sip"]["allowedAgents"]')
assert_eq "$got" "[{\"agentId\":\"$A2\"}]" "nothing written"
echo "ok: agent resolves names"
