# sipsync-sim: POST /api/sip/registrations: required fields and limits; the
# password is write-only; the reply's keys; created is RFC 3339 UTC.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/sim_seed.sh"

sim_start_seeded

out=$(sim_api POST /api/sip/registrations '{"username": "alice"}')
assert_eq "$out" '{"password":["This field is required."],"proxy":["This field is required."]}' "required fields"
long=$(printf 'u%.0s' $(seq 61))
out=$(sim_api POST /api/sip/registrations "{\"username\": \"$long\", \"password\": \"p\", \"proxy\": \"sip.example.com\"}")
assert_eq "$out" '{"username":["Ensure this field has no more than 60 characters."]}' "username maxLength"
for u in u1 u2 u3 u4; do
	sim_add_registrations "$u"
	assert_not_contains "$REG_OUT" password "password is write-only"
	assert_eq "$(json_get 'sorted(d)' <<<"$REG_OUT")" '["authUser","created","outboundProxy","proxy","registrationId","successful","username"]' "registration keys"
done
assert_contains "$(json_get 'd["created"]' <<<"$REG_OUT")" "Z" "created is RFC 3339 UTC"
echo "ok"
