#!/usr/bin/env bash
# the routing lint as sipsync validate reports it: one warning per finding
# at the pattern (errors with --strict); near misses and the examples are
# clean.
source "$SRC_DIR/tests/lib/cli.sh"


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
echo "route_lint: ok"
