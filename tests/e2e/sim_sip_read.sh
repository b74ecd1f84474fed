# sipsync-sim: GET /api/sip serves the seed; a missing or wrong key is 401 (the key
# never echoed); an unknown path is 404, a wrong method 405 with Allow.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/sim_seed.sh"

sim_start_seeded

out=$(sim_api GET /api/sip)
assert_eq "$(sim_status)" 200 "GET /api/sip"
assert_eq "$(json_get 'd["domain"]' <<<"$out")" acme.sip.ultravox.ai "seed domain"
assert_eq "$(json_get 'd["allowedAgents"][0]["agentId"]' <<<"$out")" "$A1" "seed agent"
assert_eq "$(json_get 'sorted(d)' <<<"$out")" \
	'["allowAllAgents","allowedAgents","allowedCidrRanges","domain","fallbackHandler"]' \
	"SipConfig keys"

# auth: missing and wrong key
out=$(req GET /api/sip)
assert_eq "${out%% *}" 401 "no key"
assert_contains "$out" '"detail"' "401 body"
out=$(req GET /api/sip -H "X-API-Key: wrong$SIM_KEY")
assert_eq "${out%% *}" 401 "wrong key"
assert_not_contains "$out" "$SIM_KEY" "key echoed"

# unknown path (404 even without a key), wrong method (405 + Allow)
out=$(req GET /api/nope)
assert_eq "$out" '404 {"detail":"Not found."}' "unknown path"
allow=$(curl -sS -X PUT -H "X-API-Key: $SIM_KEY" -D - -o /dev/null "$SIM_URL/api/sip" | tr -d '\r' | grep -i '^allow:')
assert_eq "$allow" "Allow: GET, PATCH, HEAD" "405 Allow header"
echo "ok"
