# sipsync-sim: the request log (/_sim/log) records the API calls with
# passwords and secrets redacted, never the control calls; DELETE resets it.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/sim_seed.sh"

sim_start_seeded

# what the log must show redacted: a password (POST and PATCH), explicit
# fallback secrets, and a generated secret in a reply
sim_add_registrations u1
id=${REG_IDS[0]}
sim_api PATCH "/api/sip/registrations/$id" '{"password": "new-SECRET"}' >/dev/null
assert_eq "$(sim_status)" 200 "PATCH password"
out=$(sim_api PATCH /api/sip '{"fallbackHandler": {"url": "https://hooks.example.com/sip"}}')
secret=$(json_get 'd["fallbackHandler"]["secrets"][0]' <<<"$out")
[ -n "$secret" ] || fail "no generated secret"
sim_api PATCH /api/sip '{"fallbackHandler": {"url": "http://127.0.0.1:8080/hook", "secrets": ["s1-SECRET", "s2-SECRET"]}}' >/dev/null
assert_eq "$(sim_status)" 200 "PATCH explicit secrets"
sim_ctl GET /_sim/state >/dev/null || fail "GET /_sim/state"

log=$(sim_ctl GET /_sim/log) || fail "GET /_sim/log"
assert_contains "$log" '"method":"PATCH","path":"/api/sip/registrations/' "log entry"
assert_contains "$log" '"password":"<redacted>"' "password redacted"
assert_contains "$log" '"secrets":"<redacted>"' "secrets redacted"
assert_not_contains "$log" SECRET "no password in the log"
assert_not_contains "$log" "$secret" "no generated secret in the log"
assert_not_contains "$log" '"/_sim/' "control calls not logged"
sim_ctl DELETE /_sim/log >/dev/null || fail "DELETE /_sim/log"
sim_api GET /api/sip >/dev/null
log=$(sim_ctl GET /_sim/log)
assert_eq "$(json_get 'len(d["requests"])' <<<"$log")" 1 "log reset"
echo "ok"
