# The agent exports sipsync_registration_up{registration="user@proxy"}: 1
# for a registration reporting successful true, 0 for false, absent while
# null; a change of status is logged once, as a transition.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"

sim_start
agent_trap

REPO="$SCRATCH/repo"
STATE="$SCRATCH/state"
rm -rf "$STATE"
repo_init "$REPO"
printf 'version: 1\nsip:\n  allowedCidrRanges: [10.0.0.0/8]\n' >"$REPO/sip.yaml"
repo_commit "$REPO" one >/dev/null
regs()
{
	printf '{"domain":"sim.sip.ultravox.ai","sip":{"allowedCidrRanges":["10.0.0.0/8"]},"registrations":[
	  {"registrationId":"r1","username":"alice","proxy":"pbx.example.com","password":"x","successful":%s},
	  {"registrationId":"r2","username":"bob","proxy":"pbx.example.com","password":"x","successful":%s},
	  {"registrationId":"r3","username":"carol","proxy":"pbx.example.com","password":"x","successful":null}]}' "$1" "$2"
}
set_state "$(regs true false)"

agent_start --repo "file://$REPO" --mode detect --interval 1s --state-dir "$STATE"
wait_until 10 eval '[ "$(http_code GET "$AGENT_URL/readyz")" = 200 ]' ||
	fail "not ready after the first cycle"
assert_eq "$(metric 'sipsync_registration_up{registration="alice@pbx.example.com"}')" 1 "alice up"
assert_eq "$(metric 'sipsync_registration_up{registration="bob@pbx.example.com"}')" 0 "bob down"
body=$(curl -sS --max-time 10 "$AGENT_URL/metrics")
assert_contains "$body" "# TYPE sipsync_registration_up gauge" "the metric is declared"
assert_not_contains "$body" 'carol@pbx.example.com' "a null status has no sample"
grep -q "registration bob@pbx.example.com: not registered (successful: false)" "$SCRATCH/agent.log" ||
	fail "a failing registration is not logged at start"
assert_not_contains "$(cat "$SCRATCH/agent.log")" "registration alice@pbx.example.com:" "a registered one is not logged at start"

# bob registers, alice fails: both transitions logged, the gauge follows
set_state "$(regs false true)"
wait_until 10 eval '[ "$(metric "sipsync_registration_up{registration=\"bob@pbx.example.com\"}")" = 1 ]' ||
	fail "bob's gauge did not follow"
assert_eq "$(metric 'sipsync_registration_up{registration="alice@pbx.example.com"}')" 0 "alice down"
grep -q "registration bob@pbx.example.com: registered" "$SCRATCH/agent.log" || fail "bob's transition not logged"
grep -q "registration alice@pbx.example.com: not registered (successful: false)" "$SCRATCH/agent.log" ||
	fail "alice's transition not logged"
sleep 1.5 # at least one more cycle with the same status
n=$(grep -c "registration alice@pbx.example.com: not registered" "$SCRATCH/agent.log")
assert_eq "$n" 1 "a transition is logged once"

agent_stop
assert_eq "$AGENT_RC" 0 "exit status after SIGTERM"
echo "ok"
