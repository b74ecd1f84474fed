#!/usr/bin/env bash
# sipsync probe looks a startAgentCall's agent up in the account (GET
# /api/agents/{id} on the simulator, as plan does): an agent the account
# has passes, an unknown one fails, and --offline skips the look-up.
source "$SRC_DIR/tests/lib/cli.sh"
source "$SRC_DIR/tests/lib/probe.sh"
source "$SRC_DIR/tests/lib/sim_seed.sh"
sim_start_seeded
trap _probe_on_exit EXIT # after sim_start's own trap: stops both

export SIP_FALLBACK_SECRET="agent-secret-$RANDOM$RANDOM"
printf '%s\n' "$SIP_FALLBACK_SECRET" >"$SCRATCH/secrets"
cat >"$SCRATCH/tests.yaml" <<YAML
routeTests:
  - {name: sales overflow, to: overflow, expect: {fallback: {startAgentCall: $A1}}}
YAML

broken_start agent
probe_state "$HANDLER_URL"
capture "$SIPSYNC" probe "$SCRATCH/state.yaml"
[ "$rc" = 0 ] || fail "known agent: exit $rc: $out $err"
assert_contains "$out" "PASS sales overflow → startAgentCall $A1 in " "known agent"

cat >"$SCRATCH/tests.yaml" <<'YAML'
routeTests:
  - {name: sales overflow, to: overflow, expect: fallback}
YAML
broken_start unknown-agent
probe_state "$HANDLER_URL"
capture "$SIPSYNC" probe "$SCRATCH/state.yaml"
assert_eq "$rc" 1 "unknown agent exit ($out $err)"
assert_contains "$out" "FAIL sales overflow: startAgentCall.agentId 99999999-9999-4999-8999-999999999999 is not an agent of the account" "unknown agent"
assert_not_contains "$out$err" "$SIM_KEY" "API key in output"

capture "$SIPSYNC" probe --offline "$SCRATCH/state.yaml"
assert_eq "$rc" 0 "--offline exit ($out $err)"
assert_contains "$out" "PASS sales overflow → startAgentCall 99999999-" "--offline"
echo "probe_unknown_agent: ok"
