# A git server that accepts and never answers: the fetch is cut at
# --git-timeout and the agent's --once cycle fails cleanly; --git-timeout 0
# is a usage error.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"
source "$SRC_DIR/tests/lib/gitsrc.sh"

# A server that accepts and never answers: the fetch is cut at the timeout
# (libgit2 has none of its own) and the agent's --once cycle fails cleanly.
rm -f "$SCRATCH/silent.port"
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
conns = []
while True:
    c, _ = s.accept(); conns.append(c)
' "$SCRATCH/silent.port" &
SILENT_PID=$!
cleanup_add 'kill $SILENT_PID 2>/dev/null; wait $SILENT_PID 2>/dev/null'
wait_until 10 test -s "$SCRATCH/silent.port" || fail "silent server did not start"
SILENT="git://127.0.0.1:$(cat "$SCRATCH/silent.port")/repo"
T0=$(date +%s%N)
ULTRAVOX_API_KEY=unused "$SIPSYNC" run --repo "$SILENT" --once --listen none \
	--git-timeout 1s --state-dir "$STATE" 2>"$SCRATCH/silent.log" &&
	fail "fetch from a silent server succeeded"
MS=$((($(date +%s%N) - T0) / 1000000))
grep -q "git: $SILENT: fetch failed: no answer within 1 s (timed out)" "$SCRATCH/silent.log" ||
	fail "no timeout message: $(cat "$SCRATCH/silent.log")"
[ "$MS" -lt 5000 ] || fail "timed-out fetch took $MS ms"
"$SIPSYNC" run --repo "$REPO" --git-timeout 0 2>/dev/null
assert_eq "$?" 64 "--git-timeout 0 is a usage error"
echo "ok: git_source_timeout"
