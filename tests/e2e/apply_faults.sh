# Reliability: 429 (Retry-After) and 503 bursts are survived; a POST whose
# response is lost after the sim applied it makes no duplicate; a second
# apply converges; the request count stays minimal.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
sim_start
export PW="pw-$RANDOM$RANDOM"

cfg="$SCRATCH/sip.yaml"
{
	printf 'version: 1\nsip:\n  allowedCidrRanges: [203.0.113.0/24]\nregistrations:\n  items:\n'
	for u in a b c d; do
		printf '    - {username: %s, proxy: pbx.example.com, password: {env: PW}}\n' "$u"
	done
} >"$cfg"

sim_ctl POST /_sim/faults '{"status429": 3, "retryAfter": 1, "status503": 3}' >/dev/null
ss apply "$cfg" --auto-approve
assert_rc 0 "apply through 429 and 503 bursts"
assert_contains "$(out)" "Apply complete: 5 of 5 changes made." "all made"
assert_eq "$(live_get 'len(d["registrations"])')" 4 "four registrations"
statuses=$(sim_ctl GET /_sim/log | python3 -c 'import json,sys; print(" ".join(str(r["status"]) for r in json.load(sys.stdin)["requests"]))')
assert_contains "$statuses" "429" "the sim did answer 429"
assert_contains "$statuses" "503" "the sim did answer 503"
sim_ctl POST /_sim/faults '{}' >/dev/null

# lost response: the sim applies the POST, then drops the connection
printf '    - {username: e, proxy: pbx.example.com, password: {env: PW}}\n' >>"$cfg"
sim_ctl POST /_sim/faults '{"dropAfterApply": {"method": "POST", "count": 1}}' >/dev/null
sim_ctl DELETE /_sim/log >/dev/null
ss apply "$cfg" --auto-approve
assert_rc 0 "apply with a lost POST response"
assert_eq "$(live_get 'len([r for r in d["registrations"] if r["username"] == "e"])')" 1 "no duplicate registration"
assert_eq "$(log_writes | grep -c '^POST')" 1 "the POST was not re-sent blindly"
sim_ctl POST /_sim/faults '{}' >/dev/null
ss plan "$cfg" --detailed-exitcode
assert_rc 0 "converged"

# a failure part-way: every PATCH response is lost (the sim applies it and
# drops the connection) until the client gives up, while the new
# registration is created; the report says what was and was not done, and
# the next apply converges
printf '    - {username: f, proxy: pbx.example.com, password: {env: PW}}\n' >>"$cfg"
sed -i 's|\[203.0.113.0/24\]|[203.0.113.0/24, 198.51.100.0/24]|' "$cfg"
sim_ctl POST /_sim/faults '{"dropAfterApply": {"method": "PATCH", "count": 1000}}' >/dev/null
ss apply "$cfg" --auto-approve
assert_rc 1 "apply with one failing write"
assert_contains "$(out)" "  FAILED  ~ sip config (sim.sip.ultravox.ai)" "failed step reported"
assert_contains "$(out)" "  done    + registration f@pbx.example.com" "done step reported"
assert_contains "$(out)" "Apply incomplete: 1 of 2 changes made, 1 not made:" "partial report"
assert_contains "$(out)" "  not made: ~ sip config (sim.sip.ultravox.ai)" "what was not made"
assert_contains "$(err)" "PATCH /api/sip" "the error names method and path"
sim_ctl POST /_sim/faults '{}' >/dev/null
ss apply "$cfg" --auto-approve
assert_rc 0 "second apply"
ss plan "$cfg" --detailed-exitcode
assert_rc 0 "in sync after recovery"
assert_eq "$(live_get 'len(d["registrations"])')" 6 "no duplicate after the partial run"
exit 0
