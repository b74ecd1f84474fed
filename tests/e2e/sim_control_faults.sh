# sipsync-sim: armed faults: 429 with Retry-After (counted), 503, added
# latency, and a POST applied whose reply is dropped (logged as dropped).
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/sim_seed.sh"

sim_start_seeded

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
assert_eq "$(json_get 'd["total"]' <<<"$out")" 2 "dropped POST was applied"
sim_ctl POST /_sim/faults '{}' >/dev/null
log=$(sim_ctl GET /_sim/log)
assert_contains "$log" '"dropped":true' "drop logged"
echo "ok"
