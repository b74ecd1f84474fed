# sipsync-sim: fallbackHandler: a generated secret when none is sent (a new one
# each time), explicit secrets, the limits; null clears it.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/sim_seed.sh"

sim_start_seeded

# fallbackHandler: generated secret, explicit secrets, limits, null clears
out=$(sim_api PATCH /api/sip '{"fallbackHandler": {"url": "https://hooks.example.com/sip"}}')
assert_eq "$(sim_status)" 200 "fallback without secrets"
secret=$(json_get 'd["fallbackHandler"]["secrets"][0]' <<<"$out")
assert_eq "${#secret}" 64 "generated secret length"
out=$(sim_api PATCH /api/sip '{"fallbackHandler": {"url": "https://hooks.example.com/sip"}}')
assert_eq "$(json_get 'd["fallbackHandler"]["secrets"][0] != "'"$secret"'"' <<<"$out")" true "a new secret each time"
out=$(sim_api PATCH /api/sip '{"fallbackHandler": {"url": "http://127.0.0.1:8080/hook", "secrets": ["s1", "s2"]}}')
assert_eq "$(json_get 'd["fallbackHandler"]' <<<"$out")" '{"url":"http://127.0.0.1:8080/hook","secrets":["s1","s2"]}' "explicit secrets"
out=$(sim_api PATCH /api/sip '{"fallbackHandler": {"url": "not a url", "secrets": []}}')
assert_eq "$out" '{"fallbackHandler":{"url":["Enter a valid URL."],"secrets":["Ensure this field has at least 1 elements."]}}' "fallback errors"
long=$(printf 'x%.0s' $(seq 121))
out=$(sim_api PATCH /api/sip "{\"fallbackHandler\": {\"url\": \"https://a.example.com\", \"secrets\": [\"ok\", \"$long\"]}}")
assert_eq "$out" '{"fallbackHandler":{"secrets":{"1":["Ensure this field has no more than 120 characters."]}}}' "secret maxLength"
out=$(sim_api PATCH /api/sip '{"fallbackHandler": {"url": "https://a.example.com", "secrets": ["1","2","3","4","5","6","7","8","9","10","11"]}}')
assert_eq "$out" '{"fallbackHandler":{"secrets":["Ensure this field has no more than 10 elements."]}}' "secrets maxItems"
out=$(sim_api PATCH /api/sip '{"fallbackHandler": {"secrets": ["a"]}}')
assert_eq "$out" '{"fallbackHandler":{"url":["This field is required."]}}' "url required"
out=$(sim_api PATCH /api/sip '{"fallbackHandler": null}')
assert_eq "$(json_get 'd["fallbackHandler"]' <<<"$out")" null "null clears"
echo "ok"
