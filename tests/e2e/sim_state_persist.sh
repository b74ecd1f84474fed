# sipsync-sim: the state (/_sim/state GET and PUT, a bad state refused) and the
# --state file (mode 0600) that survives a restart.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/sim_seed.sh"

sim_start_seeded

sim_add_registrations u1 u2 u3

state=$(sim_ctl GET /_sim/state)
assert_eq "$(json_get 'len(d["registrations"])' <<<"$state")" 4 "state registrations"
[ "$(stat -c %a "$STATE")" = 600 ] || fail "state file mode is not 0600"
sim_stop || fail "simulator did not exit cleanly"
assert_eq "$(json_get 'sorted(r["username"] for r in d["registrations"])' <"$STATE")" \
	'["acme-main","u1","u2","u3"]' "state file content"
sim_start --state "$STATE" --page-size 2
out=$(sim_api GET '/api/sip/registrations?pageSize=100')
assert_eq "$(json_get 'd["total"]' <<<"$out")" 4 "registrations survive a restart"
out=$(sim_api GET /api/sip)
assert_eq "$(json_get 'd["domain"]' <<<"$out")" acme.sip.ultravox.ai "domain survives"
sim_ctl PUT /_sim/state '{"domain": "other.sip.ultravox.ai", "registrations": []}' >/dev/null || fail "PUT state"
out=$(sim_api GET '/api/sip/registrations')
assert_eq "$(json_get 'd["total"]' <<<"$out")" 0 "state replaced"
out=$(sim_ctl PUT /_sim/state '{"agents": ["nope"]}') && fail "bad state accepted"
assert_contains "$out" "agents[0]" "bad state message"
sim_stop || fail "simulator did not exit cleanly"
echo "ok"
