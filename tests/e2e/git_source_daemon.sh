# git:// through a git daemon on a free loopback port: a commit by id, the
# new head, and one clear line for a missing ref and a missing repository.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"
source "$SRC_DIR/tests/lib/gitsrc.sh"

gitsrc_commit_invalid

# git:// through a git daemon on a free loopback port.
PORT=$(free_port)
git daemon --export-all --base-path="$SCRATCH/srv" --listen=127.0.0.1 \
	--port="$PORT" --reuseaddr "$SCRATCH/srv" 2>"$SCRATCH/daemon.log" &
DAEMON_PID=$!
cleanup_add 'kill $DAEMON_PID 2>/dev/null; wait $DAEMON_PID 2>/dev/null'
daemon_up() { git ls-remote "git://127.0.0.1:$PORT/repo" >/dev/null 2>&1; }
wait_until 10 daemon_up || fail "git daemon did not start"
OUT=$(validate --repo "git://127.0.0.1:$PORT/repo" --ref "$C1" --path prod) || fail "git://: $OUT"
OUT=$(validate --repo "git://127.0.0.1:$PORT/repo" --path prod) && fail "git:// main should be invalid"
assert_contains "$OUT" "prod/sip.yaml@${C2:0:7}:3:" "git:// reads the new commit"
one_error "ref 'nope' not found" --repo "git://127.0.0.1:$PORT/repo" --ref nope
one_error "git: git://127.0.0.1:$PORT/absent: fetch failed" --repo "git://127.0.0.1:$PORT/absent"
echo "ok: git_source_daemon"
