# plan against the simulator when routing changes: the "Routing changes"
# section above the field diff (text), routing_changes in the JSON plan
# (valid against schema/plan.schema.json) and a block above the details in
# markdown; a plan saved with it applies with apply --plan.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/sim_seed.sh"
source "$SRC_DIR/tests/lib/plan.sh"
AJV="$SRC_DIR/tests/node/node_modules/.bin/ajv"
sim_start_seeded
sim_routing false '{"url": "https://hooks.example.com/sip"}' "[{\"agentId\": \"$A1\", \"toUserPattern\": \"^(sales|support)\$\"}, {\"agentId\": \"$A2\", \"toUserPattern\": \"^\\\\+1555\\\\d{4}\$\"}]"
cfg="$SCRATCH/sip.yaml"
write_yaml "$cfg" <<YAML
version: 1
sip:
  allowedAgents:
    - agentId: $A1
      toUserPattern: '^sales\$'
    - agentId: $A2
      toUserPattern: '^support\$'
routeSamples: ['+15551234']
YAML

ss plan "$cfg"
assert_rc 0 "plan"
# checked: +15551234 (routeSamples), sales, support, +15550000 (read from
# the live patterns), agent_<A1>, agent_<A2>
same "$(out | sed -n 1,5p)" "Routing changes (6 user parts checked, 3 change):
  +15551234  7d1e2f30… (allowedAgents[1])  →  fallback handler
  support    0b6f3c1e… (allowedAgents[0])  →  7d1e2f30… (allowedAgents[1])
  +15550000  7d1e2f30… (allowedAgents[1])  →  fallback handler" "routing section first"
assert_eq "$(out | sed -n 5p)" "" "a blank line after the section"
assert_contains "$(out)" 'allowedAgents[0] 0b6f3c1e…: toUserPattern "^(sales|support)$" → "^sales$"' "field diff still there"

ss plan "$cfg" --format json --out "$SCRATCH/p.json"
assert_rc 0 "plan --format json"
"$AJV" validate --spec=draft7 -c ajv-formats -s "$SRC_DIR/schema/plan.schema.json" \
	-d "$SCRATCH/p.json" >"$SCRATCH/ajv.out" 2>&1 || { cat "$SCRATCH/ajv.out"; fail "plan does not match plan.schema.json"; }
assert_eq "$(json_get 'd["routing_changes"]["checked"]' <"$SCRATCH/p.json")" 6 "json checked"
assert_eq "$(json_get '[(c["userPart"], c["before"]["index"], c["after"]["kind"]) for c in d["routing_changes"]["changes"]]' <"$SCRATCH/p.json")" \
	'[["+15551234",1,"fallback"],["support",0,"agent"],["+15550000",1,"fallback"]]' "json changes"

ss plan "$cfg" --format markdown
assert_rc 0 "plan --format markdown"
python3 - "$SCRATCH/out" <<'PY' || fail "markdown: routing block above the details, once"
import sys
md = open(sys.argv[1]).read()
r, d = md.index("Routing changes ("), md.index("<details>")
assert r < d and md.count("Routing changes") == 1, md
PY

ss apply --plan "$SCRATCH/p.json" --auto-approve
assert_rc 0 "apply --plan with routing_changes"
ss plan "$cfg" --detailed-exitcode
assert_rc 0 "converged"
assert_not_contains "$(out)" "Routing changes" "no routing section without routing changes"
echo "plan_routing_changes: ok"
