#!/usr/bin/env bash
# sipsync route TO [SOURCE]: the decision and its reason; and the routing
# lint as reported by sipsync validate (warnings, errors with --strict).
set -euo pipefail
source "$SRC_DIR/tests/lib/sim.sh" # fail / assert_* helpers only
F="$SRC_DIR/tests/fixtures/routes"
A1=0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14
A2=7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f
A3=11111111-2222-4333-8444-555555555555
cd "$SCRATCH"

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

# fallback (examples/full.yaml has a fallback handler; its URL and secrets
# are not printed, and no secret needs to be resolvable)
capture env -u SIP_FALLBACK_SECRET "$SIPSYNC" route +4930123456 "$SRC_DIR/examples/full.yaml"
assert_eq "$rc" 0 "route fallback: $err"
assert_eq "$out" "+4930123456 → fallback handler (no allowance matched \"+4930123456\")" "route fallback"

# the default pattern
capture "$SIPSYNC" route "sip:agent_$A1@acme" "$SRC_DIR/examples/minimal.yaml"
assert_contains "$out" "→ agent $A1 (allowedAgents[0], default pattern \"^agent_$A1\$\")" "route default pattern"

# undecidable from the file: fallbackHandler not managed
capture "$SIPSYNC" route bob "$SRC_DIR/examples/minimal.yaml"
assert_eq "$rc" 1 "route undecidable"
assert_contains "$err" "error: sip.fallbackHandler: no allowance matched \"bob\"" "route undecidable message"
assert_contains "$err" "not in the desired state (unmanaged)" "route undecidable why"

# the match limit
capture "$SIPSYNC" route aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa! "$F/backtrack.yaml"
assert_eq "$rc" 1 "route match limit"
line=$(grep -n "'\^(a+)+\$'" "$F/backtrack.yaml" | cut -d: -f1)
assert_contains "$err" "$F/backtrack.yaml:$line:22: error: sip.allowedAgents[1].toUserPattern: pattern \"^(a+)+\$\" exceeded the match limit" "route match limit message"

# usage
capture "$SIPSYNC" route
assert_eq "$rc" 64 "route without TO"
capture "$SIPSYNC" route a b c
assert_eq "$rc" 64 "route with too many arguments"
capture "$SIPSYNC" route "" "$F/pass.yaml"
assert_eq "$rc" 1 "route empty TO"
assert_contains "$err" "the address is empty" "route empty TO message"

# lint through validate: one warning per finding, at the pattern
capture "$SIPSYNC" validate --offline "$F/lint.yaml"
assert_eq "$rc" 0 "lint warnings do not fail validate: $err"
assert_eq "$(printf '%s\n' "$err" | grep -c ': warning: sip.allowedAgents')" 5 "five lint warnings: $err"
assert_contains "$err" "lint.yaml:8:22: warning: sip.allowedAgents[1].toUserPattern: never matches: allowedAgents[0] comes first" "shadowed"
assert_contains "$err" "both route to the same agent" "same agent"
assert_contains "$err" "lint.yaml:10:22: warning: sip.allowedAgents[2].toUserPattern: pattern \"^(support)?\$\" matches the empty string" "empty"
assert_contains "$err" "lint.yaml:12:22: warning: sip.allowedAgents[3].toUserPattern: PCRE2-only syntax: possessive quantifier \"++\"" "possessive"
assert_contains "$err" "lint.yaml:16:22: warning: sip.allowedAgents[5].toUserPattern: never matches: allowedAgents[4] comes first and its pattern \".*\" matches every user part" "universal"
capture "$SIPSYNC" validate --offline --strict "$F/lint.yaml"
assert_eq "$rc" 1 "lint --strict"
assert_eq "$(printf '%s\n' "$err" | grep -c ': error: sip.allowedAgents')" 5 "five lint errors"

# near misses: nothing, even strict
capture "$SIPSYNC" validate --offline --strict "$F/clean.yaml"
assert_eq "$rc" 0 "clean --strict: $err"
assert_not_contains "$err" "sip.allowedAgents" "clean"

# the examples are lint-clean
for ex in minimal.yaml full.yaml multi; do
	capture "$SIPSYNC" validate --offline --strict "$SRC_DIR/examples/$ex"
	assert_eq "$rc" 0 "examples/$ex --strict: $err"
done
echo "route_route: ok"
