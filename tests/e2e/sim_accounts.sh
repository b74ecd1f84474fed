# sipsync-sim with several accounts (--account KEY=DOMAIN): each key sees
# only its own account, a write through key A is invisible through key B, a
# wrong key is 401, the request log names the account (never the key), and
# the state file keeps the accounts (as key hashes) across a restart.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"

KEY_A="key-a-$RANDOM$RANDOM" KEY_B="key-b-$RANDOM$RANDOM"
export PW_ALICE="alice-pw-$RANDOM$RANDOM"
STATE="$SCRATCH/sim-state.json"
rm -f "$STATE"
sim_start --state "$STATE" --account "$KEY_A=a.sip.ultravox.ai" \
	--account "$KEY_B=b.sip.ultravox.ai"

# GET /api/sip with a given key: prints "STATUS BODY"
get_as()
{
	local code
	code=$(curl -sS --max-time 30 -H "X-API-Key: $1" -o "$SCRATCH/as.body" \
		-w '%{http_code}' "$SIM_URL$2") || code=000
	printf '%s %s\n' "$code" "$(cat "$SCRATCH/as.body")"
}

r=$(get_as "$KEY_A" /api/sip)
assert_contains "$r" '200 ' "key A answers"
assert_contains "$r" '"domain":"a.sip.ultravox.ai"' "key A sees account A"
r=$(get_as "$KEY_B" /api/sip)
assert_contains "$r" '"domain":"b.sip.ultravox.ai"' "key B sees account B"
r=$(get_as "$SIM_KEY" /api/sip)
assert_contains "$r" '"domain":"sim.sip.ultravox.ai"' "the primary key still sees the primary account"
r=$(get_as "wrong-$KEY_A" /api/sip)
assert_contains "$r" '401 {"detail":"Invalid API key."}' "a wrong key is 401"

cfg="$SCRATCH/a.yaml"
write_yaml "$cfg" <<YAML
version: 1
account:
  domain: a.sip.ultravox.ai
sip:
  allowedCidrRanges: [203.0.113.0/24]
registrations:
  items:
    - username: alice
      proxy: pbx.example.com
      password: {env: PW_ALICE}
YAML
sim_ctl DELETE /_sim/log >/dev/null
ULTRAVOX_API_KEY="$KEY_A" ss apply "$cfg" --auto-approve
assert_rc 0 "apply through key A"
accounts=$(sim_ctl GET /_sim/log | python3 -c '
import json, sys
print(sorted({r.get("account", "-") for r in json.load(sys.stdin)["requests"]}))')
assert_eq "$accounts" "['a.sip.ultravox.ai']" "every request of the apply is logged as account A"

r=$(get_as "$KEY_A" /api/sip/registrations)
assert_contains "$r" '"total":1' "account A has the registration"
assert_contains "$r" '"username":"alice"' "account A's registration"
r=$(get_as "$KEY_B" /api/sip/registrations)
assert_contains "$r" '"total":0' "account B does not see A's registration"
r=$(get_as "$KEY_B" /api/sip)
assert_contains "$r" '"allowedCidrRanges":[]' "account B's SIP config untouched"
r=$(get_as "$SIM_KEY" /api/sip)
assert_contains "$r" '"allowedCidrRanges":[]' "the primary account untouched"


# the keys appear nowhere: log, state dump, state file, simulator output
for f in "$STATE" "$SCRATCH/sim.out" "$SCRATCH/sim.err" "$SCRATCH/all-output"; do
	assert_not_contains "$(cat "$f")" "$KEY_A" "key A in $f"
	assert_not_contains "$(cat "$f")" "$KEY_B" "key B in $f"
done
dump=$(sim_ctl GET /_sim/state; sim_ctl GET /_sim/log)
assert_not_contains "$dump" "$KEY_A" "key A in the control API"

# a restart from the state file alone keeps both accounts and their keys
sim_stop || fail "simulator did not exit cleanly"
sim_start --state "$STATE"
r=$(get_as "$KEY_A" /api/sip/registrations)
assert_contains "$r" '"username":"alice"' "account A survives a restart"
r=$(get_as "$KEY_B" /api/sip)
assert_contains "$r" '"domain":"b.sip.ultravox.ai"' "account B survives a restart"

# a state PUT without "accounts" keeps them; a second key for a domain is refused
sim_ctl PUT /_sim/state '{"registrations": []}' >/dev/null || fail "PUT state"
r=$(get_as "$KEY_A" /api/sip/registrations)
assert_contains "$r" '"total":1' "PUT without accounts keeps account A"
out=$(sim_ctl PUT /_sim/state '{"accounts": [{"domain": "sim.sip.ultravox.ai", "apiKey": "x"}]}') &&
	fail "an extra account with the primary's domain was accepted"
assert_contains "$out" "primary account's domain" "clash message"
sim_stop || fail "simulator did not exit cleanly"
echo "ok"
