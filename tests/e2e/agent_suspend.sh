# sipsync run --mode apply with suspend: in the desired state: the agent
# only plans (no write in the simulator's request log), /metrics shows
# sipsync_suspended 1 and drift, and one `suspended` notification is sent
# however many cycles run; the commit that lifts the freeze is applied
# (applied notification, sipsync_suspended 0).
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
printf 'version: 1\nsuspend: {reason: incident 42}\nsip:\n  allowedCidrRanges: [10.1.0.0/16]\n' >"$REPO/sip.yaml"
repo_commit "$REPO" frozen >/dev/null
set_state '{"domain":"sim.sip.ultravox.ai","sip":{"allowedCidrRanges":["192.0.2.0/24"],"allowAllAgents":false,"allowedAgents":[],"fallbackHandler":null},"registrations":[]}'
sim_ctl DELETE /_sim/log >/dev/null

agent_start --repo "file://$REPO" --mode apply --interval 1s \
	--state-dir "$SCRATCH/state" --notify "$RECV_URL/h"
wait_until 10 eval '[ "$(metric sipsync_suspended)" = 1 ]' || fail "sipsync_suspended not 1"
assert_eq "$(metric sipsync_drift)" 1 "drift not shown while suspended"
want=$(($(metric sipsync_reconcile_cycles_total) + 3))
wait_until 20 eval '[ "$(metric sipsync_reconcile_cycles_total)" -ge '"$want"' ]' || fail "cycles stopped"
LOG=$(sim_ctl GET /_sim/log)
assert_not_contains "$LOG" '"method":"PATCH"' "a suspended agent wrote"
assert_eq "$(sim_cidrs)" '["192.0.2.0/24"]' "a suspended agent changed the account"
same "$(receiver_events)" "suspended" "one notification while suspended"
assert_contains "$(cat "$SCRATCH/agent.log")" "(suspended: nothing changed)" "log does not say why"

printf 'version: 1\nsip:\n  allowedCidrRanges: [10.1.0.0/16]\n' >"$REPO/sip.yaml"
repo_commit "$REPO" thawed >/dev/null
wait_until 20 eval '[ "$(sim_cidrs)" = '"'"'["10.1.0.0/16"]'"'"' ]' || fail "not applied after the freeze"
wait_until 10 eval '[ "$(metric sipsync_suspended)" = 0 ]' || fail "sipsync_suspended not 0"
wait_until 10 eval '[ "$(receiver_count)" -ge 2 ]' || fail "no applied notification"
agent_stop
same "$(receiver_events | tr '\n' ' ')" "suspended applied " "events"
echo "ok: the agent honours suspend"
