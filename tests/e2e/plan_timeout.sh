# A black-holed API: plan gives up at its one overall deadline (--timeout),
# naming the request in flight, instead of after 5 attempts of 30 s; on a
# terminal it says every 10 s what it is waiting for, and never when stderr
# is not a terminal. Every wait is bounded (timeout 60).
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/blackhole.sh"

blackhole_start
trap 'bh_stop' EXIT
export ULTRAVOX_API_KEY=test-key-bh ULTRAVOX_API_URL="$BH_URL"
cfg="$SCRATCH/sip.yaml"
printf 'version: 1\nsip:\n  allowedCidrRanges: [10.0.0.0/8]\n' >"$cfg"

# not a terminal: the deadline, no progress lines
capture timeout 60 "$SIPSYNC" plan "$cfg" --timeout 2s --state-dir "$SCRATCH/st"
assert_eq "$rc" 1 "plan past its deadline"
assert_contains "$err" "GET /api/sip" "the error names the request"
assert_contains "$err" "the command's deadline passed (--timeout 2s) while waiting for the answer" \
	"the error says the deadline passed"
assert_not_contains "$err" "still waiting" "a progress line without a terminal"
assert_eq "$out" "" "no plan printed"

# a bad value is a usage error
capture "$SIPSYNC" plan "$cfg" --timeout soon
assert_eq "$rc" 64 "bad --timeout"
assert_contains "$err" "--timeout: expected a duration" "bad --timeout message"

# on a terminal (script(1) gives the command a pty): a line every 10 s
command -v script >/dev/null || { echo "script(1) missing: pty part skipped"; exit 0; }
capture timeout 60 script -qefc "'$SIPSYNC' plan '$cfg' --timeout 12s --state-dir '$SCRATCH/st'" /dev/null
assert_eq "$rc" 1 "plan past its deadline on a terminal"
assert_contains "$out" "sipsync: still waiting for GET /api/sip" "progress line on a terminal"
assert_contains "$out" "s elapsed" "progress line says how long"
assert_contains "$out" "(--timeout 12s)" "deadline error on a terminal"
