# Allowances that name their agent (`agent: NAME`): the names are read
# from GET /api/agents across several pages (the simulator serves two
# agents a page), resolved to ids, and the plan shows each agent as
# "name (0b6f3c1e…)"; its JSON carries agentName beside agentId; apply
# sends the ids.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
source "$SRC_DIR/tests/lib/agents.sh"
agents_seed "$SCRATCH/seed.json" "$A3=billing-bot" "$A4=sales-bot-old" "$A5" \
	"$A1=sales-bot" "$A2=support-bot"
sim_start --seed "$SCRATCH/seed.json" --page-size 2
cfg="$SCRATCH/sip.yaml"
write_yaml "$cfg" <<YAML
version: 1
sip:
  allowedAgents:
    - agent: sales-bot
      toUserPattern: '^sales$'
    - agent: support-bot
    - agentId: $A5
      toUserPattern: '^ops$'
YAML
ss plan "$cfg"
assert_rc 0 "plan"
same "$(out)" "Routing changes (5 user parts checked, 3 change):
  sales                                       reject  →  sales-bot (0b6f3c1e…) (allowedAgents[0])
  agent_7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f  reject  →  support-bot (7d1e2f30…) (allowedAgents[1])
  ops                                         reject  →  33333333… (allowedAgents[2])

~ sip config (sim.sip.ultravox.ai)
    allowedAgents[0] + sales-bot (0b6f3c1e…)  \"^sales\$\"
    allowedAgents[1] + support-bot (7d1e2f30…)  (default pattern)
    allowedAgents[2] + 33333333…  \"^ops\$\"

Plan: 0 to create, 1 to update, 0 to delete." "plan shows names, in the routing section too (the unnamed agent by id)"
pages=$(sim_ctl GET /_sim/log | python3 -c '
import json, sys
print(sum(1 for r in json.load(sys.stdin)["requests"] if r["path"] == "/api/agents"))')
assert_eq "$pages" 3 "five agents read in three pages of two"
ss plan "$cfg" --format json
assert_rc 0 "plan json"
names=$(out | json_get '[c.get("agentName") for i in d["changes"] for c in i["fields"]]')
assert_eq "$names" '["sales-bot","support-bot",null]' "agentName beside agentId"
ss apply "$cfg" --auto-approve
assert_rc 0 "apply"
assert_contains "$(log_writes)" "\"agentId\":\"$A1\",\"toUserPattern\":\"^sales\$\"}" "the resolved id is sent"
assert_contains "$(log_writes)" "{\"agentId\":\"$A2\"}" "the second name resolved"
ss plan "$cfg" --detailed-exitcode
assert_rc 0 "converged"
exit 0
