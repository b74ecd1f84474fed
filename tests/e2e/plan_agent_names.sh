# Allowances that name their agent (`agent: NAME`): the names are read
# from GET /api/agents across several pages (the simulator serves two
# agents a page), resolved to ids, and the plan shows each agent as
# "name (0b6f3c1e…)"; its JSON carries agentName beside agentId; apply
# sends the ids.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
A1=0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14
A2=7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f
A3=11111111-2222-4333-8444-555555555555
A4=22222222-3333-4444-8555-666666666666
A5=33333333-4444-4555-8666-777777777777
cat >"$SCRATCH/seed.json" <<JSON
{"agents": [{"agentId": "$A3", "name": "billing-bot"},
            {"agentId": "$A4", "name": "sales-bot-old"},
            "$A5",
            {"agentId": "$A1", "name": "sales-bot"},
            {"agentId": "$A2", "name": "support-bot"}]}
JSON
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
same "$(out)" "~ sip config (sim.sip.ultravox.ai)
    allowedAgents[0] + sales-bot (0b6f3c1e…)  \"^sales\$\"
    allowedAgents[1] + support-bot (7d1e2f30…)  (default pattern)
    allowedAgents[2] + 33333333…  \"^ops\$\"

Plan: 0 to create, 1 to update, 0 to delete." "plan shows names (the unnamed agent by id)"
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
