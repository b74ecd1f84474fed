#!/usr/bin/env bash
# sipsync test: every case passes: exit 0 and the summary only; -v shows the
# decision of each case.
source "$SRC_DIR/tests/lib/cli.sh"

# all pass: exit 0, summary only
capture "$SIPSYNC" test "$F/pass.yaml"
assert_eq "$rc" 0 "pass.yaml exit code"
assert_eq "$out" "5 passed, 0 failed" "pass.yaml output"

# -v shows the decision of each case
capture "$SIPSYNC" test -v "$F/pass.yaml"
assert_contains "$out" "ok: routeTests[3] \"allowAllAgents reaches any agent by its own address\" → agent 11111111-2222-4333-8444-555555555555 (allowAllAgents, implicit pattern" "-v line"
echo "route_test_pass: ok"
