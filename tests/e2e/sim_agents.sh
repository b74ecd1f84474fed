# sipsync-sim: GET /api/agents/{id}: a seed agent is 200, an unknown uuid and
# a non-uuid 404.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/sim_seed.sh"

sim_start_seeded

# agents
out=$(sim_api GET "/api/agents/$A2")
assert_eq "$(sim_status) $(json_get 'd["agentId"]' <<<"$out")" "200 $A2" "known agent"
sim_api GET "/api/agents/$UNKNOWN" >/dev/null
assert_eq "$(sim_status)" 404 "unknown agent"
sim_api GET "/api/agents/xyz" >/dev/null
assert_eq "$(sim_status)" 404 "not a uuid"
echo "ok"
