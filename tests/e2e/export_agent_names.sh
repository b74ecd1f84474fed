# export: each agentId carries its agent's name as a comment; with
# --agent-names the allowance is written `agent: NAME` (but where the name
# is shared by two agents, or the agent has none: agentId stays). Both
# files plan to no changes against the account they came from.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
A1=0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14
A2=7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f
A3=11111111-2222-4333-8444-555555555555
A4=22222222-3333-4444-8555-666666666666
cat >"$SCRATCH/seed.json" <<JSON
{"agents": [{"agentId": "$A1", "name": "sales-bot"},
            {"agentId": "$A2", "name": "twin"},
            {"agentId": "$A3", "name": "twin"},
            "$A4"],
 "sip": {"allowedAgents": [{"agentId": "$A1", "toUserPattern": "^sales\$"},
                           {"agentId": "$A2"},
                           {"agentId": "$A4", "toUserPattern": "^ops\$"}]}}
JSON
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
