# Shell helpers for tests that drive sipsync-sim.  Source it:
#   source "$SRC_DIR/tests/lib/sim.sh"
#
# Environment (set by ctest, see tests/CMakeLists.txt): SIPSYNC_SIM (path of
# the simulator), SCRATCH (per-test scratch directory; created here).
#
#   sim_start [extra sim args]   start the simulator on 127.0.0.1:0 with
#       --control, wait (bounded) until it listens; exports SIM_URL, SIM_PID,
#       SIM_KEY, ULTRAVOX_API_URL, ULTRAVOX_API_KEY; installs an EXIT trap
#       that stops it (and fails the test if the simulator itself failed,
#       e.g. a sanitizer report on exit).
#   sim_stop                     stop it now (SIGTERM, bounded wait); returns
#       the simulator's exit status.
#   sim_ctl METHOD PATH [JSON]   call the control API (/_sim/...), print the
#       body; returns non-zero on an HTTP status >= 400.
#   sim_api METHOD PATH [JSON]   call the simulated API with the key; prints
#       the body; the HTTP status is then printed by sim_status (it works
#       inside $(...) too, as the status goes through a file).
#   json_get EXPR                read JSON on stdin, print the Python
#       expression EXPR over it (the value is `d`): strings raw, the rest as
#       compact JSON. e.g. json_get 'd["results"][0]["username"]'
#   fail MSG; assert_eq ACTUAL EXPECTED MSG; assert_contains HAYSTACK NEEDLE
#       MSG; assert_not_contains HAYSTACK NEEDLE MSG; same ACTUAL EXPECTED MSG
#       (assert_eq that shows multi-line text whole)
#   capture CMD...               run CMD; set out, err and rc, never exit
#   sipsync_expect RC ARGS...    run sipsync ARGS into the files out/err of
#       the current directory; fail unless it exits RC

: "${SCRATCH:=$(mktemp -d "${TMPDIR:-/tmp}/sipsync-test.XXXXXX")}"
mkdir -p "$SCRATCH"
export SCRATCH

SIM_KEY="${SIM_KEY:-test-key-$$-$RANDOM$RANDOM}"
export SIM_KEY
SIM_PID=""
SIM_URL=""

fail()
{
	echo "FAIL: $*" >&2
	exit 1
}

assert_eq()
{
	if [ "$1" != "$2" ]; then
		fail "${3:-values differ}: got '$1', expected '$2'"
	fi
}

assert_contains()
{
	case "$1" in
	*"$2"*) ;;
	*) fail "${3:-missing text}: '$2' not found in: $1" ;;
	esac
}

assert_not_contains()
{
	case "$1" in
	*"$2"*) fail "${3:-unexpected text}: '$2' found in: $1" ;;
	*) ;;
	esac
}

# Stops the simulator; returns its exit status (0 when it stopped cleanly).
same()
{
	[ "$1" = "$2" ] || fail "$3: got"$'\n'"$1"$'\n'"want"$'\n'"$2"
}

# capture CMD...: runs CMD, sets out, err (text) and rc; never exits.
capture()
{
	set +e
	"$@" >"$SCRATCH/out" 2>"$SCRATCH/err"
	rc=$?
	set -e
	out=$(cat "$SCRATCH/out")
	err=$(cat "$SCRATCH/err")
}

# sipsync_expect RC ARGS...: runs sipsync ARGS with stdout/stderr in the
# files out and err of the current directory; fails unless it exits RC.
sipsync_expect()
{
	local want=$1
	shift
	set +e
	"$SIPSYNC" "$@" >out 2>err
	local rc=$?
	set -e
	[ "$rc" = "$want" ] || fail "sipsync $*: exit $rc, want $want; stderr: $(cat err)"
}

sim_stop()
{
	local pid="$SIM_PID" rc=0 i
	[ -n "$pid" ] || return 0
	SIM_PID=""
	kill -TERM "$pid" 2>/dev/null || true
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "sim.sh: simulator $pid did not stop, killing it" >&2
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null
		return 1
	fi
	wait "$pid" 2>/dev/null || rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "sim.sh: simulator exited with status $rc; its stderr:" >&2
		cat "$SCRATCH/sim.err" >&2 2>/dev/null || true
	fi
	return "$rc"
}

_sim_on_exit()
{
	local status=$?
	if [ -n "$SIM_PID" ]; then
		sim_stop || status=1
	fi
	exit "$status"
}

sim_start()
{
	local i url=""
	[ -n "${SIPSYNC_SIM:-}" ] || fail "SIPSYNC_SIM is not set"
	[ -x "$SIPSYNC_SIM" ] || fail "simulator not found: $SIPSYNC_SIM"
	rm -f "$SCRATCH/sim.port" "$SCRATCH/sim.out"
	# the key goes through the environment, not argv (ps shows argv)
	SIPSYNC_SIM_API_KEY="$SIM_KEY" "$SIPSYNC_SIM" --listen 127.0.0.1:0 \
		--control --port-file "$SCRATCH/sim.port" "$@" \
		>"$SCRATCH/sim.out" 2>"$SCRATCH/sim.err" &
	SIM_PID=$!
	trap _sim_on_exit EXIT
	for i in $(seq 1 200); do
		if [ -s "$SCRATCH/sim.port" ]; then
			url=$(head -n1 "$SCRATCH/sim.port")
			break
		fi
		if ! kill -0 "$SIM_PID" 2>/dev/null; then
			cat "$SCRATCH/sim.err" >&2
			SIM_PID=""
			fail "simulator exited during start"
		fi
		sleep 0.05
	done
	[ -n "$url" ] || fail "simulator did not start within 10 s"
	SIM_URL="$url"
	export SIM_URL SIM_PID
	export ULTRAVOX_API_URL="$SIM_URL"
	export ULTRAVOX_API_KEY="$SIM_KEY"
}

sim_ctl()
{
	local method="$1" path="$2" body="${3-}" out code
	local args=(-sS --max-time 30 -X "$method" -H "X-API-Key: $SIM_KEY"
		-o "$SCRATCH/sim_ctl.body" -w '%{http_code}')
	if [ $# -ge 3 ]; then
		args+=(-H 'Content-Type: application/json' --data-binary "$body")
	fi
	code=$(curl "${args[@]}" "$SIM_URL$path") || return 1
	out=$(cat "$SCRATCH/sim_ctl.body")
	printf '%s\n' "$out"
	[ "$code" -lt 400 ]
}

sim_api()
{
	local method="$1" path="$2" body="${3-}" code
	local args=(-sS --max-time 30 -X "$method" -H "X-API-Key: $SIM_KEY"
		-o "$SCRATCH/sim_api.body" -w '%{http_code}')
	if [ $# -ge 3 ]; then
		args+=(-H 'Content-Type: application/json' --data-binary "$body")
	fi
	code=$(curl "${args[@]}" "$SIM_URL$path") || code=000
	printf '%s\n' "$code" >"$SCRATCH/sim_api.status"
	cat "$SCRATCH/sim_api.body"
	echo
}

sim_status()
{
	cat "$SCRATCH/sim_api.status"
}

json_get()
{
	python3 -c '
import json, sys
d = json.load(sys.stdin)
v = eval(sys.argv[1], {"d": d, "len": len})
print(v if isinstance(v, str) else json.dumps(v, separators=(",", ":")))
' "$1"
}
