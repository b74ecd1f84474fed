# SIGTERM to a one-shot apply while its write is in flight (the simulator
# adds 3 s to every request): apply stops at once, reports the write as
# outcome unknown and the run as incomplete (exit 1), instead of dying
# silently from the signal; nothing is sent after the signal.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
sim_start --latency-ms 3000
sim_ctl DELETE /_sim/log >/dev/null
cfg="$SCRATCH/sip.yaml"
printf 'version: 1\nsip:\n  allowedCidrRanges: [203.0.113.0/24]\n' >"$cfg"

"$SIPSYNC" apply "$cfg" --auto-approve --state-dir "$STATE_DIR" \
	>"$SCRATCH/out" 2>"$SCRATCH/err" </dev/null &
pid=$!
# the reads are logged once answered (after 3 s): one read gives the
# account's lock its domain and the plan its account; then the PATCH is sent
for i in $(seq 1 200); do
	[ "$(sim_ctl GET /_sim/log | grep -o '/api/sip/registrations' | wc -l)" -ge 1 ] && break
	sleep 0.1
done
sleep 1
kill -TERM "$pid"
for i in $(seq 1 100); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.05
done
if kill -0 "$pid" 2>/dev/null; then
	kill -KILL "$pid"
	fail "apply did not stop within 5 s of SIGTERM"
fi
rc=0
wait "$pid" || rc=$?
assert_eq "$rc" 1 "apply stopped by SIGTERM"
assert_contains "$(err)" "PATCH /api/sip: outcome unknown: interrupted by a stop request while the request was in flight" \
	"the write in flight is reported as unknown"
assert_contains "$(out)" "Apply incomplete" "the summary says the apply is incomplete"
sleep 3.5 # the simulator logs the PATCH once its latency has passed
n=$(sim_ctl GET /_sim/log | json_get 'len([e for e in d["requests"] if e["method"] == "PATCH"])')
assert_eq "$n" 1 "the PATCH was sent once, never again"
