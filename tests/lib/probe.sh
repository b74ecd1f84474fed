# Helpers of the sipsync probe tests: loopback fallback handlers. Source
# after cli.sh (or sim.sh):
#   handler_start NAME CMD...   start a handler that writes its port to
#       $SCRATCH/NAME.port (CMD gets that path as its first argument); waits
#       (bounded) and exports HANDLER_URL=http://127.0.0.1:PORT/sip (https
#       with PROBE_SCHEME=https); it is
#       killed on exit (chained after sim.sh's trap)
#   broken_start MODE [SECRET_FILE]   tests/lib/probe_handler.py in MODE,
#       knowing the secrets of SECRET_FILE (default $SCRATCH/secrets);
#       requests logged to $SCRATCH/handler.log
#   example_start [SECRET_FILE] [RULES]   examples/fallback-handler/handler.py
#   probe_state URL   writes $SCRATCH/state.yaml: the fallback handler at
#       URL with the secret $SIP_FALLBACK_SECRET, a registration whose
#       password variable is unset, and the route tests of
#       $SCRATCH/tests.yaml (appended as is) when it exists

HANDLER_PIDS=()

_probe_on_exit()
{
	local status=$? p
	for p in "${HANDLER_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	if [ -n "${SIM_PID:-}" ]; then
		sim_stop || status=1
	fi
	exit "$status"
}
trap _probe_on_exit EXIT

handler_start()
{
	local name=$1 i
	shift
	rm -f "$SCRATCH/$name.port"
	"$@" "$SCRATCH/$name.port" >"$SCRATCH/$name.out" 2>"$SCRATCH/$name.err" &
	HANDLER_PIDS+=($!)
	for i in $(seq 1 200); do
		[ -s "$SCRATCH/$name.port" ] && break
		kill -0 "$!" 2>/dev/null || { cat "$SCRATCH/$name.err" >&2; fail "$name exited"; }
		sleep 0.05
	done
	[ -s "$SCRATCH/$name.port" ] || fail "$name did not listen within 10 s"
	HANDLER_URL="${PROBE_SCHEME:-http}://127.0.0.1:$(cat "$SCRATCH/$name.port")/sip"
	export HANDLER_URL
}

_broken()
{
	exec python3 "$SRC_DIR/tests/lib/probe_handler.py" "$3" "$1" "$2" "$SCRATCH/handler.log"
}

broken_start()
{
	: >"$SCRATCH/handler.log"
	handler_start "broken-$1" _broken "${2:-$SCRATCH/secrets}" "$1"
}

_example()
{
	local port_file=${*: -1} extra=()
	[ -n "$2" ] && extra=(--rules "$2")
	exec python3 "$SRC_DIR/examples/fallback-handler/handler.py" --secret-file "$1" \
		"${extra[@]}" --port-file "$port_file"
}

example_start()
{
	handler_start example _example "${1:-$SCRATCH/secrets}" "${2:-}"
}

probe_state()
{
	cat >"$SCRATCH/state.yaml" <<YAML
version: 1
sip:
  allowedAgents:
    - agentId: 0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14
      toUserPattern: '^sales\$'
  fallbackHandler:
    url: $1
    secrets:
      - {env: SIP_FALLBACK_SECRET}
registrations:
  items:
    # PBX_SALES_PASSWORD is unset (cli.sh): the probe resolves only the
    # fallback secrets
    - {username: sales, proxy: pbx.example.com, password: {env: PBX_SALES_PASSWORD}}
YAML
	if [ -f "$SCRATCH/tests.yaml" ]; then
		cat "$SCRATCH/tests.yaml" >>"$SCRATCH/state.yaml"
	fi
}
