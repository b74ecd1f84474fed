# issue 17: a plan's reads go side by side. Against a simulator that takes
# 150 ms per request, with 5 registrations in pages of 2 and allowedAgents
# managed (the agent names are read to show them): GET /api/sip, the first
# registrations page and GET /api/agents are one round, then each further
# registrations page at most one more round: 5 requests in 3 rounds or
# fewer (they were 4 rounds: the agents first, then the account).
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
# the three independent reads were in flight together: each started before
# any of them was answered
assert_eq "$(python3 -c '
import json, sys
f = sorted(json.load(sys.stdin)["requests"], key=lambda r: r["startMs"])[:3]
print(" ".join(sorted(r["path"] for r in f)), max(r["startMs"] for r in f) < min(r["endMs"] for r in f))' <<<"$log")" \
	"/api/agents /api/sip /api/sip/registrations True" "the first three requests overlap"
# then each further page: at most one round more per page (a page asked as
# soon as the one naming it arrived may overlap the first round's slower
# answers, so there can be fewer)
n=$(rounds)
[ "$n" -le 3 ] || fail "rounds: got $n, want at most 3: $(rounds_show)"
echo "ok"
