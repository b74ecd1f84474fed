#!/usr/bin/env bash
# sipsync probe --format junit: the JUnit XML parsed back, one testcase per
# call, the failure carrying its reason.
source "$SRC_DIR/tests/lib/cli.sh"
source "$SRC_DIR/tests/lib/probe.sh"

export SIP_FALLBACK_SECRET="junit-secret-$RANDOM$RANDOM"
printf '%s\n' "$SIP_FALLBACK_SECRET" >"$SCRATCH/secrets"
example_start
cat >"$SCRATCH/tests.yaml" <<'YAML'
routeTests:
  - {name: support <line> & "co", to: support, expect: {fallback: {reject: 486}}}
  - {name: night line, to: night, expect: {fallback: startCall}}
YAML
probe_state "$HANDLER_URL"
capture "$SIPSYNC" probe --format junit "$SCRATCH/state.yaml"
assert_eq "$rc" 1 "junit exit code"
assert_not_contains "$out$err" "$SIP_FALLBACK_SECRET" "secret in junit"
python3 - "$SCRATCH/out" <<'PY' || fail "junit report"
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites" and root.get("tests") == "2", root.attrib
assert root.get("failures") == "1", root.attrib
cases = root.find("testsuite").findall("testcase")
assert [c.get("name") for c in cases] == ['support <line> & "co"', "night line"]
assert cases[0].find("failure") is None
f = cases[1].find("failure")
assert f.get("message") == "expected startCall, handler answered reject 603", f.attrib
PY
echo "probe_junit: ok"
