#!/usr/bin/env bash
# sipsync test: exit codes, the failure line (FILE:LINE:COL, the agent and
# allowance that matched), the summary, JSON and JUnit XML parsed back, the
# match limit, and the messages for no tests / unmanaged allowedAgents.
set -euo pipefail
source "$SRC_DIR/tests/lib/sim.sh" # fail / assert_* helpers only
F="$SRC_DIR/tests/fixtures/routes"
A1=0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14
A2=7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f
cd "$SCRATCH"

# all pass: exit 0, summary only
capture "$SIPSYNC" test "$F/pass.yaml"
assert_eq "$rc" 0 "pass.yaml exit code"
assert_eq "$out" "5 passed, 0 failed" "pass.yaml output"

# -v shows the decision of each case
capture "$SIPSYNC" test -v "$F/pass.yaml"
assert_contains "$out" "ok: routeTests[3] \"allowAllAgents reaches any agent by its own address\" → agent 11111111-2222-4333-8444-555555555555 (allowAllAgents, implicit pattern" "-v line"

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

# JSON: a list of results
capture "$SIPSYNC" test --format json "$F/fail.yaml"
assert_eq "$rc" 1 "json exit code"
python3 - "$SCRATCH/out" "$A1" <<'PY' || fail "json report"
import json, sys
r = json.load(open(sys.argv[1]))
assert isinstance(r, list) and len(r) == 3, r
assert [x["status"] for x in r] == ["pass", "fail", "fail"], r
assert r[1]["result"]["kind"] == "agent" and r[1]["result"]["agentId"] == sys.argv[2]
assert r[1]["result"]["allowance"] == 0 and r[1]["result"]["user"] == "+15551234"
assert r[2]["result"]["kind"] == "reject" and r[2]["name"] is None
assert r[0]["message"] is None and "expected fallback" in r[2]["message"]
assert r[1]["file"].endswith("fail.yaml") and r[1]["line"] > 0
PY

# JUnit XML, parsed back
capture "$SIPSYNC" test --format junit "$F/fail.yaml"
assert_eq "$rc" 1 "junit exit code"
python3 - "$SCRATCH/out" "$A1" <<'PY' || fail "junit report"
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites" and root.get("tests") == "3", root.attrib
assert root.get("failures") == "2" and root.get("errors") == "0"
suite = root.find("testsuite")
cases = suite.findall("testcase")
assert len(cases) == 3
assert cases[0].get("name") == "sales line" and cases[0].find("failure") is None
# escaped on the way out, intact on the way back
assert cases[1].get("name") == 'number <&> "support" \' line', cases[1].get("name")
f = cases[1].find("failure")
assert f is not None and sys.argv[2] in f.get("message")
assert "allowedAgents[0]" in f.text and 'number <&> \\"support\\"' in f.text, f.text
assert cases[2].get("name") == 'routeTests[2]: to "bob"'
assert "got reject" in cases[2].find("failure").get("message")
PY
capture "$SIPSYNC" test --format junit "$F/pass.yaml"
assert_eq "$rc" 0 "junit pass exit code"
python3 -c '
import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
assert r.get("tests") == "5" and r.get("failures") == "0"
assert not list(r.iter("failure"))
' "$SCRATCH/out" || fail "junit pass report"

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

# allowedAgents unmanaged: cannot decide, say why
capture "$SIPSYNC" test "$F/unmanaged.yaml"
assert_eq "$rc" 1 "unmanaged exit code"
assert_contains "$err" "sip.allowedAgents: not in the desired state (unmanaged)" "unmanaged message"

# usage errors
capture "$SIPSYNC" test --format xml "$F/pass.yaml"
assert_eq "$rc" 64 "bad --format"
capture "$SIPSYNC" test "$F/pass.yaml" extra
assert_eq "$rc" 64 "extra argument"

# the examples' route tests pass
for ex in minimal.yaml full.yaml multi; do
	capture "$SIPSYNC" test "$SRC_DIR/examples/$ex"
	assert_eq "$rc" 0 "examples/$ex: $out $err"
	assert_contains "$out" " passed, 0 failed" "examples/$ex summary"
done
echo "route_test: ok"
