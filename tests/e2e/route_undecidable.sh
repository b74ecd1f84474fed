#!/usr/bin/env bash
# sipsync route: undecidable when fallbackHandler is not managed, and a
# pattern over the match limit: exit 1 with a clear error at the place.
source "$SRC_DIR/tests/lib/cli.sh"


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
echo "route_undecidable: ok"
