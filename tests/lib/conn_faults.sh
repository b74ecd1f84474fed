# Helpers for the connection fault tests: a node API fake with one fault
# (tests/lib/conn_faults.js says which), creates of N registrations, and
# the check that each identity ends up registered exactly once.  Source it
# after tests/lib/sim.sh (for fail/assert_*):
#   faults_start h1|h2 FAULT COUNT  start the fake (bounded wait); exports
#       ULTRAVOX_API_URL, ULTRAVOX_API_KEY, FAULT_STATS (its stats file)
#   faults_desired N                write $SCRATCH/create.yaml: N creates
#   faults_stat EXPR                print a Python expression over the
#       stats (`s`)
#   faults_apply RC [ARGS]          run apply -v; fail unless it exits RC;
#       output in $SCRATCH/apply.out
#   faults_assert_once N            every one of the N identities listed
#       exactly once by the fake's API
#   faults_relisted FAULT           the whole scenario of a fault the
#       re-list settles (see below)
command -v node >/dev/null || { echo "node not found: skipped"; exit 0; }
FAULT_STATS="$SCRATCH/faults.json"
export FAULT_PW="faults-secret-$RANDOM$RANDOM"

faults_start()
{
	local key="faults-key-$RANDOM$RANDOM"
	rm -f "$SCRATCH/faults.port"
	node "$SRC_DIR/tests/lib/conn_faults.js" "$1" "$2" "$3" \
		"$SRC_DIR/tests/fixtures/api_tls" "$key" "$SCRATCH/faults.port" \
		"$FAULT_STATS" >"$SCRATCH/faults.log" 2>&1 &
	FAULT_PID=$!
	trap 'kill $FAULT_PID 2>/dev/null; wait $FAULT_PID 2>/dev/null' EXIT
	for _ in $(seq 1 100); do
		[ -s "$SCRATCH/faults.port" ] && break
		kill -0 $FAULT_PID 2>/dev/null ||
			fail "fault server died: $(cat "$SCRATCH/faults.log")"
		sleep 0.1
	done
	[ -s "$SCRATCH/faults.port" ] || fail "fault server did not start"
	local scheme=http
	[ "$1" = h2 ] && scheme=https
	export ULTRAVOX_API_URL="$scheme://127.0.0.1:$(cat "$SCRATCH/faults.port")"
	export ULTRAVOX_API_KEY="$key"
}

faults_desired()
{
	{
		printf 'version: 1\nregistrations:\n  items:\n'
		for i in $(seq 1 "$1"); do
			printf '    - {username: new%s, proxy: pbx.example.com, password: {env: FAULT_PW}}\n' "$i"
		done
	} >"$SCRATCH/create.yaml"
}

faults_stat()
{
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$FAULT_STATS" "$1"
}

faults_apply()
{
	local want=$1 rc=0
	shift
	"$SIPSYNC" apply "$SCRATCH/create.yaml" --auto-approve -v \
		--ca-cert "$SRC_DIR/tests/fixtures/api_tls/cert.pem" \
		--state-dir "$SCRATCH/state" "$@" >"$SCRATCH/apply.out" 2>&1 || rc=$?
	[ "$rc" = "$want" ] ||
		fail "apply exited $rc, expected $want: $(cat "$SCRATCH/apply.out")"
	assert_not_contains "$(cat "$SCRATCH/apply.out")" "$FAULT_PW" "password in output"
}

faults_assert_once()
{
	local out
	out=$(curl -sS --max-time 10 --cacert "$SRC_DIR/tests/fixtures/api_tls/cert.pem" \
		-H "X-API-Key: $ULTRAVOX_API_KEY" "$ULTRAVOX_API_URL/api/sip/registrations") ||
		fail "cannot list registrations"
	python3 -c "$(cat <<'PY'
import collections, json, sys
n = int(sys.argv[1])
got = collections.Counter(r["username"] for r in json.load(sys.stdin)["results"])
want = collections.Counter("new%d" % i for i in range(1, n + 1))
assert got == want, {k: v for k, v in got.items() if v != 1 or k not in want}
PY
)" "$1" <<<"$out" || fail "not exactly one registration per identity: $out"
}

# faults_relisted FAULT: three of twelve creates meet FAULT (h1) after the
# server committed them; apply settles each by re-listing, with one POST
# per create and one registration per identity.
faults_relisted()
{
	faults_start h1 "$1" 3
	faults_desired 12
	faults_apply 0 --parallelism 2
	assert_eq "$(faults_stat 's["faults"]')" 3 "faults applied"
	assert_eq "$(faults_stat 'len(s["posts"])')" 12 "one POST per create"
	faults_assert_once 12
}
