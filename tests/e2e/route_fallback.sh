#!/usr/bin/env bash
# sipsync route: the fallback handler (its URL and secrets not printed, no
# secret resolved) and the default pattern of an allowance.
source "$SRC_DIR/tests/lib/cli.sh"


# fallback (examples/full.yaml has a fallback handler; its URL and secrets
# are not printed, and no secret needs to be resolvable)
capture env -u SIP_FALLBACK_SECRET "$SIPSYNC" route +4930123456 "$SRC_DIR/examples/full.yaml"
assert_eq "$rc" 0 "route fallback: $err"
assert_eq "$out" "+4930123456 → fallback handler (no allowance matched \"+4930123456\")" "route fallback"

# the default pattern
capture "$SIPSYNC" route "sip:agent_$A1@acme" "$SRC_DIR/examples/minimal.yaml"
assert_contains "$out" "→ agent $A1 (allowedAgents[0], default pattern \"^agent_$A1\$\")" "route default pattern"
echo "route_fallback: ok"
