#!/usr/bin/env bash
# sipsync test: failures: exit 1, one line each with the place (also in another
# file of a directory), expected, got and the allowance, then the summary.
source "$SRC_DIR/tests/lib/cli.sh"

# failures: exit 1, one line each with place, expected, got and the allowance
capture "$SIPSYNC" test "$F/fail.yaml"
assert_eq "$rc" 1 "fail.yaml exit code"
line=$(grep -n "^  - name: 'number" "$F/fail.yaml" | cut -d: -f1)
assert_contains "$out" "$F/fail.yaml:$line:5: error: routeTests[1] \"number <&> \\\"support\\\" ' line\": to \"sip:+15551234@carrier.example.com;user=phone\": expected agent $A2, got agent $A1 (allowedAgents[0], pattern \"^(sales|\\+1555\\d{4})\$\")" "failure line"
line=$(grep -n "^  - to: bob" "$F/fail.yaml" | cut -d: -f1)
assert_contains "$out" "$F/fail.yaml:$line:5: error: routeTests[2]: to \"bob\": expected fallback handler, got reject" "unnamed failure line"
assert_eq "$(printf '%s\n' "$out" | tail -1)" "1 passed, 2 failed" "summary"
assert_eq "$(printf '%s\n' "$out" | grep -c ': error: ')" 2 "one line per failure"

# a case in another file of a directory names that file
capture "$SIPSYNC" test "$F/split"
assert_eq "$rc" 1 "split exit code"
assert_contains "$out" "$F/split/50-routes.yaml:8:5: error: routeTests[1] \"support is not routed yet\"" "directory place"
echo "route_test_failures: ok"
