# An agentId written in uppercase, with the default pattern, converges: the
# API stores lowercase uuids, so apply sends the lowercase id and the next
# plan shows no changes (drift detection does not stay red).
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
sim_start
cfg="$SCRATCH/sip.yaml"
write_yaml "$cfg" <<YAML
version: 1
sip:
  allowedCidrRanges: [203.0.113.0/24]
  allowedAgents:
    - agentId: 0B6F3C1E-8D2A-4C55-9A71-3E5F0C2D9B14
YAML
ss apply "$cfg" --auto-approve
assert_rc 0 "apply"
assert_contains "$(log_writes)" '"agentId":"0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14"' "lowercase id sent"
ss plan "$cfg" --detailed-exitcode
assert_rc 0 "no changes after apply"
assert_contains "$(out)" "No changes." "converged"
# route tests compare the expected agent id case-insensitively
write_yaml "$SCRATCH/routes.yaml" <<YAML
version: 1
routeTests:
  - {to: agent_0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14, expect: 0B6F3C1E-8D2A-4C55-9A71-3E5F0C2D9B14}
YAML
ss test "$SCRATCH"
assert_rc 0 "route test with an uppercase expect"
exit 0
