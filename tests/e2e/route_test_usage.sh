#!/usr/bin/env bash
# sipsync test: usage errors exit 64.
source "$SRC_DIR/tests/lib/cli.sh"

# usage errors
capture "$SIPSYNC" test --format xml "$F/pass.yaml"
assert_eq "$rc" 64 "bad --format"
capture "$SIPSYNC" test "$F/pass.yaml" extra
assert_eq "$rc" 64 "extra argument"
echo "route_test_usage: ok"
