# suspend: in the desired state is a change freeze: apply prints the plan
# and the reason, writes nothing (the simulator's request log shows no
# write) and exits 0, with a `suspended` notification; --force applies. An
# until in the past is a warning in validate and does not suspend.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"
source "$SRC_DIR/tests/lib/notify.sh"
sim_start
agent_trap
receiver_start 204
cd "$SCRATCH"

cat >sip.yaml <<'YAML'
version: 1
suspend:
  reason: carrier migration
  until: 2099-12-24T00:00:00Z
sip:
  allowedCidrRanges: [203.0.113.0/24]
YAML
before=$(sim_cidrs)
sipsync_expect 0 plan sip.yaml --state-dir st
assert_contains "$(cat err)" "suspended: carrier migration (until 2099-12-24T00:00:00Z); apply writes nothing (unless --force)" \
	"plan does not say apply is frozen"
sim_ctl DELETE /_sim/log >/dev/null
sipsync_expect 0 apply sip.yaml --auto-approve --state-dir st --notify "$RECV_URL/h"
assert_contains "$(cat out)" "+ 203.0.113.0/24" "the plan is printed"
assert_contains "$(cat out)" \
	"Suspended: carrier migration (until 2099-12-24T00:00:00Z); nothing applied (apply --force applies anyway)." \
	"apply does not say why"
LOG=$(sim_ctl GET /_sim/log)
assert_not_contains "$LOG" '"method":"PATCH"' "a suspended apply wrote"
assert_not_contains "$LOG" '"method":"POST"' "a suspended apply wrote"
assert_eq "$(sim_cidrs)" "$before" "the account changed"
same "$(receiver_events)" "suspended" "notification"

sipsync_expect 0 apply sip.yaml --auto-approve --state-dir st --force
assert_contains "$(cat err)" "suspended: carrier migration (until 2099-12-24T00:00:00Z); applying anyway (--force)" \
	"--force does not say it overrides the freeze"
assert_eq "$(sim_cidrs)" '["203.0.113.0/24"]' "--force did not apply"

# over: a warning, and apply applies
sed -i 's/2099-12-24/2020-01-01/; s#203.0.113.0/24#198.51.100.0/24#' sip.yaml
sipsync_expect 0 validate sip.yaml
assert_contains "$(cat err)" "sip.yaml:4:10: warning: suspend.until: 2020-01-01T00:00:00Z is in the past: the account is not suspended" \
	"validate does not warn"
sipsync_expect 0 apply sip.yaml --auto-approve --state-dir st
assert_eq "$(sim_cidrs)" '["198.51.100.0/24"]' "an expired freeze still froze"
echo "ok: apply honours suspend"
