# One-shot plan and apply with --notify: a loopback receiver gets, in
# order, drift_detected (plan), applied (apply), invalid_commit (a desired
# state that does not load) and apply_failed (the domain guard), each
# signed with the --notify-secret-file key (recomputed here), as JSON with
# the documented keys; --notify-format slack sends {"text"} only. No secret
# value (API key, passwords, fallback secrets, the notification key) is in
# any body or header, and the URL's path (a webhook token) is in no output.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"
source "$SRC_DIR/tests/lib/notify.sh"
sim_start
agent_trap
receiver_start 204
cd "$SCRATCH"

export PW_ONE="Pw1-$RANDOM$RANDOM-secret" FB_A="Fb1-$RANDOM$RANDOM-secret"
NKEY="nkey-$RANDOM$RANDOM-secret"
TOKEN="T0KEN$RANDOM$RANDOM"
echo "$NKEY" >nsecret
printf '# the team channel\n\n  %s/hooks/%s  \n' "$RECV_URL" "$TOKEN" >urls
cat >sip.yaml <<'YAML'
version: 1
sip:
  allowedCidrRanges: [203.0.113.0/24]
  fallbackHandler:
    url: https://hooks.example.com/sip
    secrets: [{env: FB_A}]
registrations:
  items:
    - {username: one, proxy: pbx.example.com, password: {env: PW_ONE}}
YAML
N=(--state-dir st --notify-file urls --notify-secret-file nsecret -v)

sipsync_expect 0 plan sip.yaml "${N[@]}"
cat out err >>all.txt
sipsync_expect 0 apply sip.yaml --auto-approve "${N[@]}"
cat out err >>all.txt
sed -i 's#203.0.113.0/24#203.0.113.300/24#' sip.yaml
sipsync_expect 1 apply sip.yaml --auto-approve "${N[@]}"
cat out err >>all.txt
printf 'version: 1\naccount: {domain: other.example}\nsip:\n  allowedCidrRanges: [198.51.100.0/24]\n' >sip.yaml
sipsync_expect 1 apply sip.yaml --auto-approve "${N[@]}"
cat out err >>all.txt
assert_contains "$(cat all.txt)" "notification apply_failed sent to $RECV_URL (204)" "delivery not logged with -v"
assert_not_contains "$(cat all.txt)" "$TOKEN" "the URL's path was printed"

same "$(receiver_events | tr '\n' ' ')" \
	"drift_detected applied invalid_commit apply_failed " "events and their order"

python3 - "$SCRATCH/received.jsonl" "$NKEY" "$TOKEN" <<'PY' || fail "bodies or signatures wrong"
import hashlib, hmac, json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
key, token = sys.argv[2].encode(), sys.argv[3]
for r in lines:
    assert r["path"] == "/hooks/" + token, r["path"]
    body = r["body"].encode()
    want = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
    assert r["headers"]["X-Sipsync-Signature-256"] == want, r
    o = json.loads(body)
    assert set(o) == {"event", "account", "commit", "summary", "changes",
                      "time", "text"}, o
    assert r["headers"]["X-Sipsync-Event"] == o["event"]
    assert o["account"] in ("sim.sip.ultravox.ai", "other.example", None), o
applied = json.loads(lines[1]["body"])
assert "create registration one@pbx.example.com" in applied["changes"], applied
assert applied["summary"] == "1 to create, 1 to update, 0 to delete", applied
assert "domain" in json.loads(lines[3]["body"])["summary"]
PY
for s in "$SIM_KEY" "$PW_ONE" "$FB_A" "$NKEY"; do
	assert_not_contains "$(cat received.jsonl)" "$s" "a secret value was posted"
	assert_not_contains "$(cat all.txt)" "$s" "a secret value was printed"
done

# slack: the incoming-webhook form, unsigned without a key
printf 'version: 1\nsip:\n  allowedCidrRanges: [198.51.100.0/24]\n' >sip.yaml
sipsync_expect 0 plan sip.yaml --state-dir st --notify "$RECV_URL/slack" \
	--notify-format slack
python3 - "$SCRATCH/received.jsonl" <<'PY' || fail "slack body wrong"
import json, sys
r = json.loads(open(sys.argv[1]).readlines()[-1])
o = json.loads(r["body"])
assert list(o) == ["text"], o
assert o["text"].startswith("sipsync: drift detected on sim.sip.ultravox.ai"), o
assert "X-Sipsync-Signature-256" not in r["headers"]
PY

# refused before anything is read: plain http to a non-loopback host
sipsync_expect 64 plan sip.yaml --notify-secret-file nsecret
sipsync_expect 1 plan sip.yaml --state-dir st --notify "http://hooks.example.com/$TOKEN"
assert_contains "$(cat err)" "refusing to notify hooks.example.com over http://" "http refused"
assert_not_contains "$(cat err)" "$TOKEN" "the URL's path was printed"
echo "ok: one-shot notifications"
