#!/usr/bin/env bash
# sipsync test: catastrophic backtracking is a clear error within the match
# limit (JUnit error and text line), not a hang.
source "$SRC_DIR/tests/lib/cli.sh"

# catastrophic backtracking: a clear error within the match limit, quickly
start=$(date +%s%N)
capture "$SIPSYNC" test --format junit "$F/backtrack.yaml"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
assert_eq "$rc" 1 "backtrack exit code"
[ "$ms" -lt 10000 ] || fail "backtrack took ${ms}ms"
python3 - "$SCRATCH/out" <<'PY' || fail "backtrack junit"
import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
assert r.get("errors") == "1" and r.get("failures") == "0", r.attrib
e = r.find("testsuite/testcase/error")
assert "sip.allowedAgents[1].toUserPattern: pattern" in e.get("message"), e.get("message")
assert "exceeded the match limit" in e.get("message")
PY
capture "$SIPSYNC" test "$F/backtrack.yaml"
assert_contains "$out" 'sip.allowedAgents[1].toUserPattern: pattern "^(a+)+$" exceeded the match limit' "backtrack text"
assert_contains "$out" "1 passed, 1 failed" "backtrack summary"
echo "route_test_backtrack: ok"
