# Two Ultravox accounts for the accounts-file tests: one sipsync-sim per
# account (each its own key, domain and port), an accounts file whose
# apiUrl points each account at its simulator, and a base/staging/prod
# overlay of sources. Source it after cli.sh:
#   source "$SRC_DIR/tests/lib/accounts.sh"
#
#   acct_setup                 start both simulators, write accounts.yaml,
#       base/, staging/, prod/ in $SCRATCH; export the accounts' keys
#       (ULTRAVOX_API_KEY_STAGING, ULTRAVOX_API_KEY_PROD), PBX_SALES_PASSWORD
#       and XDG_STATE_HOME; an EXIT trap stops the simulators (and fails the
#       test if one failed).
#   acct_ctl NAME METHOD PATH  the control API of NAME's simulator
#   acct_requests NAME         the API requests NAME's simulator logged,
#       one "METHOD PATH" a line
#   acct_agent NAME ARGS...    start `sipsync run --account NAME --listen
#       127.0.0.1:PORT ARGS...` (log in $SCRATCH/agent-NAME.log); sets
#       AGENT_URL_<NAME>; killed on exit
source "$SRC_DIR/tests/lib/sim.sh"

declare -A ACCT_PID ACCT_URL ACCT_KEY
ACCT_AGENTS=() # agent pids, killed on exit
ACCT_DOMAIN_staging=acme-staging.sip.ultravox.ai
ACCT_DOMAIN_prod=acme.sip.ultravox.ai

_acct_on_exit()
{
	local status=$? name pid i
	for pid in "${ACCT_AGENTS[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	for name in "${!ACCT_PID[@]}"; do
		pid=${ACCT_PID[$name]}
		kill -TERM "$pid" 2>/dev/null || continue
		for i in $(seq 1 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || { status=1; cat "$SCRATCH/sim-$name.err" >&2; }
	done
	exit "$status"
}

_acct_sim()
{
	local name=$1 domain=$2 i url=""
	ACCT_KEY[$name]="key-$name-$$-$RANDOM"
	rm -f "$SCRATCH/sim-$name.port"
	SIPSYNC_SIM_API_KEY="${ACCT_KEY[$name]}" "$SIPSYNC_SIM" --listen 127.0.0.1:0 \
		--control --domain "$domain" --port-file "$SCRATCH/sim-$name.port" \
		>/dev/null 2>"$SCRATCH/sim-$name.err" &
	ACCT_PID[$name]=$!
	for i in $(seq 1 200); do
		[ -s "$SCRATCH/sim-$name.port" ] && url=$(head -n1 "$SCRATCH/sim-$name.port") && break
		kill -0 "${ACCT_PID[$name]}" 2>/dev/null || fail "simulator $name exited during start"
		sleep 0.05
	done
	[ -n "$url" ] || fail "simulator $name did not start within 10 s"
	ACCT_URL[$name]=$url
}

acct_ctl()
{
	local name=$1 method=$2 path=$3
	curl -sS --max-time 30 -X "$method" -H "X-API-Key: ${ACCT_KEY[$name]}" \
		"${ACCT_URL[$name]}$path"
}

acct_requests()
{
	acct_ctl "$1" GET /_sim/log | python3 -c '
import json, sys
for r in json.load(sys.stdin)["requests"]:
    print(r["method"], r["path"])'
}

acct_agent()
{
	local name=$1 port
	shift
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
	"$SIPSYNC" run --account "$name" --listen "127.0.0.1:$port" "$@" \
		>"$SCRATCH/agent-$name.log" 2>&1 &
	ACCT_AGENTS+=($!)
	printf -v "AGENT_URL_$name" 'http://127.0.0.1:%s' "$port"
}

_acct_files()
{
	mkdir -p base staging prod
	cat >accounts.yaml <<YAML
version: 1
accounts:
  - name: staging
    domain: $ACCT_DOMAIN_staging
    sources: [base, staging]
    apiKey: {env: ULTRAVOX_API_KEY_STAGING}
    apiUrl: ${ACCT_URL[staging]}
  - name: prod
    domain: $ACCT_DOMAIN_prod
    sources: [base, prod]
    apiKey: {env: ULTRAVOX_API_KEY_PROD}
    apiUrl: ${ACCT_URL[prod]}
YAML
	cat >base/sip.yaml <<'YAML'
version: 1
sip:
  allowedCidrRanges: [91.200.160.14/32]
  allowAllAgents: false
registrations:
  prune: false
  items:
    - username: ultravox-sales
      proxy: pbx.example.com
      password: {env: PBX_SALES_PASSWORD}
YAML
	cat >staging/sip.yaml <<'YAML'
version: 1
sip:
  allowedCidrRanges: [91.200.160.14/32, 198.51.100.0/24]
YAML
	cat >prod/sip.yaml <<'YAML'
version: 1
sip:
  allowedAgents:
    - agentId: 0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14
      toUserPattern: '^sales$'
registrations:
  items:
    - username: ultravox-support
      proxy: pbx.example.com
      password: {env: PBX_SALES_PASSWORD}
YAML
}

acct_setup()
{
	[ -x "${SIPSYNC_SIM:-}" ] || fail "SIPSYNC_SIM is not set"
	trap _acct_on_exit EXIT
	_acct_sim staging "$ACCT_DOMAIN_staging"
	_acct_sim prod "$ACCT_DOMAIN_prod"
	_acct_files
	unset ULTRAVOX_API_KEY ULTRAVOX_API_URL
	export ULTRAVOX_API_KEY_STAGING="${ACCT_KEY[staging]}"
	export ULTRAVOX_API_KEY_PROD="${ACCT_KEY[prod]}"
	export PBX_SALES_PASSWORD=pw-Sales-777
	export XDG_STATE_HOME="$SCRATCH/state"
}
