# sipsync run --mode detect with a 1 s interval: a push is seen within an
# interval (no webhook) but never written; drift is reported in the log and
# in /metrics; the account is not touched. Also: the JSON log format carries
# the commit on every line of a cycle, and --once exits with the result.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"

sim_start
agent_trap

REPO="$SCRATCH/repo"
STATE="$SCRATCH/state"
rm -rf "$STATE"
repo_init "$REPO"
printf 'version: 1\nsip:\n  allowedCidrRanges: [10.0.0.0/8]\n' >"$REPO/sip.yaml"
C1=$(repo_commit "$REPO" one)
set_state '{"domain":"sim.sip.ultravox.ai","sip":{"allowedCidrRanges":["10.0.0.0/8"],"allowAllAgents":false,"allowedAgents":[],"fallbackHandler":null},"registrations":[]}'
sim_ctl DELETE /_sim/log >/dev/null

agent_start --repo "file://$REPO" --mode detect --interval 1s \
	--state-dir "$STATE" --log-format json

wait_until 10 eval '[ "$(http_code GET "$AGENT_URL/readyz")" = 200 ]' ||
	fail "not ready after the first cycle"
assert_eq "$(metric sipsync_drift)" 0 "no drift at start"
assert_eq "$(metric "sipsync_applied_commit_info{commit=\"$C1\"}")" 1 "in-sync commit label"

# Out-of-band change: reported as drift, not corrected.
set_state '{"domain":"sim.sip.ultravox.ai","sip":{"allowedCidrRanges":["192.0.2.0/24"],"allowAllAgents":false,"allowedAgents":[],"fallbackHandler":null},"registrations":[]}'
wait_until 10 eval '[ "$(metric sipsync_drift)" = 1 ]' || fail "drift not reported in /metrics"
grep -q '"level":"warning","msg":"drift: 0 to create, 1 to update' "$SCRATCH/agent.log" ||
	fail "drift not reported in the log"

# A push is noticed within an interval, still not written.
printf 'version: 1\nsip:\n  allowedCidrRanges: [198.51.100.0/24]\n' >"$REPO/sip.yaml"
C2=$(repo_commit "$REPO" two)
wait_until 10 grep -q "\"msg\":\"commit $C2\"" "$SCRATCH/agent.log" ||
	fail "push not noticed within the interval"
sleep 1.5
assert_eq "$(sim_cidrs)" '["192.0.2.0/24"]' "detect mode changed the account"
LOG=$(sim_ctl GET /_sim/log)
assert_not_contains "$LOG" '"method":"PATCH"' "detect mode sent a write"
assert_not_contains "$LOG" '"method":"POST"' "detect mode sent a write"
[ "$(metric sipsync_reconcile_cycles_total)" -ge 3 ] || fail "interval cycles not running"
assert_eq "$(metric sipsync_changes_applied_total)" 0 "changes applied in detect mode"

# Every JSON line is an object; lines after the first cycle started carry
# the commit.
python3 - "$SCRATCH/agent.log" "$C2" <<'EOF' || fail "JSON log lines malformed or without commit"
import json, sys
seen = False
for line in open(sys.argv[1]):
    o = json.loads(line)
    assert {"time", "level", "msg"} <= o.keys(), o
    if o["msg"].startswith("commit "):
        seen = True
    if seen and o["msg"] != "stopping":
        assert len(o.get("commit", "")) == 40, o
assert seen
EOF

agent_stop
assert_eq "$AGENT_RC" 0 "exit status after SIGTERM"
[ "$AGENT_STOP_MS" -lt 1000 ] || fail "SIGTERM took ${AGENT_STOP_MS} ms"

# --once: one cycle, exit 0; against a dead API: exit 1, one clear error.
"$SIPSYNC" run --repo "$REPO" --once --listen none --state-dir "$STATE" 2>"$SCRATCH/once.log" ||
	fail "--once failed: $(cat "$SCRATCH/once.log")"
if ULTRAVOX_API_URL=http://127.0.0.1:1 "$SIPSYNC" run --repo "$REPO" --once \
	--listen none --state-dir "$STATE" 2>"$SCRATCH/once.log"; then
	fail "--once succeeded against a dead API"
fi
grep -q "GET /api/sip" "$SCRATCH/once.log" || fail "dead API error unclear: $(cat "$SCRATCH/once.log")"

# Usage errors exit 64.
"$SIPSYNC" run --interval 5x --repo "$REPO" 2>/dev/null
assert_eq "$?" 64 "bad --interval"
"$SIPSYNC" run 2>/dev/null
assert_eq "$?" 64 "missing --repo"
echo "ok: agent detect mode"
