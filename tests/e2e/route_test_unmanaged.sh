#!/usr/bin/env bash
# sipsync test: allowedAgents not in the desired state: a case cannot be decided
# and the message says why.
source "$SRC_DIR/tests/lib/cli.sh"

# allowedAgents unmanaged: cannot decide, say why
capture "$SIPSYNC" test "$F/unmanaged.yaml"
assert_eq "$rc" 1 "unmanaged exit code"
assert_contains "$err" "sip.allowedAgents: not in the desired state (unmanaged)" "unmanaged message"
echo "route_test_unmanaged: ok"
