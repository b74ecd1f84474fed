# --repo/--ref/--path on a one-shot command (validate --offline): a plain
# path, file:// and git:// (a git daemon on a free loopback port); refs as
# branch, tag, full and short commit id; messages naming PATH@SHORTSHA:L:C;
# the cache fetched incrementally (never re-cloned); and one clear line for
# a bad URL, a missing ref, a missing path and an unreachable server.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"
agent_trap

REPO="$SCRATCH/srv/repo"
STATE="$SCRATCH/state"
rm -rf "$STATE" "$SCRATCH/srv"
mkdir -p "$SCRATCH/srv"
repo_init "$REPO"
mkdir -p "$REPO/prod" "$REPO/staging"
printf 'version: 1\nsip:\n  allowedCidrRanges: [203.0.113.0/24]\n' >"$REPO/prod/sip.yaml"
printf 'version: 1\nregistrations:\n  items: []\n' >"$REPO/prod/regs.yml"
printf 'version: 1\nsip:\n  allowAllAgents: maybe\n' >"$REPO/staging/sip.yaml"
C1=$(repo_commit "$REPO" one)
git -C "$REPO" tag v1

validate()
{
	"$SIPSYNC" validate --offline --state-dir "$STATE" "$@" 2>&1
}

# Sources and refs that all resolve to C1.
for args in "--repo $REPO" "--repo file://$REPO" "--repo file://$REPO --ref v1" \
	"--repo $REPO --ref $C1" "--repo $REPO --ref ${C1:0:8}" \
	"--repo $REPO --ref refs/heads/main"; do
	# shellcheck disable=SC2086
	OUT=$(validate $args --path prod) || fail "validate $args: $OUT"
	assert_contains "$OUT" "valid" "validate $args"
done
OUT=$(validate --repo "$REPO" --path prod/sip.yaml) || fail "single file: $OUT"

# An error names the file in the tree at the commit.
OUT=$(validate --repo "$REPO" --path staging) && fail "invalid staging accepted"
assert_contains "$OUT" "staging/sip.yaml@${C1:0:7}:3:" "error place"

# The cache: one bare repository per URL, kept and fetched incrementally.
CACHE=$(ls -d "$STATE"/git/*/ | head -n1)
[ -f "$CACHE/HEAD" ] || fail "no bare cache repository in $STATE/git"
[ ! -e "$CACHE/prod" ] || fail "cache has a checkout"
touch "$CACHE/marker"
printf 'version: 1\nsip:\n  allowedCidrRanges: [203.0.113.0/24, 198.51.100.0/24, x]\n' >"$REPO/prod/sip.yaml"
C2=$(repo_commit "$REPO" two)
OUT=$(validate --repo "$REPO" --path prod) && fail "new invalid commit not seen"
assert_contains "$OUT" "prod/sip.yaml@${C2:0:7}:3:" "new commit read after fetch"
[ -f "$CACHE/marker" ] || fail "cache was re-created (re-clone)"
# the old commit is still addressable by id
OUT=$(validate --repo "$REPO" --ref "$C1" --path prod) || fail "old commit: $OUT"

# Errors: one line each, naming the repository and what failed.
one_error()
{
	local want="$1" out n
	shift
	out=$(validate "$@") && fail "validate $* succeeded"
	n=$(printf '%s\n' "$out" | grep -c 'error:')
	assert_eq "$n" 1 "one error line for $*: $out"
	assert_contains "$out" "$want" "validate $*"
}
one_error "git: $REPO: ref 'nope' not found" --repo "$REPO" --ref nope
one_error "git: $REPO@${C2:0:7}: path 'nope/dir' not found" --repo "$REPO" --path nope/dir
one_error "git: file://$SCRATCH/missing: fetch failed" --repo "file://$SCRATCH/missing"
one_error "git: $SCRATCH/missing: fetch failed" --repo "$SCRATCH/missing"
one_error "git: foo://example.com/x: fetch failed" --repo foo://example.com/x
DEAD=$(free_port)
one_error "git: git://127.0.0.1:$DEAD/repo: fetch failed" --repo "git://127.0.0.1:$DEAD/repo"
# a URL with credentials is refused (issue 9 item 14; it used to be
# fetched with them hidden in messages) and never echoed with them
OUT=$(validate --repo "http://user:s3cret@127.0.0.1:$DEAD/repo")
assert_contains "$OUT" "--repo: credentials in the URL are refused" "credentials refused"
assert_not_contains "$OUT" "s3cret" "password from the URL in a message"
OUT=$(validate --repo "foo://user:s3cret@example.com/x")
assert_contains "$OUT" "--repo: credentials in the URL are refused" "any scheme"
assert_not_contains "$OUT" "s3cret" "password from the URL in a message"

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
echo "ok: git sources"
