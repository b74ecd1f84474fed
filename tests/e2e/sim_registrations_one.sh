# sipsync-sim: one registration: GET, partial PATCH (registrationId read-only,
# blank proxy refused), DELETE answers 204 and then 404.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/sim_seed.sh"

sim_start_seeded

sim_add_registrations u1 u2 u3 u4
ids=("${REG_IDS[@]}")

# one registration: GET, PATCH (partial), DELETE
id=${ids[1]}
out=$(sim_api GET "/api/sip/registrations/$id")
assert_eq "$(json_get 'd["username"]' <<<"$out")" u2 "GET one"
out=$(sim_api PATCH "/api/sip/registrations/$id" '{"username": "u2b", "password": "new-SECRET", "registrationId": "x"}')
assert_eq "$(sim_status)" 200 "PATCH one"
assert_eq "$(json_get '[d["username"], d["authUser"], d["registrationId"]]' <<<"$out")" "[\"u2b\",\"auth-u2\",\"$id\"]" "partial update"
out=$(sim_api PATCH "/api/sip/registrations/$id" '{"outboundProxy": null, "proxy": ""}')
assert_eq "$out" '{"proxy":["This field may not be blank."]}' "blank proxy"
out=$(req DELETE "/api/sip/registrations/$id" -H "X-API-Key: $SIM_KEY")
assert_eq "$out" "204 " "DELETE answers 204 without a body"
out=$(sim_api GET "/api/sip/registrations/$id")
assert_eq "$(sim_status) $out" '404 {"detail":"Not found."}' "deleted"
out=$(sim_api DELETE "/api/sip/registrations/$id")
assert_eq "$(sim_status)" 404 "DELETE twice"
echo "ok"
