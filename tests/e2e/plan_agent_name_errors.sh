# `agent: NAME` that no agent has, or that several have: plan fails with
# the error at the name's file:line:col (a did-you-mean from the account's
# names; the ids of every candidate), and nothing is written. One name is
# first looked up with ?search=; the full list follows when it is not
# found exactly.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
source "$SRC_DIR/tests/lib/agents.sh"
agents_seed "$SCRATCH/seed.json" "$A1=sales-bot" "$A2=twin" "$A3=twin"
sim_start --seed "$SCRATCH/seed.json" --page-size 2
agent_gets()
{
	sim_ctl GET /_sim/log | python3 -c '
import json, sys
for r in json.load(sys.stdin)["requests"]:
    if r["path"] == "/api/agents":
        print(r.get("query", ""))'
}
write_yaml "$SCRATCH/typo.yaml" <<YAML
version: 1
sip:
  allowedAgents:
    - agent: sales-bto
YAML
ss plan "$SCRATCH/typo.yaml"
assert_rc 1 "unknown name"
same "$(err)" "$SCRATCH/typo.yaml:4:14: error: sip.allowedAgents[0].agent: no agent named 'sales-bto' in this account (GET /api/agents); did you mean 'sales-bot'?" "unknown name at its place, with a did-you-mean"
queries=$(agent_gets)
assert_contains "$queries" "search=sales-bto" "one name: searched first"
assert_eq "$(grep -c . <<<"$queries")" 3 "then the whole list (two pages)"

sim_ctl DELETE /_sim/log >/dev/null
write_yaml "$SCRATCH/twin.yaml" <<YAML
version: 1
sip:
  allowedAgents:
    - agent: sales-bot
    - agent: twin
      toUserPattern: '^twin$'
YAML
ss apply "$SCRATCH/twin.yaml" --auto-approve
assert_rc 1 "ambiguous name"
same "$(err)" "$SCRATCH/twin.yaml:5:14: error: sip.allowedAgents[1].agent: agent name 'twin' is ambiguous: 2 agents have it ($A2, $A3); write agentId instead" "ambiguous name lists the ids"
assert_eq "$(log_writes)" "" "nothing written"
exit 0
