# --notify-repeat: drift that persists is said again, marked a reminder,
# no sooner than the given duration after the first event (the bodies'
# own times say so); the account itself is not touched in detect mode.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"
source "$SRC_DIR/tests/lib/notify.sh"

sim_start
agent_trap
receiver_start 204

REPO="$SCRATCH/repo"
rm -rf "$SCRATCH/state"
repo_init "$REPO"
printf 'version: 1\nsip:\n  allowedCidrRanges: [10.1.0.0/16]\n' >"$REPO/sip.yaml"
repo_commit "$REPO" one >/dev/null
set_state '{"domain":"sim.sip.ultravox.ai","sip":{"allowedCidrRanges":["192.0.2.0/24"],"allowAllAgents":false,"allowedAgents":[],"fallbackHandler":null},"registrations":[]}'

agent_start --repo "file://$REPO" --mode detect --interval 1s \
	--state-dir "$SCRATCH/state" --notify "$RECV_URL/h" --notify-repeat 3s
wait_until 30 eval '[ "$(receiver_count)" -ge 2 ]' || fail "no reminder"
agent_stop
python3 - "$SCRATCH/received.jsonl" <<'PY' || fail "reminder wrong"
import datetime, json, sys
bodies = [json.loads(json.loads(l)["body"]) for l in open(sys.argv[1])]
first, second = bodies[0], bodies[1]
assert first["event"] == second["event"] == "drift_detected", bodies
assert "(reminder)" not in first["text"] and "(reminder)" in second["text"], bodies
t = [datetime.datetime.strptime(b["time"], "%Y-%m-%dT%H:%M:%SZ") for b in (first, second)]
assert (t[1] - t[0]).total_seconds() >= 3, t
PY
assert_eq "$(sim_cidrs)" '["192.0.2.0/24"]' "detect mode changed the account"
echo "ok: reminders at most every --notify-repeat"
