# sipsync run --notify-file: one event per change of state, not per cycle.
# Detect mode: drift that persists over several cycles is one
# drift_detected; putting the account back is drift_resolved; a commit the
# --policy refuses is one invalid_commit however many cycles see it; the
# next good commit is recovered. Every post is signed (recomputed here) and
# holds none of the test's secret values; the log names the receiver by
# scheme://host:port only.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"
source "$SRC_DIR/tests/lib/notify.sh"

sim_start
agent_trap
receiver_start 204

REPO="$SCRATCH/repo"
STATE="$SCRATCH/state"
POL="$SCRATCH/policy.yaml"
rm -rf "$STATE"
repo_init "$REPO"
NKEY="nkey-$RANDOM$RANDOM-secret"
TOKEN="T0KEN$RANDOM$RANDOM"
echo "$NKEY" >"$SCRATCH/nsecret"
echo "$RECV_URL/services/$TOKEN" >"$SCRATCH/urls"
printf 'version: 1\npolicy:\n  cidr:\n    minPrefix: 16\n' >"$POL"
printf 'version: 1\nsip:\n  allowedCidrRanges: [10.1.0.0/16]\n' >"$REPO/sip.yaml"
C1=$(repo_commit "$REPO" one)
in_sync='{"domain":"sim.sip.ultravox.ai","sip":{"allowedCidrRanges":["10.1.0.0/16"],"allowAllAgents":false,"allowedAgents":[],"fallbackHandler":null},"registrations":[]}'
set_state "$in_sync"

agent_start --repo "file://$REPO" --mode detect --interval 1s \
	--state-dir "$STATE" --policy "$POL" --notify-file "$SCRATCH/urls" \
	--notify-secret-file "$SCRATCH/nsecret" --notify-repeat 1h

cycles() { metric sipsync_reconcile_cycles_total; }
# waits until N more cycles have run
more_cycles()
{
	local want=$(($(cycles) + $1))
	wait_until 20 eval '[ "$(cycles)" -ge '"$want"' ]' || fail "cycles stopped"
}
got() { [ "$(receiver_count)" -ge "$1" ]; }

wait_until 10 eval '[ "$(http_code GET "$AGENT_URL/readyz")" = 200 ]' ||
	fail "not ready after the first cycle"
more_cycles 2
assert_eq "$(receiver_count)" 0 "an account in sync notifies nothing"

# drift, persisting over cycles: one event
set_state '{"domain":"sim.sip.ultravox.ai","sip":{"allowedCidrRanges":["192.0.2.0/24"],"allowAllAgents":false,"allowedAgents":[],"fallbackHandler":null},"registrations":[]}'
wait_until 10 got 1 || fail "no drift_detected"
more_cycles 3
assert_eq "$(receiver_count)" 1 "persisting drift notified more than once"

set_state "$in_sync"
wait_until 10 got 2 || fail "no drift_resolved"

# a commit against the policy, seen by several cycles: one event
printf 'version: 1\nsip:\n  allowedCidrRanges: [10.0.0.0/8]\n' >"$REPO/sip.yaml"
BAD=$(repo_commit "$REPO" wide)
wait_until 10 got 3 || fail "no invalid_commit"
more_cycles 3
assert_eq "$(receiver_count)" 3 "a refused commit notified more than once"

printf 'version: 1\nsip:\n  allowedCidrRanges: [10.1.0.0/16]\n' >"$REPO/sip.yaml"
C3=$(repo_commit "$REPO" back)
wait_until 10 got 4 || fail "no recovered"
more_cycles 2
agent_stop
assert_eq "$AGENT_RC" 0 "exit status after SIGTERM"

same "$(receiver_events | tr '\n' ' ')" \
	"drift_detected drift_resolved invalid_commit recovered " "events and their order"
python3 - "$SCRATCH/received.jsonl" "$NKEY" "$C1" "$BAD" "$C3" <<'PY' || fail "bodies wrong"
import hashlib, hmac, json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
key = sys.argv[2].encode()
commits = [sys.argv[3], sys.argv[3], sys.argv[4], sys.argv[5]]
for r, commit in zip(lines, commits):
    want = "sha256=" + hmac.new(key, r["body"].encode(), hashlib.sha256).hexdigest()
    assert r["headers"]["X-Sipsync-Signature-256"] == want, r
    o = json.loads(r["body"])
    assert o["commit"] == commit, (o, commit)
    assert o["account"] == "sim.sip.ultravox.ai", o
drift = json.loads(lines[0]["body"])
assert drift["changes"] == ["update sip config (sim.sip.ultravox.ai): allowedCidrRanges"], drift
assert "sip.allowedCidrRanges[0]" in json.loads(lines[2]["body"])["changes"], lines[2]
PY
LOG=$(cat "$SCRATCH/agent.log")
assert_contains "$LOG" "notification recovered sent to $RECV_URL (204)" "delivery not logged"
for s in "$SIM_KEY" "$NKEY" "$TOKEN"; do
	assert_not_contains "$LOG" "$s" "a secret in the log"
done
for s in "$SIM_KEY" "$NKEY"; do
	assert_not_contains "$(cat "$SCRATCH/received.jsonl")" "$s" "a secret posted"
done
echo "ok: agent notifications once per state change"
