# Helpers for the agents-by-name scenarios. Source after sim.sh:
#   source "$SRC_DIR/tests/lib/sim.sh"; source "$SRC_DIR/tests/lib/agents.sh"
#
#   A1 … A5                      five agent ids
#   agents_seed FILE SPEC... [-- SIP_JSON]   write a simulator seed whose
#       agents are SPEC in order: ID=NAME, or ID for an agent without a
#       name; SIP_JSON (optional) is its "sip" object

A1=0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14
A2=7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f
A3=11111111-2222-4333-8444-555555555555
A4=22222222-3333-4444-8555-666666666666
A5=33333333-4444-4555-8666-777777777777

agents_seed()
{
	local file="$1"
	shift
	python3 - "$@" >"$file" <<'PY'
import json, sys
args = sys.argv[1:]
sip = None
if "--" in args:
    sip = json.loads(args[args.index("--") + 1])
    args = args[:args.index("--")]
agents = []
for spec in args:
    aid, sep, name = spec.partition("=")
    agents.append({"agentId": aid, "name": name} if sep else aid)
doc = {"agents": agents}
if sip is not None:
    doc["sip"] = sip
print(json.dumps(doc))
PY
}
