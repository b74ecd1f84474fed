# sipsync run --mode apply against the simulator and a local repository:
# start-up apply, a push applied at once through a signed webhook (the
# interval is an hour, so only the webhook can explain it), unsigned and
# wrongly signed webhooks refused, an out-of-band change corrected, an
# invalid commit leaving the account alone and /readyz unready, recovery,
# SIGHUP rotating the webhook secret, metrics, and SIGTERM exiting 0 fast.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"

sim_start
agent_trap

REPO="$SCRATCH/repo"
STATE="$SCRATCH/state"
rm -rf "$STATE"
repo_init "$REPO"
mkdir -p "$REPO/prod"
cidrs()
{
	printf 'version: 1\nsip:\n  allowedCidrRanges: [%s]\n  allowAllAgents: false\n' "$1" \
		>"$REPO/prod/sip.yaml"
}
cidrs 203.0.113.0/24
C1=$(repo_commit "$REPO" one)

SECRET_FILE="$SCRATCH/hook.secret"
printf 'first-hook-secret\n' >"$SECRET_FILE"

agent_start --repo "$REPO" --path prod --mode apply --interval 1h \
	--state-dir "$STATE" --webhook-secret-file "$SECRET_FILE"

applied() { [ "$(sim_cidrs)" = "$1" ]; }
wait_until 20 applied '["203.0.113.0/24"]' || fail "initial commit not applied"
wait_until 10 eval '[ "$(http_code GET "$AGENT_URL/readyz")" = 200 ]' ||
	fail "/readyz not ready after a good cycle"
assert_eq "$(http_code GET "$AGENT_URL/healthz")" 200 "/healthz"
assert_eq "$(metric "sipsync_applied_commit_info{commit=\"$C1\"}")" 1 "applied commit label"
assert_eq "$(metric sipsync_last_reconcile_success)" 1 "last reconcile success"
grep -q "commit=${C1:0:7} reconcile: applied" "$SCRATCH/agent.log" ||
	fail "log line of the apply does not carry the commit"

# A push, then webhooks: unsigned and wrongly signed ones are refused and
# change nothing; a signed one applies the push at once.
cidrs "203.0.113.0/24, 198.51.100.0/24"
C2=$(repo_commit "$REPO" two)
printf '{"ref":"refs/heads/main","after":"%s"}' "$C2" >"$SCRATCH/push.json"
assert_eq "$(http_code POST "$AGENT_URL/hooks/git" --data-binary @"$SCRATCH/push.json")" 401 "unsigned webhook"
assert_eq "$(http_code POST "$AGENT_URL/hooks/git" --data-binary @"$SCRATCH/push.json" \
	-H "X-Hub-Signature-256: $(hook_sign wrong-secret "$SCRATCH/push.json")")" 401 "wrongly signed webhook"
sleep 1
applied '["203.0.113.0/24"]' || fail "a refused webhook triggered a reconcile"
SIG=$(hook_sign first-hook-secret "$SCRATCH/push.json")
assert_eq "$(http_code POST "$AGENT_URL/hooks/git" --data-binary @"$SCRATCH/push.json" \
	-H "X-Hub-Signature-256: $SIG")" 202 "signed webhook"
wait_until 10 applied '["203.0.113.0/24", "198.51.100.0/24"]' ||
	fail "signed webhook did not apply the push at once"
wait_until 10 eval '[ "$(metric "sipsync_applied_commit_info{commit=\"$C2\"}")" = 1 ]' ||
	fail "applied commit label not updated to the second commit"

# Out-of-band change: corrected on the next cycle (triggered by webhook).
sim_ctl DELETE /_sim/log >/dev/null
set_state '{"domain":"sim.sip.ultravox.ai","sip":{"allowedCidrRanges":["10.0.0.0/8"],"allowAllAgents":false,"allowedAgents":[],"fallbackHandler":null},"registrations":[]}'
http_code POST "$AGENT_URL/hooks/git" --data-binary @"$SCRATCH/push.json" \
	-H "X-Hub-Signature-256: $SIG" >/dev/null
wait_until 10 applied '["203.0.113.0/24", "198.51.100.0/24"]' ||
	fail "out-of-band change not corrected in apply mode"
LOG=$(sim_ctl GET /_sim/log)
assert_contains "$LOG" '"method":"PATCH"' "correction sent a PATCH"

# An invalid commit: reported, nothing sent, /readyz unready.
printf 'version: 1\nsip:\n  allowedCidrRanges: [300.1.2.3/8]\n' >"$REPO/prod/sip.yaml"
C3=$(repo_commit "$REPO" bad)
sim_ctl DELETE /_sim/log >/dev/null
http_code POST "$AGENT_URL/hooks/git" --data-binary @"$SCRATCH/push.json" \
	-H "X-Hub-Signature-256: $SIG" >/dev/null
wait_until 10 eval '[ "$(http_code GET "$AGENT_URL/readyz")" = 503 ]' ||
	fail "/readyz did not turn unready on an invalid commit"
grep -q "prod/sip.yaml@${C3:0:7}:3:" "$SCRATCH/agent.log" ||
	fail "the error does not name prod/sip.yaml@${C3:0:7}:LINE:COL"
applied '["203.0.113.0/24", "198.51.100.0/24"]' || fail "invalid commit changed the account"
LOG=$(sim_ctl GET /_sim/log)
assert_not_contains "$LOG" '"method":"PATCH"' "invalid commit sent a write"
[ "$(metric sipsync_errors_total)" -ge 1 ] || fail "errors counter not increased"
assert_eq "$(metric sipsync_last_reconcile_success)" 0 "last reconcile success after an invalid commit"
assert_eq "$(metric "sipsync_applied_commit_info{commit=\"$C2\"}")" 1 "applied commit stays the last good one"

# Fixed commit: ready again.
cidrs 192.0.2.0/24
C4=$(repo_commit "$REPO" fixed)
http_code POST "$AGENT_URL/hooks/git" --data-binary @"$SCRATCH/push.json" \
	-H "X-Hub-Signature-256: $SIG" >/dev/null
wait_until 20 applied '["192.0.2.0/24"]' || fail "fixed commit not applied"
wait_until 10 eval '[ "$(http_code GET "$AGENT_URL/readyz")" = 200 ]' ||
	fail "/readyz not ready again after a good commit"

# SIGHUP re-reads the webhook secret: the old signature stops working.
printf 'second-hook-secret\n' >"$SECRET_FILE"
kill -HUP "$AGENT_PID"
wait_until 10 grep -q "re-reading secret files" "$SCRATCH/agent.log" || fail "SIGHUP not handled"
sleep 0.2
assert_eq "$(http_code POST "$AGENT_URL/hooks/git" --data-binary @"$SCRATCH/push.json" \
	-H "X-Hub-Signature-256: $SIG")" 401 "old secret after SIGHUP"
assert_eq "$(http_code POST "$AGENT_URL/hooks/git" --data-binary @"$SCRATCH/push.json" \
	-H "X-Hub-Signature-256: $(hook_sign second-hook-secret "$SCRATCH/push.json")")" 202 "new secret after SIGHUP"

METRICS=$(curl -s --max-time 10 "$AGENT_URL/metrics")
for m in sipsync_last_reconcile_timestamp_seconds sipsync_drift \
	'sipsync_api_requests_total{method="PATCH"}' \
	sipsync_api_request_duration_seconds_count \
	sipsync_git_fetch_duration_seconds sipsync_changes_applied_total; do
	assert_contains "$METRICS" "$m " "metric $m"
done
[ "$(metric sipsync_changes_applied_total)" -ge 3 ] || fail "changes_applied_total too low"

# Secrets never logged.
LOGTEXT=$(cat "$SCRATCH/agent.log")
assert_not_contains "$LOGTEXT" "hook-secret" "webhook secret in the log"
assert_not_contains "$LOGTEXT" "$SIM_KEY" "API key in the log"

# SIGTERM while idle: exit 0 within a second.
agent_stop
assert_eq "$AGENT_RC" 0 "exit status after SIGTERM"
[ "$AGENT_STOP_MS" -lt 1000 ] || fail "SIGTERM took ${AGENT_STOP_MS} ms"
echo "ok: agent apply mode (SIGTERM exit in ${AGENT_STOP_MS} ms)"
