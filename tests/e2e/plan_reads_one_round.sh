# issue 17: a plan's reads go side by side. Against a simulator that takes
# 150 ms per request, with 5 registrations in pages of 2 and allowedAgents
# managed (the agent names are read to show them): GET /api/sip, the first
# registrations page and GET /api/agents are one round, then each further
# registrations page one more round: 5 requests in 3 rounds (they were 4
# rounds: the agents first, then the account).
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
source "$SRC_DIR/tests/lib/sim_seed.sh"
source "$SRC_DIR/tests/lib/rounds.sh"
sim_start_seeded
sim_add_registrations r1 r2 r3 r4
cfg="$SCRATCH/sip.yaml"
printf 'version: 1\nsip:\n  allowedCidrRanges: [203.0.113.0/24]\n  allowedAgents:\n    - agentId: %s\n' "$A1" >"$cfg"

sim_ctl POST /_sim/faults '{"latencyMs": 150}' >/dev/null
sim_ctl DELETE /_sim/log >/dev/null
ss plan "$cfg"
assert_rc 0 "plan"
log=$(sim_ctl GET /_sim/log)
assert_eq "$(json_get '" ".join(sorted(r["method"] + " " + r["path"] for r in d["requests"]))' <<<"$log")" \
	"GET /api/agents GET /api/sip GET /api/sip/registrations GET /api/sip/registrations GET /api/sip/registrations" \
	"the plan's requests"
same "$(rounds_show)" "1: GET /api/agents, GET /api/sip, GET /api/sip/registrations
2: GET /api/sip/registrations
3: GET /api/sip/registrations" "one round for the independent reads, one per further page"
assert_eq "$(rounds)" 3 "rounds"
echo "ok"
