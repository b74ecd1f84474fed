# A receiver that answers 500: the agent tries three times, then gives up,
# logs it (scheme://host:port only) and counts it in
# sipsync_notifications_failed_total; the cycle itself succeeds (ready,
# last reconcile successful) and cycles go on.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"
source "$SRC_DIR/tests/lib/notify.sh"

sim_start
agent_trap
receiver_start 500

REPO="$SCRATCH/repo"
rm -rf "$SCRATCH/state"
repo_init "$REPO"
printf 'version: 1\nsip:\n  allowedCidrRanges: [10.1.0.0/16]\n' >"$REPO/sip.yaml"
repo_commit "$REPO" one >/dev/null
set_state '{"domain":"sim.sip.ultravox.ai","sip":{"allowedCidrRanges":["192.0.2.0/24"],"allowAllAgents":false,"allowedAgents":[],"fallbackHandler":null},"registrations":[]}'

agent_start --repo "file://$REPO" --mode detect --interval 1s \
	--state-dir "$SCRATCH/state" --notify "$RECV_URL/hook/secret-path"

wait_until 10 eval '[ "$(metric sipsync_drift)" = 1 ]' || fail "no drift"
assert_eq "$(metric sipsync_last_reconcile_success)" 1 "the cycle failed"
wait_until 20 eval '[ "$(metric sipsync_notifications_failed_total)" = 1 ]' ||
	fail "failure not counted: $(metric sipsync_notifications_failed_total)"
assert_eq "$(receiver_count)" 3 "tries"
before=$(metric sipsync_reconcile_cycles_total)
wait_until 10 eval '[ "$(metric sipsync_reconcile_cycles_total)" -gt '"$before"' ]' ||
	fail "cycles stopped"
assert_eq "$(http_code GET "$AGENT_URL/readyz")" 200 "unready after a failed notification"
assert_eq "$(metric sipsync_last_reconcile_success)" 1 "the cycle failed"
LOG=$(cat "$SCRATCH/agent.log")
assert_contains "$LOG" "notification drift_detected to $RECV_URL failed: answered 500 (3 tries)" \
	"failure not logged"
assert_not_contains "$LOG" "secret-path" "the URL's path in the log"
agent_stop
assert_eq "$AGENT_RC" 0 "exit status after SIGTERM"
echo "ok: a failing receiver is counted, the cycle goes on"
