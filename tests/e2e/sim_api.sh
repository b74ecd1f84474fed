# sipsync-sim end to end: every endpoint over loopback with curl, status
# codes, DRF error shapes, pagination, write-only password, auth, faults,
# the request log and state persistence across a restart.
set -u
source "$SRC_DIR/tests/lib/sim.sh"

STATE="$SCRATCH/state.json"
rm -f "$STATE"
A1=0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14
A2=7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f
UNKNOWN=11111111-2222-4333-8444-555555555555

# curl helper with explicit headers: prints "STATUS BODY"
req()
{
	local method="$1" path="$2"
	shift 2
	curl -sS --max-time 30 -X "$method" -o "$SCRATCH/req.body" \
		-w '%{http_code}' "$@" "$SIM_URL$path"
	printf ' '
	cat "$SCRATCH/req.body"
}

sim_start --seed "$SRC_DIR/examples/sim-seed.json" --page-size 2 \
	--state "$STATE"

# --- /api/sip -------------------------------------------------------------
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

# malformed requests
out=$(req PATCH /api/sip -H "X-API-Key: $SIM_KEY" -H 'Content-Type: application/json' --data-binary '{"allowAllAgents": tru')
assert_eq "${out%% *}" 400 "malformed JSON"
assert_contains "$out" '"detail":"JSON parse error - ' "parse error detail"
out=$(req PATCH /api/sip -H "X-API-Key: $SIM_KEY" -H 'Content-Type: text/plain' --data-binary '{}')
assert_eq "${out%% *}" 415 "wrong content type"
head -c 1100000 /dev/zero | tr '\0' 'a' >"$SCRATCH/big"
out=$(req PATCH /api/sip -H "X-API-Key: $SIM_KEY" -H 'Content-Type: application/json' --data-binary @"$SCRATCH/big")
assert_eq "${out%% *}" 413 "body cap"

# --- registrations --------------------------------------------------------
out=$(sim_api POST /api/sip/registrations '{"username": "alice"}')
assert_eq "$out" '{"password":["This field is required."],"proxy":["This field is required."]}' "required fields"
long=$(printf 'u%.0s' $(seq 61))
out=$(sim_api POST /api/sip/registrations "{\"username\": \"$long\", \"password\": \"p\", \"proxy\": \"sip.example.com\"}")
assert_eq "$out" '{"username":["Ensure this field has no more than 60 characters."]}' "username maxLength"
ids=()
for u in u1 u2 u3 u4; do
	out=$(sim_api POST /api/sip/registrations "{\"username\": \"$u\", \"password\": \"pw-$u-SECRET\", \"proxy\": \"sip.example.com\", \"authUser\": \"auth-$u\"}")
	assert_eq "$(sim_status)" 201 "POST $u"
	assert_not_contains "$out" password "password is write-only"
	assert_eq "$(json_get 'sorted(d)' <<<"$out")" '["authUser","created","outboundProxy","proxy","registrationId","successful","username"]' "registration keys"
	ids+=("$(json_get 'd["registrationId"]' <<<"$out")")
done
assert_contains "$(json_get 'd["created"]' <<<"$out")" "Z" "created is RFC 3339 UTC"

# pagination: page size 2 (server maximum), 5 registrations, follow next
seen=""
url="$SIM_URL/api/sip/registrations?pageSize=100"
pages=0
while [ "$url" != null ] && [ $pages -lt 10 ]; do
	out=$(curl -sS --max-time 30 -H "X-API-Key: $SIM_KEY" "$url")
	assert_not_contains "$out" password "password in list"
	assert_eq "$(json_get 'd["total"]' <<<"$out")" 5 "total"
	[ $pages -eq 0 ] && assert_eq "$(json_get 'd["previous"]' <<<"$out")" null "first page previous"
	seen="$seen $(json_get '" ".join(r["username"] for r in d["results"])' <<<"$out")"
	url=$(json_get 'd["next"]' <<<"$out")
	pages=$((pages + 1))
done
assert_eq "$pages" 3 "pages of 2"
assert_eq "$(tr ' ' '\n' <<<"$seen" | sed '/^$/d' | sort | tr '\n' ' ')" "acme-main u1 u2 u3 u4 " "every registration exactly once"
# previous goes back
out=$(curl -sS -H "X-API-Key: $SIM_KEY" "$SIM_URL/api/sip/registrations")
next=$(json_get 'd["next"]' <<<"$out")
assert_contains "$next" "$SIM_URL/api/sip/registrations?cursor=" "next is absolute"
out=$(curl -sS -H "X-API-Key: $SIM_KEY" "$next")
prev=$(json_get 'd["previous"]' <<<"$out")
out=$(curl -sS -H "X-API-Key: $SIM_KEY" "$prev")
assert_eq "$(json_get '[r["username"] for r in d["results"]]' <<<"$out")" '["acme-main","u1"]' "previous page"
out=$(sim_api GET '/api/sip/registrations?pageSize=1')
assert_eq "$(json_get 'len(d["results"])' <<<"$out")" 1 "pageSize=1"
out=$(sim_api GET '/api/sip/registrations?cursor=')
assert_eq "$(sim_status) $(json_get '[r["username"] for r in d["results"]]' <<<"$out")" '200 ["acme-main","u1"]' "empty cursor is the first page"
out=$(sim_api GET '/api/sip/registrations?cursor=bogus')
assert_eq "$(sim_status) $out" '404 {"detail":"Invalid cursor"}' "bad cursor"

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

# agents
out=$(sim_api GET "/api/agents/$A2")
assert_eq "$(sim_status) $(json_get 'd["agentId"]' <<<"$out")" "200 $A2" "known agent"
sim_api GET "/api/agents/$UNKNOWN" >/dev/null
assert_eq "$(sim_status)" 404 "unknown agent"
sim_api GET "/api/agents/xyz" >/dev/null
assert_eq "$(sim_status)" 404 "not a uuid"

# --- control: log, faults -------------------------------------------------
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

sim_ctl POST /_sim/faults '{"status429": 2, "retryAfter": 3}' >/dev/null || fail "arm 429"
hdr=$(curl -sS -D - -o /dev/null -H "X-API-Key: $SIM_KEY" "$SIM_URL/api/sip" | tr -d '\r')
assert_contains "$hdr" "HTTP/1.1 429" "429"
assert_contains "$hdr" "Retry-After: 3" "Retry-After"
sim_api GET /api/sip >/dev/null
assert_eq "$(sim_status)" 429 "second 429"
sim_api GET /api/sip >/dev/null
assert_eq "$(sim_status)" 200 "faults used up"
sim_ctl POST /_sim/faults '{"status503": 1}' >/dev/null
sim_api GET /api/sip >/dev/null
assert_eq "$(sim_status)" 503 "503"
sim_ctl POST /_sim/faults '{"latencyMs": 300}' >/dev/null
t0=$(date +%s%N)
sim_api GET /api/sip >/dev/null
t1=$(date +%s%N)
[ $(((t1 - t0) / 1000000)) -ge 300 ] || fail "latency not added"
sim_ctl POST /_sim/faults '{"dropAfterApply": {"method": "POST", "count": 1}}' >/dev/null
rc=0
curl -sS --max-time 10 -H "X-API-Key: $SIM_KEY" -H 'Content-Type: application/json' \
	--data-binary '{"username": "dropped", "password": "p", "proxy": "p.example.com"}' \
	"$SIM_URL/api/sip/registrations" >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 52 "dropAfterApply: curl sees an empty reply (exit 52)"
out=$(sim_api GET '/api/sip/registrations')
assert_eq "$(json_get 'd["total"]' <<<"$out")" 5 "dropped POST was applied"
sim_ctl POST /_sim/faults '{}' >/dev/null
log=$(sim_ctl GET /_sim/log)
assert_contains "$log" '"dropped":true' "drop logged"

# --- state: GET/PUT and persistence across a restart -----------------------
state=$(sim_ctl GET /_sim/state)
assert_eq "$(json_get 'len(d["registrations"])' <<<"$state")" 5 "state registrations"
[ "$(stat -c %a "$STATE")" = 600 ] || fail "state file mode is not 0600"
sim_stop || fail "simulator did not exit cleanly"
assert_eq "$(json_get 'sorted(r["username"] for r in d["registrations"])' <"$STATE")" \
	'["acme-main","dropped","u1","u3","u4"]' "state file content"
sim_start --state "$STATE" --page-size 2
out=$(sim_api GET '/api/sip/registrations?pageSize=100')
assert_eq "$(json_get 'd["total"]' <<<"$out")" 5 "registrations survive a restart"
out=$(sim_api GET /api/sip)
assert_eq "$(json_get 'd["domain"]' <<<"$out")" acme.sip.ultravox.ai "domain survives"
sim_ctl PUT /_sim/state '{"domain": "other.sip.ultravox.ai", "registrations": []}' >/dev/null || fail "PUT state"
out=$(sim_api GET '/api/sip/registrations')
assert_eq "$(json_get 'd["total"]' <<<"$out")" 0 "state replaced"
out=$(sim_ctl PUT /_sim/state '{"agents": ["nope"]}') && fail "bad state accepted"
assert_contains "$out" "agents[0]" "bad state message"
sim_stop || fail "simulator did not exit cleanly"
echo "sim_api: ok"
