#!/usr/bin/env bash
# Soak test of `sipsync run` (not part of the default suite):
#   bash tests/bench/soak_agent.sh [BUILD_DIR] [CYCLES]
# BUILD_DIR holds sipsync and sipsync-sim (default build/); CYCLES defaults
# to 1000. With VALGRIND=1 the agent runs under valgrind --leak-check=full.
# With an ASan build (-DSIPSYNC_SANITIZE=ON) LeakSanitizer checks at exit.
#
# It starts the simulator and the agent (apply mode, --interval 0) on a
# file:// repository, flips the live state out of band every 100 cycles so
# the apply path runs too, and reports the agent's RSS after the first
# cycle, after 10, and after CYCLES cycles, then stops it with SIGTERM (exit
# status must be 0: no leak reported). Then it measures the incremental
# fetch with no new commits for file:// and git:// (median of 50 fetches,
# from the agent's -v "fetch took" lines).
set -u
SRC_DIR="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="${1:-$SRC_DIR/build}"
CYCLES="${2:-1000}"
export SIPSYNC="${SIPSYNC:-$BUILD/sipsync}" SIPSYNC_SIM="${SIPSYNC_SIM:-$BUILD/sipsync-sim}"
export SCRATCH="${SCRATCH:-$(mktemp -d /tmp/sipsync-soak.XXXXXX)}"
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"

sim_start
agent_trap

REPO="$SCRATCH/srv/repo"
STATE="$SCRATCH/state"
rm -rf "$STATE" "$SCRATCH/srv"
mkdir -p "$SCRATCH/srv"
repo_init "$REPO"
mkdir -p "$REPO/prod"
cat >"$REPO/prod/sip.yaml" <<'EOF'
version: 1
sip:
  allowedCidrRanges: [203.0.113.0/24, 198.51.100.0/24]
  allowAllAgents: false
  allowedAgents:
    - agentId: 0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14
      toUserPattern: '^sales$'
EOF
cat >"$REPO/prod/regs.yaml" <<'EOF'
version: 1
registrations:
  items:
    - username: soak
      proxy: pbx.example.com
      password: {file: soak.pw}
EOF
printf 'pw-%s\n' "$RANDOM$RANDOM" >"$SCRATCH/soak.pw"
repo_commit "$REPO" one >/dev/null

WRAP=()
if [ "${VALGRIND:-0}" = 1 ]; then
	WRAP=(valgrind --leak-check=full --error-exitcode=99 --log-file="$SCRATCH/valgrind.log")
fi

# VmRSS and, in brackets, RssAnon (private memory; the rest is file-backed
# pages of the ~40 shared libraries, shared with other processes)
rss_kib() { awk '/^VmRSS:/ {r=$2} /^RssAnon:/ {a=$2} END {print r " KiB [anon " a " KiB]"}' "/proc/$1/status"; }
anon_kib() { awk '/^RssAnon:/ {print $2}' "/proc/$1/status"; }
cycles() { metric sipsync_reconcile_cycles_total; }
at_least() { [ "$(cycles)" -ge "$1" ] 2>/dev/null; }

# a git source's {file:} secrets resolve inside --secrets-dir only
cd "$SCRATCH/srv" || exit 1
: >"$SCRATCH/agent.log"
"${WRAP[@]}" "$SIPSYNC" run --listen 127.0.0.1:0 --repo "file://$REPO" --path prod \
	--mode apply --interval 0 --state-dir "$STATE" --secrets-dir "$SCRATCH" \
	2>>"$SCRATCH/agent.log" &
AGENT_PID=$!
for i in $(seq 1 600); do
	AGENT_URL=$(sed -n 's/.*listening on \(http:\/\/127\.0\.0\.1:[0-9]*\).*/\1/p' "$SCRATCH/agent.log" | head -n1)
	[ -n "$AGENT_URL" ] && break
	sleep 0.1
done
[ -n "$AGENT_URL" ] || fail "agent did not listen"
wait_until 120 at_least 1 || fail "no first cycle"
RSS1=$(rss_kib "$AGENT_PID")
wait_until 120 at_least 10 || fail "no 10 cycles"
RSS10=$(rss_kib "$AGENT_PID")
ANON10=$(anon_kib "$AGENT_PID")
T0=$(date +%s)
next=100
while ! at_least "$CYCLES"; do
	kill -0 "$AGENT_PID" 2>/dev/null || fail "agent died"
	if at_least "$next"; then
		set_state '{"domain":"sim.sip.ultravox.ai","sip":{"allowedCidrRanges":["10.0.0.0/8"],"allowAllAgents":true,"allowedAgents":[],"fallbackHandler":null},"registrations":[]}'
		next=$((next + 100))
	fi
	sleep 0.2
done
T1=$(date +%s)
RSSN=$(rss_kib "$AGENT_PID")
ANONN=$(anon_kib "$AGENT_PID")
N=$(cycles)
ERRS=$(metric sipsync_errors_total)
APPLIED=$(metric sipsync_changes_applied_total)
agent_stop
echo "cycles: $N in $((T1 - T0)) s after warm-up; errors_total $ERRS; changes_applied_total $APPLIED"
echo "RSS after 1st cycle: ${RSS1}; after 10: ${RSS10}; after $N: ${RSSN} (anon growth since 10: $((ANONN - ANON10)) KiB)"
echo "agent exit status after SIGTERM: $AGENT_RC (0 = clean, no leak reported)"
[ "${VALGRIND:-0}" = 1 ] && grep -E "in use at exit|All heap blocks|definitely|indirectly|ERROR SUMMARY" "$SCRATCH/valgrind.log"
[ "$AGENT_RC" = 0 ] || fail "agent exit status $AGENT_RC"
[ "$ERRS" = 0 ] || fail "errors during the soak"

# Incremental fetch with no new commits: file:// and git://.
PORT=$(free_port)
git daemon --export-all --base-path="$SCRATCH/srv" --listen=127.0.0.1 \
	--port="$PORT" --reuseaddr "$SCRATCH/srv" 2>"$SCRATCH/daemon.log" &
DAEMON_PID=$!
cleanup_add 'kill $DAEMON_PID 2>/dev/null; wait $DAEMON_PID 2>/dev/null'
daemon_up() { git ls-remote "git://127.0.0.1:$PORT/repo" >/dev/null 2>&1; }
wait_until 10 daemon_up || fail "git daemon did not start"
for url in "file://$REPO" "git://127.0.0.1:$PORT/repo"; do
	"$SIPSYNC" run --listen none --repo "$url" --path prod --mode detect --interval 0 \
		--max-cycles 51 --state-dir "$STATE" --secrets-dir "$SCRATCH" -v \
		2>"$SCRATCH/fetch.log" ||
		fail "fetch timing run failed: $(tail -n 5 "$SCRATCH/fetch.log")"
	sed -n 's/.*fetch took \([0-9.]*\) ms.*/\1/p' "$SCRATCH/fetch.log" | tail -n +2 |
		sort -n | awk -v u="$url" '{a[NR]=$1} END {printf "incremental fetch, no new commit, %s: median %.2f ms, min %.2f, max %.2f (n=%d)\n", u, a[int((NR+1)/2)], a[1], a[NR], NR}'
done
