#!/usr/bin/env bash
# Offline route and test with `agent: NAME`: an allowance that names its
# agent is shown by name, a route test may expect {agent: NAME}, and an
# allowance whose default pattern needs the (not yet resolved) id makes
# the calls that reach it undecidable, at its place.
source "$SRC_DIR/tests/lib/cli.sh"
cfg="$SCRATCH/names.yaml"
cat >"$cfg" <<'YAML'
version: 1
sip:
  allowAllAgents: false
  allowedAgents:
    - agent: sales-bot
      toUserPattern: '^sales$'
    - agentId: 7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f
      toUserPattern: '^support$'
    - agent: ops-bot
  fallbackHandler: null
routeTests:
  - {to: sales, expect: {agent: sales-bot}}
  - {to: support, expect: {agent: sales-bot}}
YAML
capture "$SIPSYNC" route sales "$cfg"
assert_eq "$rc" 0 "route by name"
assert_eq "$out" 'sales → agent sales-bot (allowedAgents[0], pattern "^sales$")' "the agent shown by its name"
capture "$SIPSYNC" route bob "$cfg"
assert_eq "$rc" 1 "undecidable past an unresolved default pattern"
assert_eq "$err" "$cfg:9:7: error: sip.allowedAgents[2]: agent ops-bot has the default pattern ^agent_<agentId>\$, whose id is only read from the account at plan time; write toUserPattern (or agentId) to decide routing offline" "error at the allowance"
capture "$SIPSYNC" test "$cfg"
assert_eq "$rc" 1 "one expectation by name fails"
assert_contains "$out" "1 passed, 1 failed" "summary"
assert_contains "$out" "$cfg:13:5: error: routeTests[1]: to \"support\": expected agent sales-bot, got agent 7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f (allowedAgents[1]" "failure names the expected agent"
capture "$SIPSYNC" test --format json "$cfg"
assert_contains "$out" '"expect": {' "expect by name in JSON"
assert_contains "$out" '"agentName": "sales-bot"' "decision carries the name"
cat >"$SCRATCH/both.yaml" <<'YAML'
version: 1
sip:
  allowedAgents:
    - agent: sales-bot
      agentId: 7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f
YAML
capture "$SIPSYNC" validate --offline "$SCRATCH/both.yaml"
assert_eq "$rc" 1 "agent and agentId together"
assert_contains "$out$err" "$SCRATCH/both.yaml:4:7: error: sip.allowedAgents[0]: name exactly one of agent and agentId" "error at the item"
echo "route_test_agent_names: ok"
