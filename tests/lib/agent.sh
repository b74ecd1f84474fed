# Shell helpers for the git source and agent tests. Source after sim.sh
# (it uses fail/assert_* from there):
#   source "$SRC_DIR/tests/lib/sim.sh"; source "$SRC_DIR/tests/lib/agent.sh"
#
#   repo_init DIR                 a fresh repository with branch main
#   repo_commit DIR MSG           commit everything in DIR; prints the id
#   free_port                     a free loopback TCP port
#   wait_until SECONDS CMD...     run CMD every 0.1 s until it succeeds;
#                                 returns 1 when SECONDS pass first
#   agent_start ARGS...           start `sipsync run --listen 127.0.0.1:0
#                                 ARGS...` (stderr in $SCRATCH/agent.log);
#                                 exports AGENT_PID and AGENT_URL
#   agent_stop                    SIGTERM, bounded wait; sets AGENT_RC (exit
#                                 status) and AGENT_STOP_MS (time it took)
#   hook_sign SECRET FILE         X-Hub-Signature-256 value for FILE's bytes
#   http_code METHOD URL [curl args...]   prints the HTTP status
#   cleanup_add CMD               run CMD (eval) on exit, before the sim stops
#   set_state JSON                replace the simulator state

AGENT_PID=""
AGENT_URL=""
_CLEANUP=()

GITC=(git -c user.name=t -c user.email=t@e -c init.defaultBranch=main
	-c commit.gpgsign=false)

cleanup_add()
{
	_CLEANUP+=("$1")
}

_agent_on_exit()
{
	local status=$? c
	if [ -n "$AGENT_PID" ]; then
		kill -KILL "$AGENT_PID" 2>/dev/null || true
		wait "$AGENT_PID" 2>/dev/null || true
	fi
	for c in "${_CLEANUP[@]}"; do
		eval "$c" || true
	done
	if [ "$status" -ne 0 ] && [ -f "$SCRATCH/agent.log" ]; then
		echo "--- agent log (last 40 lines) ---" >&2
		tail -n 40 "$SCRATCH/agent.log" >&2
	fi
	if declare -F _sim_on_exit >/dev/null && [ -n "${SIM_PID:-}" ]; then
		(exit "$status")
		_sim_on_exit
	fi
	exit "$status"
}

# Call after sim_start (its trap is chained from ours).
agent_trap()
{
	trap _agent_on_exit EXIT
}

repo_init()
{
	rm -rf "$1"
	"${GITC[@]}" init -q "$1" || fail "git init $1"
}

repo_commit()
{
	(cd "$1" && "${GITC[@]}" add -A && "${GITC[@]}" commit -q -m "$2") ||
		fail "git commit in $1"
	git -C "$1" rev-parse HEAD
}

free_port()
{
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_until()
{
	local secs="$1" i
	shift
	for i in $(seq 1 $((secs * 10))); do
		if "$@"; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

agent_start()
{
	local i
	: >"$SCRATCH/agent.log"
	"$SIPSYNC" run --listen 127.0.0.1:0 "$@" 2>>"$SCRATCH/agent.log" &
	AGENT_PID=$!
	AGENT_URL=""
	for i in $(seq 1 200); do
		AGENT_URL=$(sed -n 's/.*listening on \(http:\/\/127\.0\.0\.1:[0-9]*\).*/\1/p' \
			"$SCRATCH/agent.log" | head -n1)
		[ -n "$AGENT_URL" ] && break
		kill -0 "$AGENT_PID" 2>/dev/null || fail "agent exited during start"
		sleep 0.05
	done
	[ -n "$AGENT_URL" ] || fail "agent did not listen within 10 s"
	export AGENT_PID AGENT_URL
}

agent_stop()
{
	local pid="$AGENT_PID" rc=0 t0 t1 i
	AGENT_PID=""
	t0=$(date +%s%N)
	kill -TERM "$pid"
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.02
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		fail "agent did not stop within 2 s of SIGTERM"
	fi
	wait "$pid" || rc=$?
	t1=$(date +%s%N)
	AGENT_RC=$rc
	AGENT_STOP_MS=$(((t1 - t0) / 1000000))
}

hook_sign()
{
	printf 'sha256=%s' "$(openssl dgst -sha256 -hmac "$1" -r <"$2" | cut -d' ' -f1)"
}

http_code()
{
	local method="$1" url="$2"
	shift 2
	curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X "$method" "$@" "$url"
}

set_state()
{
	sim_ctl PUT /_sim/state "$1" >/dev/null || fail "PUT /_sim/state"
}

# The simulator's current CIDR list as compact JSON.
sim_cidrs()
{
	sim_ctl GET /_sim/state | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["sip"]["allowedCidrRanges"]))'
}

metric()
{
	curl -s --max-time 10 "$AGENT_URL/metrics" | grep -E "^$1 " | awk '{print $2}'
}
