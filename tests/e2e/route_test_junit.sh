#!/usr/bin/env bash
# sipsync test: --format junit: JUnit XML parsed back, names escaped on the way
# out and intact on the way back; a passing run has no failure.
source "$SRC_DIR/tests/lib/cli.sh"

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
echo "route_test_junit: ok"
