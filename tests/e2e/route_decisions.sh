#!/usr/bin/env bash
# sipsync route TO [SOURCE]: the decision and its reason for an agent
# allowance, a number, a sips: URI, allowAllAgents and a reject.
source "$SRC_DIR/tests/lib/cli.sh"
A3=11111111-2222-4333-8444-555555555555


capture "$SIPSYNC" route sales "$F/pass.yaml"
assert_eq "$rc" 0 "route sales"
assert_eq "$out" "sales → agent $A1 (allowedAgents[0], pattern \"^(sales|\\+1555\\d{4})\$\")" "route sales output"

capture "$SIPSYNC" route 'sip:+15551234@carrier.example.com;user=phone' "$F/pass.yaml"
assert_eq "$out" "sip:+15551234@carrier.example.com;user=phone (user \"+15551234\") → agent $A1 (allowedAgents[0], pattern \"^(sales|\\+1555\\d{4})\$\")" "route number"

capture "$SIPSYNC" route '<sips:support-eu@acme>' "$F/pass.yaml"
assert_contains "$out" "→ agent $A2 (allowedAgents[1], pattern \"^support\")" "route support"

capture "$SIPSYNC" route "agent_$A3" "$F/pass.yaml"
assert_eq "$out" "agent_$A3 → agent $A3 (allowAllAgents, implicit pattern \"^agent_$A3\$\")" "route implicit"

capture "$SIPSYNC" route bob "$F/pass.yaml"
assert_eq "$rc" 0 "route reject exit code"
assert_eq "$out" "bob → reject (no allowance matched \"bob\" and there is no fallback handler)" "route reject"
echo "route_decisions: ok"
