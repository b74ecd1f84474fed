# sipsync test --live: the route tests run on the desired state and on the
# live account's configuration (read with the API); the report says which
# cases the account passes today, in text, JSON and JUnit; after apply the
# account passes them all.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/sim_seed.sh"
source "$SRC_DIR/tests/lib/plan.sh"
sim_start_seeded
sim_routing false 'null' "[{\"agentId\": \"$A1\", \"toUserPattern\": \"^(sales|support)\$\"}]"
cfg="$SCRATCH/routes.yaml"
write_yaml "$cfg" <<YAML
version: 1
sip:
  allowedAgents: [{agentId: $A1, toUserPattern: '^sales\$'}, {agentId: $A2, toUserPattern: '^(support|help)\$'}]
routeTests:
  - {name: sales line, to: sales, expect: $A1}
  - {name: support line, to: 'sip:support@acme.sip.ultravox.ai', expect: $A2}
YAML

# offline both pass; without --live no request is made
ss test "$cfg"
assert_rc 0 "offline"
assert_eq "$(out)" "2 passed, 0 failed" "offline report"
reqs() { sim_ctl GET /_sim/log | json_get '[r["method"] + " " + r["path"] for r in d["requests"]]'; }
assert_eq "$(reqs)" '["PATCH /api/sip"]' "offline test sends no request"

# live: the account still sends the support line to the sales agent
ss test "$cfg" --live
assert_rc 1 "live: a case fails on the account"
same "$(out)" "2 passed, 0 failed
on the live account acme.sip.ultravox.ai:
$cfg:6:5: error: routeTests[1] \"support line\": to \"sip:support@acme.sip.ultravox.ai\": expected agent $A2, got agent $A1 (allowedAgents[0], pattern \"^(sales|support)\$\")
1 passed, 1 failed" "live text report"
assert_contains "$(reqs)" '"GET /api/sip"' "the live account was read"
assert_eq "$(sim_ctl GET /_sim/log | json_get 'len([r for r in d["requests"] if r["method"] != "GET"])')" 1 "test --live writes nothing"

ss test "$cfg" --live --format json
assert_rc 1 "live json"
assert_eq "$(out | json_get '[r["status"] for r in d["desired"]]')" '["pass","pass"]' "json desired"
assert_eq "$(out | json_get '[r["status"] for r in d["live"]["results"]]')" '["pass","fail"]' "json live"
assert_eq "$(out | json_get 'd["live"]["domain"]')" "acme.sip.ultravox.ai" "json domain"
assert_eq "$(out | json_get 'd["live"]["results"][1]["result"]["agentId"]')" "$A1" "json live decision"

ss test "$cfg" --live --format junit
assert_rc 1 "live junit"
junit=$(out)
assert_contains "$junit" '<testsuites name="sipsync route tests" tests="4" failures="1" errors="0">' "junit totals"
assert_contains "$junit" '<testsuite name="routeTests" tests="2" failures="0"' "junit desired suite"
assert_contains "$junit" '<testsuite name="routeTests on the live account acme.sip.ultravox.ai" tests="2" failures="1"' "junit live suite"

# after apply the account passes every case
ss apply "$cfg" --auto-approve
assert_rc 0 "apply"
ss test "$cfg" --live
assert_rc 0 "live after apply"
same "$(out)" "2 passed, 0 failed
on the live account acme.sip.ultravox.ai:
2 passed, 0 failed" "live report after apply"

# a bad key: the live read fails, named by its request, exit 1
ULTRAVOX_API_KEY=wrong-key ss test "$cfg" --live
assert_rc 1 "bad key"
assert_contains "$(err)" "GET /api/sip: 401" "the failing request is named"
assert_eq "$(out)" "" "no report without the live account"
echo "route_test_live: ok"
