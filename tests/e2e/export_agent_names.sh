# export: each agentId carries its agent's name as a comment; with
# --agent-names the allowance is written `agent: NAME` (but where the name
# is shared by two agents, or the agent has none: agentId stays). Both
# files plan to no changes against the account they came from.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
source "$SRC_DIR/tests/lib/agents.sh"
agents_seed "$SCRATCH/seed.json" "$A1=sales-bot" "$A2=twin" "$A3=twin" "$A4" \
	-- "{\"allowedAgents\": [{\"agentId\": \"$A1\", \"toUserPattern\": \"^sales\$\"},
	{\"agentId\": \"$A2\"}, {\"agentId\": \"$A4\", \"toUserPattern\": \"^ops\$\"}]}"
sim_start --seed "$SCRATCH/seed.json" --page-size 2

ss export --out "$SCRATCH/ids.yaml"
assert_rc 0 "export"
exp=$(cat "$SCRATCH/ids.yaml")
assert_contains "$exp" "- agentId: '$A1'  # sales-bot" "name as a comment"
assert_contains "$exp" "- agentId: '$A2'  # twin" "shared name as a comment too"
assert_contains "$exp" "- agentId: '$A4'
" "no comment for an agent without a name"

ss export --agent-names --out "$SCRATCH/names.yaml"
assert_rc 0 "export --agent-names"
exp=$(cat "$SCRATCH/names.yaml")
assert_contains "$exp" "- agent: sales-bot
    toUserPattern: '^sales\$'" "agent: NAME"
assert_contains "$exp" "- agentId: '$A2'  # twin" "an ambiguous name stays an id"
assert_contains "$exp" "- agentId: '$A4'" "an agent without a name stays an id"

for f in ids names; do
	ss validate --offline "$SCRATCH/$f.yaml"
	assert_rc 0 "$f.yaml validates"
	ss plan "$SCRATCH/$f.yaml" --detailed-exitcode
	assert_rc 0 "$f.yaml plans to no changes"
done
exit 0
