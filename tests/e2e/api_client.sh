# The API client through the real binaries and sipsync-sim: every page is
# read (asking for 100, following `next`), 429/503 bursts are survived
# (Retry-After honoured), creates whose answers are lost are not duplicated,
# and a bad key gives the auth message. (The parallelism bound is measured
# in tests/unit/test_api.c.)
set -u
source "$SRC_DIR/tests/lib/sim.sh"

export PW_SECRET="pw-e2e-$RANDOM-value"
state="$SCRATCH/state"
rm -rf "$state"

# 50 registrations, the simulator serving at most 7 a page
python3 - "$SCRATCH/seed.json" <<'EOF'
import json, sys
regs = [{"registrationId": f"reg_{i:03d}", "created": "2026-01-01T00:00:00Z",
         "username": f"user{i}", "proxy": "pbx.example.com",
         "outboundProxy": None, "authUser": None, "successful": True}
        for i in range(50)]
json.dump({"domain": "acme.sip.ultravox.ai",
           "sip": {"allowedCidrRanges": ["10.0.0.0/8"], "allowAllAgents": False,
                   "allowedAgents": [], "fallbackHandler": None},
           "registrations": regs}, open(sys.argv[1], "w"))
EOF
printf 'version: 1\nsip:\n  allowedCidrRanges: [10.0.0.0/8]\n' >"$SCRATCH/sip.yaml"
{
	printf 'version: 1\nregistrations:\n  items:\n'
	for i in $(seq 1 12); do
		printf '    - {username: new%s, proxy: pbx.example.com, password: {env: PW_SECRET}}\n' "$i"
	done
} >"$SCRATCH/create.yaml"

sim_start --seed "$SCRATCH/seed.json" --page-size 7

log_lines()
{
	sim_ctl GET /_sim/log | json_get '"\n".join(r["method"] + " " + r["path"] + " " + (r.get("query") or "") + " " + str(r["status"]) for r in d["requests"])'
}

# -- pagination: ceil(50 / 7) = 8 pages, the first asking for 100
sim_ctl DELETE /_sim/log >/dev/null
out=$("$SIPSYNC" plan "$SCRATCH/sip.yaml" --state-dir "$state" 2>&1) || fail "plan failed: $out"
assert_contains "$out" "No changes" "plan of an unchanged account"
log=$(log_lines)
pages=$(grep -c '^GET /api/sip/registrations ' <<<"$log")
assert_eq "$pages" 8 "registration pages read"
first=$(grep -m1 '^GET /api/sip/registrations ' <<<"$log")
assert_contains "$first" "pageSize=100" "first page asks for 100"

# -- 429 (Retry-After 1) and 503 bursts are survived
sim_ctl POST /_sim/faults '{"status429": 2, "retryAfter": 1, "status503": 2}' >/dev/null
sim_ctl DELETE /_sim/log >/dev/null
t0=$(date +%s%N)
out=$("$SIPSYNC" plan "$SCRATCH/sip.yaml" --state-dir "$state" 2>&1) || fail "plan under 429/503 failed: $out"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
log=$(log_lines)
assert_eq "$(grep -c ' 429$' <<<"$log")" 2 "429 answers seen"
assert_eq "$(grep -c ' 503$' <<<"$log")" 2 "503 answers seen"
[ "$ms" -ge 900 ] || fail "Retry-After 1 not honoured: plan took ${ms} ms"
sim_ctl POST /_sim/faults '{}' >/dev/null

# -- lost answers to creates: no duplicate
sim_ctl POST /_sim/faults '{"dropAfterApply": {"method": "POST", "count": 3}}' >/dev/null
sim_ctl DELETE /_sim/log >/dev/null
out=$("$SIPSYNC" apply "$SCRATCH/create.yaml" --auto-approve --parallelism 4 \
	--state-dir "$state" 2>&1) || fail "apply failed: $out"
sim_ctl POST /_sim/faults '{}' >/dev/null
log=$(log_lines)
assert_eq "$(grep -c '^POST /api/sip/registrations ' <<<"$log")" 12 "one POST per create"
count=$(sim_ctl GET /_sim/state | json_get 'len([r for r in d["registrations"] if r["username"].startswith("new")])')
assert_eq "$count" 12 "registrations created (no duplicate)"
# the lost answers were settled by re-listing, after the first POST
relists=$(awk '/^POST /{p=1} p && /^GET \/api\/sip\/registrations /{n++} END{print n+0}' <<<"$log")
[ "$relists" -ge 1 ] || fail "no re-list after lost POST answers: $log"
assert_not_contains "$out" "$PW_SECRET" "password in apply output"

# -- a wrong key
echo "not-the-key" >"$SCRATCH/bad.key"
out=$(env -u ULTRAVOX_API_KEY "$SIPSYNC" plan "$SCRATCH/sip.yaml" --api-key-file "$SCRATCH/bad.key" \
	--state-dir "$state" 2>&1) && fail "plan with a bad key succeeded"
assert_contains "$out" "GET /api/sip" "auth failure names the request"
assert_contains "$out" "401: authentication failed (check ULTRAVOX_API_KEY or --api-key-file)" "auth message"
assert_not_contains "$out" "not-the-key" "key in the error"
echo "ok"
