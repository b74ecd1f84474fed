#!/usr/bin/env bash
# Secret rotation: two secrets in the desired state give two signatures,
# comma-separated; a handler that knows only the second accepts the call,
# and one that knows neither (it recomputes the HMAC itself) rejects it, so
# a signing bug cannot pass.
source "$SRC_DIR/tests/lib/cli.sh"
source "$SRC_DIR/tests/lib/probe.sh"

export SIP_FALLBACK_SECRET="old-secret-$RANDOM$RANDOM"
export SIP_FALLBACK_SECRET_NEXT="new-secret-$RANDOM$RANDOM"
printf '%s\n' "$SIP_FALLBACK_SECRET_NEXT" >"$SCRATCH/secrets-next"
printf '%s\n' "unrelated-$RANDOM" >"$SCRATCH/secrets-other"
write_state()
{
	cat >"$SCRATCH/state.yaml" <<YAML
version: 1
sip:
  fallbackHandler:
    url: $1
    secrets:
      - {env: SIP_FALLBACK_SECRET}
      - {env: SIP_FALLBACK_SECRET_NEXT}
routeTests:
  - {name: support line, to: support, expect: {fallback: {reject: 486}}}
YAML
}

broken_start ok "$SCRATCH/secrets-next"
write_state "$HANDLER_URL"
capture "$SIPSYNC" probe "$SCRATCH/state.yaml"
[ "$rc" = 0 ] || fail "rotation: exit $rc: $out $err"
assert_contains "$out" "PASS support line → reject 486" "rotation"
python3 - "$SCRATCH/handler.log" <<'PY' || fail "two signatures"
import json, sys
r = json.loads(open(sys.argv[1]).read().splitlines()[0])
h = {k.lower(): v for k, v in r["headers"].items()}
sigs = h["x-ultravox-webhook-signature"].split(",")
assert len(sigs) == 2 and all(len(s) == 64 and s == s.lower() for s in sigs), sigs
assert sigs[0] != sigs[1], sigs
PY

broken_start ok "$SCRATCH/secrets-other"
write_state "$HANDLER_URL"
capture "$SIPSYNC" probe "$SCRATCH/state.yaml"
assert_eq "$rc" 1 "wrong secret exit"
assert_contains "$out" "FAIL support line: handler answered HTTP 403" "wrong secret"
for s in "$SIP_FALLBACK_SECRET" "$SIP_FALLBACK_SECRET_NEXT"; do
	assert_not_contains "$out$err" "$s" "secret in output"
done
echo "probe_rotation: ok"
