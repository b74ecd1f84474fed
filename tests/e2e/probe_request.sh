#!/usr/bin/env bash
# sipsync probe sends what the SIP guide says Ultravox sends: the JSON body
# {callerId, fromDisplayName, fromUri, toUri, sipHeaders}, a timestamp, a
# signature the handler recomputes itself (a signing bug answers 403 here),
# X-Sipsync-Probe: 1 and a User-Agent naming sipsync.
source "$SRC_DIR/tests/lib/cli.sh"
source "$SRC_DIR/tests/lib/probe.sh"

export SIP_FALLBACK_SECRET="req-secret-$RANDOM$RANDOM"
printf '%s\n' "$SIP_FALLBACK_SECRET" >"$SCRATCH/secrets"
broken_start ok
cat >"$SCRATCH/tests.yaml" <<'YAML'
account:
  domain: acme.sip.ultravox.ai
routeTests:
  - name: support line
    to: support
    from: "+15551234567"
    fromDisplayName: Bob Example
    headers: {X-Customer-Id: 42, X-Tier: '"gold"'}
    expect: {fallback: {reject: 486}}
YAML
probe_state "$HANDLER_URL"

capture "$SIPSYNC" probe "$SCRATCH/state.yaml"
[ "$rc" = 0 ] || fail "probe exit $rc: $out $err"
python3 - "$SCRATCH/handler.log" "$SIP_FALLBACK_SECRET" <<'PY' || fail "request"
import datetime, hashlib, hmac, json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, lines
r = json.loads(lines[0])
h = {k.lower(): v for k, v in r["headers"].items()}
body = json.loads(r["body"])
assert body == {"callerId": "+15551234567", "fromDisplayName": "Bob Example",
                "fromUri": "sip:+15551234567@acme.sip.ultravox.ai",
                "toUri": "sip:support@acme.sip.ultravox.ai",
                "sipHeaders": {"X-Customer-Id": "42", "X-Tier": '"gold"'}}, body
assert h["content-type"] == "application/json", h
assert h["x-sipsync-probe"] == "1", h
assert h["user-agent"].startswith("sipsync-probe/"), h
ts = h["x-ultravox-webhook-timestamp"]
t = datetime.datetime.fromisoformat(ts)
assert t.tzinfo is not None and t.utcoffset() == datetime.timedelta(0), ts
age = datetime.datetime.now(datetime.timezone.utc) - t
assert abs(age.total_seconds()) < 60, age
want = hmac.new(sys.argv[2].encode(), r["body"].encode() + ts.encode(),
                hashlib.sha256).hexdigest()
assert h["x-ultravox-webhook-signature"] == want, h
PY
echo "probe_request: ok"
