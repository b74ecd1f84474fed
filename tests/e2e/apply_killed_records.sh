# issue 9 item 5: each write's fingerprint is durable once the write
# succeeded. An apply killed (SIGKILL) part-way through 30 creates loses no
# record: after a re-run, the only "unknown (write-only)" passwords are the
# ones whose create was in flight when it was killed (at most
# --parallelism), and the state file stays 0600 and valid.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
# the account persists in a state file, so the simulator can be stopped
# after the kill: stopping joins the handlers still sleeping on the
# latency, so every create the killed apply sent has landed (or not) before
# the re-run lists
simstate="$SCRATCH/sim-state.json"
rm -f "$simstate"
sim_start --state "$simstate" --latency-ms 300
export PW_ALL="Pw-$RANDOM$RANDOM-secret"
cfg="$SCRATCH/sip.yaml"
{
	printf 'version: 1\nregistrations:\n  items:\n'
	for i in $(seq 1 30); do
		printf '    - {username: user%02d, proxy: pbx.example.com, password: {env: PW_ALL}}\n' "$i"
	done
} >"$cfg"

mkdir -p "$STATE_DIR"
"$SIPSYNC" apply "$cfg" --auto-approve --parallelism 2 --state-dir "$STATE_DIR" \
	>"$SCRATCH/killed.out" 2>"$SCRATCH/killed.err" </dev/null &
pid=$!
fps()
{
	python3 - "$STATE_DIR" <<'PY'
import glob, json, sys
n = 0
for f in glob.glob(sys.argv[1] + "/*.json"):
    try:
        n += len(json.load(open(f))["fingerprints"])
    except (OSError, ValueError, KeyError):
        pass
print(n)
PY
}
# bounded wait (20 s) for some records while the apply still runs
for _ in $(seq 1 200); do
	[ "$(fps)" -ge 4 ] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
kill -9 "$pid" 2>/dev/null || fail "apply ended with $(fps) fingerprints recorded while it ran (expected them as it goes)"
wait "$pid" 2>/dev/null
recorded=$(fps)
[ "$recorded" -ge 4 ] || fail "no fingerprint recorded while apply ran (got $recorded)"
# a create still in flight when apply was killed may land after the kill:
# let it, then serve the same account without latency
sim_stop >/dev/null || fail "simulator stop"
sim_start --state "$simstate"
ss apply "$cfg" --auto-approve
assert_rc 0 "re-run"
to_create=$(out | sed -n 's/^Plan: \([0-9]*\) to create.*/\1/p')
[ -n "$to_create" ] || fail "no plan line in: $(out)"
created=$((30 - to_create))
[ "$created" -lt 30 ] || fail "apply was not killed part-way"
inflight=$((created - recorded))
[ "$inflight" -ge 0 ] && [ "$inflight" -le 2 ] ||
	fail "$created created but $recorded recorded: more than the 2 in flight lost"
assert_eq "$(out | grep -c 'password: unknown (write-only)')" "$inflight" "only the writes in flight are unknown"
ss plan "$cfg" --detailed-exitcode
assert_rc 0 "converged"
exit 0
