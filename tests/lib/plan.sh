# Helpers for the plan/apply/export end-to-end tests. Source after sim.sh:
#   source "$SRC_DIR/tests/lib/sim.sh"; source "$SRC_DIR/tests/lib/plan.sh"
#
#   ss ARGS...           run sipsync with a per-test state dir; stdout in
#                        $SCRATCH/out, stderr in $SCRATCH/err, status in $RC
#   out / err            print the last run's stdout / stderr
#   log_writes           the simulator's request log, writes only, one line
#                        each: "METHOD PATH BODY" (bodies compact, keys sorted)
#   assert_rc N MSG      the last status was N
#   write_yaml FILE      write stdin to FILE

: "${STATE_DIR:=$SCRATCH/state}"
export STATE_DIR
# every run starts from nothing: no fingerprints, no git cache, no output
rm -rf "$STATE_DIR" "$SCRATCH/all-output"
RC=0

ss()
{
	RC=0
	"$SIPSYNC" "$@" --state-dir "$STATE_DIR" >"$SCRATCH/out" 2>"$SCRATCH/err" </dev/null || RC=$?
	# every command's output is kept for the secret scan
	cat "$SCRATCH/out" "$SCRATCH/err" >>"$SCRATCH/all-output"
	return 0
}

out() { cat "$SCRATCH/out"; }
err() { cat "$SCRATCH/err"; }

assert_rc()
{
	if [ "$RC" != "$1" ]; then
		echo "--- stdout"; out; echo "--- stderr"; err
		fail "${2:-exit status}: got $RC, expected $1"
	fi
}

write_yaml()
{
	cat >"$1"
}

log_writes()
{
	sim_ctl GET /_sim/log | python3 -c '
import json, sys
for r in json.load(sys.stdin)["requests"]:
    if r["method"] in ("POST", "PATCH", "DELETE"):
        body = json.dumps(r.get("body"), sort_keys=True, separators=(",", ":"))
        print(r["method"], r["path"], body)
'
}

# Number of requests in the log (all methods).
log_count()
{
	sim_ctl GET /_sim/log | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["requests"]))'
}

# The live state's field, e.g. live_get 'd["sip"]["allowedCidrRanges"]'
live_get()
{
	sim_ctl GET /_sim/state | python3 -c "import json,sys; d=json.load(sys.stdin); print(json.dumps($1, sort_keys=True, separators=(',', ':')))"
}
