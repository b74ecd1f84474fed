#!/usr/bin/env bash
# sipsync probe against the example handler (examples/fallback-handler),
# which verifies signature and timestamp as the Ultravox docs say: every
# call that expects the fallback handler is sent, signed, with its from,
# display name and headers; each answer matches its expect: {fallback: ...};
# exit 0; the secret never appears in any output.
source "$SRC_DIR/tests/lib/cli.sh"
source "$SRC_DIR/tests/lib/probe.sh"

export SIP_FALLBACK_SECRET="probe-secret-$RANDOM$RANDOM-value"
printf '%s\n' "$SIP_FALLBACK_SECRET" >"$SCRATCH/secrets"
example_start
cat >"$SCRATCH/tests.yaml" <<'YAML'
routeTests:
  - name: sales line
    to: sales
    expect: 0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14
  - name: support line
    to: support
    from: "+15551234567"
    fromDisplayName: Bob
    headers: {X-Customer-Id: 42}
    expect: {fallback: {reject: 486}}
  - name: night line
    to: sip:night@acme.sip.ultravox.ai
    expect: {fallback: reject}
  - to: other
    expect: fallback
YAML
probe_state "$HANDLER_URL"

capture "$SIPSYNC" probe "$SCRATCH/state.yaml"
[ "$rc" = 0 ] || fail "probe exit $rc: $out $err"
assert_contains "$out" "PASS support line → reject 486 in " "support line"
assert_contains "$out" "PASS night line → reject 603 in " "night line (603 when absent)"
assert_contains "$out" "PASS routeTests[3] to other → reject 404 in " "unnamed case"
assert_not_contains "$out" "sales line" "an agent case is not probed"
assert_contains "$out" "probe: 3 passed, 0 failed (POST http://127.0.0.1:" "summary"
assert_not_contains "$out$err" "$SIP_FALLBACK_SECRET" "secret in output"

# --repeat: median and maximum over N calls
capture "$SIPSYNC" probe --repeat 3 --format json "$SCRATCH/state.yaml"
assert_eq "$rc" 0 "repeat exit"
python3 - "$SCRATCH/out" <<'PY' || fail "json report"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["passed"] == 3 and d["failed"] == 0, d
c = d["calls"][0]
assert c["label"] == "support line" and c["status"] == "pass", c
assert c["answer"] == "reject 486" and c["calls"] == 3, c
assert 0 <= c["p50Ms"] <= c["maxMs"], c
PY
assert_not_contains "$out$err" "$SIP_FALLBACK_SECRET" "secret in json output"

# no route test expects the fallback handler: one default call
rm "$SCRATCH/tests.yaml"
probe_state "$HANDLER_URL"
capture "$SIPSYNC" probe "$SCRATCH/state.yaml"
assert_eq "$rc" 0 "default call exit ($err)"
assert_contains "$out" "PASS default call to sipsync-probe-unrouted → reject 404" "default call"
echo "probe_pass: ok"
