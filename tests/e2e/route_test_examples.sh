#!/usr/bin/env bash
# sipsync test: the route tests of the examples pass.
source "$SRC_DIR/tests/lib/cli.sh"

# the examples' route tests pass
for ex in minimal.yaml full.yaml multi; do
	capture "$SIPSYNC" test "$SRC_DIR/examples/$ex"
	assert_eq "$rc" 0 "examples/$ex: $out $err"
	assert_contains "$out" " passed, 0 failed" "examples/$ex summary"
done
echo "route_test_examples: ok"
