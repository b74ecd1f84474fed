# sipsync run --mode apply after a lost state file: the registration's
# password has no record, so it is unknown; without --sync-secrets nothing
# is sent and the agent warns once (not every cycle) with the gauge at 1;
# with --sync-secrets it is sent once, recorded, and the warning clears.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"

sim_start
agent_trap

REPO="$SCRATCH/repo"
rm -rf "$SCRATCH/state-a" "$SCRATCH/state-b"
export PW_ALICE="Pw-$RANDOM$RANDOM-secret"
repo_init "$REPO"
printf 'version: 1\nregistrations:\n  items:\n    - {username: alice, proxy: pbx.example.com, password: {env: PW_ALICE}}\n' \
	>"$REPO/regs.yaml"
repo_commit "$REPO" one >/dev/null
"$SIPSYNC" apply --repo "$REPO" --state-dir "$SCRATCH/state-a" --auto-approve \
	>"$SCRATCH/apply.out" 2>&1 || fail "first apply: $(cat "$SCRATCH/apply.out")"
sim_ctl DELETE /_sim/log >/dev/null

cycles_at_least() { [ "$(metric sipsync_reconcile_cycles_total)" -ge "$1" ] 2>/dev/null; }
writes() { sim_ctl GET /_sim/log | grep -o '"method":"\(PATCH\|POST\)"' | wc -l; }

# a fresh state dir: the password is unknown
agent_start --repo "$REPO" --mode apply --interval 1s --state-dir "$SCRATCH/state-b"
wait_until 30 cycles_at_least 4 || fail "cycles not running"
assert_eq "$(grep -c "write-only value is unknown" "$SCRATCH/agent.log")" 1 \
	"one warning for an unchanged set of unknown values"
grep "write-only value is unknown" "$SCRATCH/agent.log" | grep -q "warning" ||
	fail "not at warning level"
assert_contains "$(cat "$SCRATCH/agent.log")" "--sync-secrets" "the way out named"
assert_eq "$(metric sipsync_unknown_write_only_values)" 1 "gauge of unknown values"
assert_eq "$(writes)" 0 "an unknown password was sent without --sync-secrets"
agent_stop

# --sync-secrets: sent once, then known
"$SIPSYNC" run --repo "$REPO" --sync-secrets --once --listen none \
	--state-dir "$SCRATCH/state-b" 2>/dev/null
assert_eq "$?" 64 "--sync-secrets in detect mode"
agent_start --repo "$REPO" --mode apply --interval 1s --state-dir "$SCRATCH/state-b" \
	--sync-secrets
wait_until 20 eval '[ "$(writes)" -ge 1 ]' || fail "password not sent with --sync-secrets"
C=$(metric sipsync_reconcile_cycles_total)
wait_until 30 cycles_at_least $((C + 3)) || fail "cycles not running"
assert_eq "$(writes)" 1 "the password sent more than once"
sim_ctl GET /_sim/log | grep -q '"path":"/api/sip/registrations/' || fail "not a registration write"
assert_eq "$(metric sipsync_unknown_write_only_values)" 0 "gauge after sync"
assert_not_contains "$(cat "$SCRATCH/agent.log")" "write-only value is unknown" "warning after sync"
agent_stop
assert_not_contains "$(cat "$SCRATCH/agent.log")" "$PW_ALICE" "password in the log"
echo "ok: --sync-secrets sends unknown write-only values once"
