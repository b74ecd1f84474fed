# Contract check: the simulator behind Prism (proxy mode, --errors) against
# the published Ultravox OpenAPI document. Every kind of request goes
# through Prism; the test fails when Prism reports a request or response
# that violates the spec. Prism validates 2xx answers fully; the spec
# documents no error statuses, so for the simulator's deliberate 4xx answers
# Prism can only warn "Unable to match the returned status code" — those
# warnings are counted and allowed, nothing else is.
set -u
source "$SRC_DIR/tests/lib/sim.sh"

PRISM="$SRC_DIR/tests/node/node_modules/.bin/prism"
SPEC="$SHARED_DIR/ultravox/openapi.yaml"
[ -x "$PRISM" ] || fail "prism not installed: $PRISM (scripts/deps.sh --with-node)"
if [ ! -r "$SPEC" ]; then
	echo "SKIP: the API spec is not beside the repository: $SPEC"
	exit 77 # ctest: skipped
fi
A1=0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14
A2=7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f

sim_start --seed "$SRC_DIR/examples/sim-seed.json" --page-size 2

PRISM_PID=""
stop_all()
{
	local status=$?
	if [ -n "$PRISM_PID" ]; then
		kill -TERM "$PRISM_PID" 2>/dev/null
		wait "$PRISM_PID" 2>/dev/null
	fi
	if [ -n "$SIM_PID" ]; then
		sim_stop || status=1
	fi
	exit "$status"
}
trap stop_all EXIT

# a free loopback port (Prism cannot pick one itself); retried on a clash
start_prism()
{
	local try i port
	for try in 1 2 3; do
		port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		"$PRISM" proxy --errors -h 127.0.0.1 -p "$port" "$SPEC" "$SIM_URL" \
			>"$SCRATCH/prism.log" 2>&1 &
		PRISM_PID=$!
		for i in $(seq 1 240); do
			if grep -q "Prism is listening" "$SCRATCH/prism.log"; then
				PRISM_URL="http://127.0.0.1:$port"
				return 0
			fi
			kill -0 "$PRISM_PID" 2>/dev/null || break
			sleep 0.25
		done
		kill -TERM "$PRISM_PID" 2>/dev/null
		wait "$PRISM_PID" 2>/dev/null
		PRISM_PID=""
	done
	tail -20 "$SCRATCH/prism.log" >&2
	fail "prism did not start within 60 s"
}
start_prism
echo "prism $("$PRISM" --version) proxying $SIM_URL at $PRISM_URL"

ERROR_STATUSES=0
# preq EXPECTED_STATUS METHOD PATH [JSON]: through Prism, with the key
preq()
{
	local want="$1" method="$2" path="$3" code
	local args=(-sS --max-time 60 -X "$method" -H "X-API-Key: $SIM_KEY"
		-o "$SCRATCH/preq.body" -w '%{http_code}')
	[ $# -ge 4 ] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
	case "$path" in
	http*) code=$(curl "${args[@]}" "$path") ;;
	*) code=$(curl "${args[@]}" "$PRISM_URL$path") ;;
	esac
	BODY=$(cat "$SCRATCH/preq.body")
	assert_not_contains "$BODY" "stoplight.io/prism/errors" "$method $path: prism reports"
	assert_eq "$code" "$want" "$method $path: status"
	[ "$want" -ge 400 ] && ERROR_STATUSES=$((ERROR_STATUSES + 1))
	return 0
}

# SIP configuration
preq 200 GET /api/sip
preq 200 PATCH /api/sip "{\"allowedCidrRanges\": [\"91.200.160.14/32\", \"203.0.113.0/24\"], \"allowAllAgents\": true, \"allowedAgents\": [{\"agentId\": \"$A1\", \"toUserPattern\": \"^sales\$\"}, {\"agentId\": \"$A2\"}], \"fallbackHandler\": {\"url\": \"https://hooks.example.com/sip\", \"secrets\": [\"s1\", \"s2\"]}}"
preq 200 PATCH /api/sip '{"fallbackHandler": {"url": "https://hooks.example.com/other"}}'
preq 200 PATCH /api/sip '{"fallbackHandler": null}'
preq 200 PATCH /api/sip '{}'
preq 200 PATCH /api/sip '{"allowedAgents": [], "allowedCidrRanges": []}'
preq 400 PATCH /api/sip '{"allowedAgents": [{"agentId": "11111111-2222-4333-8444-555555555555"}]}'

# registrations
preq 201 POST /api/sip/registrations '{"username": "alice", "password": "pw-1", "proxy": "sip.example.com", "outboundProxy": "edge.example.com", "authUser": "alice-auth"}'
ID=$(json_get 'd["registrationId"]' <<<"$BODY")
for u in bob carol dave; do
	preq 201 POST /api/sip/registrations "{\"username\": \"$u\", \"password\": \"pw\", \"proxy\": \"sip.example.com\"}"
done
preq 400 POST /api/sip/registrations '{"username": "nopassword", "proxy": "sip.example.com", "password": ""}'
# every page, following next as given (it names the address the request
# was sent to, so it points back through Prism or at the simulator)
url="/api/sip/registrations?pageSize=2"
pages=0
while [ "$url" != null ] && [ $pages -lt 10 ]; do
	preq 200 GET "$url"
	url=$(json_get 'd["next"]' <<<"$BODY")
	case "$url" in "$SIM_URL"*) url="$PRISM_URL${url#"$SIM_URL"}" ;; esac
	pages=$((pages + 1))
done
assert_eq "$pages" 3 "five registrations in pages of two"
preq 200 GET /api/sip/registrations
prev_url=$(json_get 'd["next"]' <<<"$BODY")
case "$prev_url" in "$SIM_URL"*) prev_url="$PRISM_URL${prev_url#"$SIM_URL"}" ;; esac
preq 200 GET "$prev_url"
preq 200 GET "/api/sip/registrations/$ID"
preq 200 PATCH "/api/sip/registrations/$ID" '{"username": "alice2", "password": "pw-2", "outboundProxy": null}'
preq 400 PATCH "/api/sip/registrations/$ID" '{"proxy": ""}'
preq 204 DELETE "/api/sip/registrations/$ID"
preq 404 GET "/api/sip/registrations/$ID"

# agents
preq 200 GET "/api/agents/$A1"
preq 404 GET "/api/agents/11111111-2222-4333-8444-555555555555"

# a wrong key: Prism only checks that the header is there, the sim refuses
code=$(curl -sS -o /dev/null -w '%{http_code}' -H 'X-API-Key: wrong' "$PRISM_URL/api/sip")
assert_eq "$code" 401 "wrong key through prism"
ERROR_STATUSES=$((ERROR_STATUSES + 1))

sleep 0.5 # let Prism flush its log
cp "$SCRATCH/prism.log" "$SCRATCH/prism.checked.log"
errors=$(grep -E "✖|Violation" "$SCRATCH/prism.checked.log" |
	grep -v "Unable to match the returned status code" || true)
[ -z "$errors" ] || fail "prism reported violations:
$errors"
unmatched=$(grep -c "Unable to match the returned status code" "$SCRATCH/prism.checked.log" || true)
[ "$unmatched" -le "$ERROR_STATUSES" ] ||
	fail "prism: $unmatched undocumented statuses for $ERROR_STATUSES deliberate 4xx answers"

# self-check: Prism does catch a response that breaks the spec (a seeded
# registration whose "created" is not a date-time), so this test can fail
sim_ctl PUT /_sim/state '{"registrations": [{"proxy": "p.example.com", "created": "yesterday"}]}' >/dev/null ||
	fail "PUT /_sim/state"
code=$(curl -sS -o "$SCRATCH/self.body" -w '%{http_code}' -H "X-API-Key: $SIM_KEY" "$PRISM_URL/api/sip/registrations")
assert_eq "$code" 500 "prism flags a bad response"
assert_contains "$(cat "$SCRATCH/self.body")" "must match format" "prism violation message"

echo "prism_contract: ok ($pages pages, $ERROR_STATUSES deliberate 4xx, $unmatched undocumented-status warnings, no violations)"
