# Errors: an agent the account does not have (GET /api/agents/{id} 404)
# fails the plan naming file:line and the id; a bad API key names the
# request and status; an unreachable API is a clear error.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
GOOD=0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14
BAD=7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f
seed="$SCRATCH/seed.json"
printf '{"domain": "sim.sip.ultravox.ai", "agents": ["%s"]}\n' "$GOOD" >"$seed"
sim_start --seed "$seed"

cfg="$SCRATCH/agents.yaml"
write_yaml "$cfg" <<YAML
version: 1
sip:
  allowedAgents:
    - agentId: $GOOD
    - agentId: $BAD
      toUserPattern: '^x$'
YAML
ss plan "$cfg"
assert_rc 1 "unknown agent"
assert_contains "$(err)" "agents.yaml:5:16: error: " "error names the line and column of the id"
assert_contains "$(err)" "sip.allowedAgents[1].agentId: agent $BAD does not exist in this account" "error names the id"
assert_not_contains "$(err)" "agent $GOOD does not" "the known agent is fine"
ss apply "$cfg" --auto-approve
assert_rc 1 "apply with an unknown agent"
assert_eq "$(log_writes)" "" "nothing written"

# auth failure
ULTRAVOX_API_KEY=wrong-key ss plan "$cfg"
assert_rc 1 "bad key"
assert_contains "$(err)" "GET /api/sip" "auth error names the request"
assert_contains "$(err)" "401" "auth error names the status"
assert_not_contains "$(err)" "wrong-key" "the key is not printed"
env -u ULTRAVOX_API_KEY "$SIPSYNC" plan "$cfg" --state-dir "$STATE_DIR" >/dev/null 2>"$SCRATCH/err" && fail "no key accepted"
assert_contains "$(err)" "no API key" "missing key message"

# unreachable API (the sim stopped)
url="$SIM_URL"
sim_stop
ULTRAVOX_API_URL="$url" ss plan "$cfg"
assert_rc 1 "unreachable API"
assert_contains "$(err)" "GET /api/sip" "connection error names the request"

# usage errors
ss plan "$cfg" --format yaml
assert_rc 64 "bad --format"
ss apply "$cfg" --max-deletes many
assert_rc 64 "bad --max-deletes"
exit 0
