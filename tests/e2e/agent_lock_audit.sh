# issue 14: the agent's apply cycle takes the account's lock too: while
# another writer holds it (here flock(1), standing in for a CLI apply) the
# cycle waits, then applies, and appends its line to the audit log with the
# repository, the commit and its snapshot.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"
sim_start
agent_trap

REPO="$SCRATCH/repo"
STATE="$SCRATCH/state"
rm -rf "$STATE"
mkdir -p "$STATE"
repo_init "$REPO"
mkdir -p "$REPO/prod"
printf 'version: 1\nsip:\n  allowedCidrRanges: [203.0.113.0/24]\n' >"$REPO/prod/sip.yaml"
C1=$(repo_commit "$REPO" one)
domain=$(sim_api GET /api/sip | json_get 'd["domain"]')
lockfile="$STATE/$domain.lock"

# hold the lock until told: the agent must not write meanwhile
mkfifo "$SCRATCH/release"
# (bounded: a failing test must not leave it waiting)
flock "$lockfile" timeout 60 sh -c 'read x <"$0"' "$SCRATCH/release" &
holder=$!
cleanup_add "timeout 5 sh -c 'echo go >\"\$0\"' '$SCRATCH/release' 2>/dev/null"
for i in $(seq 1 100); do
	! flock -n "$lockfile" true && break
	sleep 0.05
done

"$SIPSYNC" run --repo "$REPO" --path prod --mode apply --once \
	--state-dir "$STATE" >"$SCRATCH/agent.out" 2>"$SCRATCH/agent.log" </dev/null &
agent=$!
AGENT_PID=$agent # killed on exit by agent_trap
# the agent has read the account and waits on the lock: nothing written
for i in $(seq 1 200); do
	sim_ctl GET /_sim/log | grep -q '"/api/sip"' && break
	sleep 0.05
done
sleep 0.5
assert_eq "$(sim_ctl GET /_sim/log | json_get 'len([r for r in d["requests"] if r["method"] != "GET"])')" 0 "no write while the lock is held"
kill -0 "$agent" 2>/dev/null || fail "the agent did not wait for the lock: $(cat "$SCRATCH/agent.log")"
timeout 10 sh -c 'echo go >"$0"' "$SCRATCH/release"
wait "$holder"
wait "$agent" || fail "the agent cycle failed: $(cat "$SCRATCH/agent.log")"
assert_eq "$(sim_api GET /api/sip | json_get 'd["allowedCidrRanges"]')" '["203.0.113.0/24"]' "applied once the lock was free"

line=$(cat "$STATE/audit.jsonl")
assert_eq "$(wc -l <<<"$line")" 1 "one audit line"
assert_eq "$(json_get 'd["command"]' <<<"$line")" "sipsync run" "the agent's line"
assert_eq "$(json_get 'd["source"]["commit"]' <<<"$line")" "$C1" "the commit applied"
assert_eq "$(json_get 'd["source"]["repo"]' <<<"$line")" "$REPO" "the repository"
assert_eq "$(json_get '[w["method"] + " " + w["path"] for w in d["writes"]]' <<<"$line")" '["PATCH /api/sip"]' "the write"
[ -f "$(json_get 'd["snapshot"]' <<<"$line")" ] || fail "no snapshot file"
