# apply --wait-registrations: the simulator is told that bob's registration
# fails and carol's status never becomes known; alice registers. The apply
# makes all three, waits, reports each, and exits 1 saying the configuration
# was applied. The next plan notes bob and carol (text, JSON, markdown)
# without a change.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
sim_start
export PW_A="pw-a-$RANDOM$RANDOM" PW_B="pw-b-$RANDOM$RANDOM" PW_C="pw-c-$RANDOM$RANDOM"
sim_ctl PUT /_sim/state '{"registrationHealth": {"delayMs": 200,
  "fail": ["bob@pbx.example.com"], "unknown": ["carol@pbx.example.com"]}}' \
	>/dev/null || fail "PUT state"

cfg="$SCRATCH/sip.yaml"
write_yaml "$cfg" <<YAML
version: 1
registrations:
  items:
    - {username: alice, proxy: pbx.example.com, password: {env: PW_A}}
    - {username: bob, proxy: pbx.example.com, password: {env: PW_B}}
    - {username: carol, proxy: pbx.example.com, password: {env: PW_C}}
YAML

ss apply "$cfg" --auto-approve --wait-registrations 4s
assert_rc 1 "a failed registration fails the apply"
assert_contains "$(out)" "Apply complete: 3 of 3 changes made." "applied"
assert_contains "$(out)" "1 registered, 1 failed, 1 unknown" "wait summary"
assert_contains "$(out)" "  registered registration alice@pbx.example.com" "alice"
assert_contains "$(out)" "  FAILED     registration bob@pbx.example.com (successful: false)" "bob"
assert_contains "$(out)" "  unknown    registration carol@pbx.example.com (no status yet)" "carol"
assert_contains "$(err)" "1 registration failed to register; the configuration was applied" "plain message"
# carol never settles: the wait used its whole time (polls are bounded)
polls=$(sim_ctl GET /_sim/log | python3 -c '
import json, sys
print(sum(1 for r in json.load(sys.stdin)["requests"]
          if r["method"] == "GET" and r["path"] == "/api/sip/registrations"))')
[ "$polls" -ge 3 ] && [ "$polls" -le 20 ] || fail "registration lists during the wait: $polls"

ss plan "$cfg" --detailed-exitcode
assert_rc 0 "notes are not changes"
assert_contains "$(out)" "registration bob@pbx.example.com: not registered (successful: false)" "text note (false)"
assert_contains "$(out)" "registration carol@pbx.example.com: status not known yet (successful: null)" "text note (null)"
assert_not_contains "$(out)" "registration alice@pbx.example.com:" "no note for a registered one"
ss plan "$cfg" --format json
notes=$(json_get '[n["subject"] + ": " + n["text"] for n in d["notes"]]' <"$SCRATCH/out")
assert_eq "$notes" '["registration bob@pbx.example.com: not registered (successful: false)","registration carol@pbx.example.com: status not known yet (successful: null)"]' "JSON notes"
ss plan "$cfg" --format markdown
assert_contains "$(out)" "(2 notes)" "markdown heading counts the notes"
assert_contains "$(out)" "registration bob@pbx.example.com: not registered (successful: false)" "markdown note"

# nothing to wait for when nothing was created or updated
ss apply "$cfg" --auto-approve --wait-registrations 4s
assert_rc 0 "no changes: no wait"
assert_not_contains "$(out)" "Registrations (waited" "no wait report"
ss apply "$cfg" --wait-registrations soon
assert_rc 64 "a bad duration is a usage error"

for s in "$PW_A" "$PW_B" "$PW_C"; do
	assert_not_contains "$(cat "$SCRATCH/all-output")" "$s" "a password in the output"
done
echo "ok"
