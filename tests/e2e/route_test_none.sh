#!/usr/bin/env bash
# sipsync test: no route tests: said so, exit 0, in every format.
source "$SRC_DIR/tests/lib/cli.sh"

# no route tests: say so, exit 0
capture "$SIPSYNC" test "$F/none.yaml"
assert_eq "$rc" 0 "no tests exit code"
assert_contains "$out" "no route tests" "no tests message"
capture "$SIPSYNC" test --format junit "$F/none.yaml"
assert_eq "$rc" 0 "no tests junit exit code"
assert_contains "$err" "no route tests" "no tests junit message"
python3 -c 'import sys, xml.etree.ElementTree as ET; assert ET.parse(sys.argv[1]).getroot().get("tests") == "0"' "$SCRATCH/out" || fail "empty junit"
capture "$SIPSYNC" test --format json "$F/none.yaml"
assert_eq "$out" "[]" "no tests json"
echo "route_test_none: ok"
