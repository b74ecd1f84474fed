#!/usr/bin/env bash
# sipsync test: --format json: a list of results, parsed back.
source "$SRC_DIR/tests/lib/cli.sh"

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
echo "route_test_json: ok"
