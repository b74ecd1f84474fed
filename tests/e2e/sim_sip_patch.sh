# sipsync-sim: PATCH /api/sip is a partial update (domain read-only, unknown
# fields ignored, lists replaced whole, uuids lowercased); invalid bodies get
# the DRF error shapes and change nothing.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/sim_seed.sh"

sim_start_seeded

# partial update: only the fields sent change; domain is read-only
out=$(sim_api PATCH /api/sip '{"allowAllAgents": true, "domain": "evil.example", "unknownField": 1}')
assert_eq "$(sim_status)" 200 "PATCH allowAllAgents"
assert_eq "$(json_get 'd["allowAllAgents"]' <<<"$out")" true "allowAllAgents set"
assert_eq "$(json_get 'd["allowedCidrRanges"]' <<<"$out")" '["91.200.160.14/32"]' "cidrs untouched"
assert_eq "$(json_get 'd["domain"]' <<<"$out")" acme.sip.ultravox.ai "domain read-only"
assert_not_contains "$out" unknownField "unknown field ignored"

# arrays replaced whole; uuids normalized to lowercase
out=$(sim_api PATCH /api/sip "{\"allowedAgents\": [{\"agentId\": \"${A2^^}\"}, {\"agentId\": \"$A1\", \"toUserPattern\": \"^x\$\"}], \"allowedCidrRanges\": [\"203.0.113.0/24\", \"10.0.0.1/32\"]}")
assert_eq "$(sim_status)" 200 "PATCH lists"
assert_eq "$(json_get '[a["agentId"] for a in d["allowedAgents"]]' <<<"$out")" "[\"$A2\",\"$A1\"]" "agents replaced, lowercased"
assert_eq "$(json_get 'd["allowedCidrRanges"]' <<<"$out")" '["203.0.113.0/24","10.0.0.1/32"]' "cidrs replaced"

# DRF error shapes
out=$(sim_api PATCH /api/sip "{\"allowedAgents\": [{\"agentId\": \"$A1\"}, {\"agentId\": \"$A2\", \"toUserPattern\": \"$(printf 'é%.0s' $(seq 201))\"}]}")
assert_eq "$(sim_status)" 400 "pattern too long"
assert_eq "$out" '{"allowedAgents":[{},{"toUserPattern":["Ensure this field has no more than 200 characters."]}]}' "nested list error"
out=$(sim_api PATCH /api/sip "{\"allowedAgents\": [{\"agentId\": \"$A2\", \"toUserPattern\": \"$(printf 'é%.0s' $(seq 200))\"}]}")
assert_eq "$(sim_status)" 200 "200 characters (400 bytes) accepted"
out=$(sim_api PATCH /api/sip '{"allowedAgents": [{"agentId": "not-a-uuid"}, {}]}')
assert_eq "$out" '{"allowedAgents":[{"agentId":["Must be a valid UUID."]},{"agentId":["This field is required."]}]}' "uuid/required"
out=$(sim_api PATCH /api/sip "{\"allowedAgents\": [{\"agentId\": \"$UNKNOWN\"}]}")
assert_eq "$(sim_status)" 400 "unknown agent"
assert_contains "$out" "object does not exist" "unknown agent message"
many=$(python3 -c "import json; print(json.dumps({'allowedAgents': [{'agentId': '$A1'}]*21}))")
out=$(sim_api PATCH /api/sip "$many")
assert_eq "$out" '{"allowedAgents":{"non_field_errors":["Ensure this field has no more than 20 elements."]}}' "maxItems 20"
out=$(sim_api PATCH /api/sip '{"allowedCidrRanges": ["1.2.3.0/24", "1.2.3.4/33", 7], "allowAllAgents": "maybe"}')
assert_eq "$out" '{"allowedCidrRanges":{"1":["Enter a valid IPv4 CIDR range."],"2":["Enter a valid IPv4 CIDR range."]},"allowAllAgents":["Must be a valid boolean."]}' "cidr/bool errors"
out=$(sim_api PATCH /api/sip '{"allowedCidrRanges": "1.2.3.0/24"}')
assert_eq "$out" '{"allowedCidrRanges":["Expected a list of items but got type \"str\"."]}' "not a list"
out=$(sim_api PATCH /api/sip '[1]')
assert_eq "$out" '{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}' "body not an object"
# a failed write changes nothing
out=$(sim_api GET /api/sip)
assert_eq "$(json_get 'len(d["allowedAgents"])' <<<"$out")" 1 "state after failed writes"
echo "ok"
