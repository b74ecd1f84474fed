# --repo over ssh: an OpenSSH server on a free loopback port with its own
# host key, key-only auth. Covers: a listed host key works (one-shot and the
# agent with --ssh-key/--known-hosts); an unknown host, or the host listed
# with another key, is refused before any auth; a key the server does not
# accept is an auth failure; each failure is one line naming the repo.
# Needs sshd (Debian openssh-server, installed by scripts/deps.sh) and root
# (sshd's privilege separation directory); says SKIP otherwise.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"

SSHD=$(command -v sshd || echo /usr/sbin/sshd)
if [ ! -x "$SSHD" ] || [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs sshd (openssh-server) and root"
	exit 77 # ctest: skipped
fi

sim_start
agent_trap

S="$SCRATCH/ssh"
STATE="$SCRATCH/state"
rm -rf "$S" "$STATE" "$SCRATCH/srv"
mkdir -p "$S" "$SCRATCH/srv" /run/sshd
chmod 700 "$S"
REPO="$SCRATCH/srv/repo"
repo_init "$REPO"
printf 'version: 1\nsip:\n  allowedCidrRanges: [203.0.113.0/24]\n' >"$REPO/sip.yaml"
C1=$(repo_commit "$REPO" one)

# ed25519 keys (libssh2 as packaged offers ssh-rsa only with SHA-1, which
# OpenSSH refuses by default).
ssh-keygen -q -t ed25519 -N '' -f "$S/hostkey" || fail "host key"
ssh-keygen -q -t ed25519 -N '' -f "$S/other_hostkey" || fail "other host key"
ssh-keygen -q -t ed25519 -N '' -f "$S/client" || fail "client key"
ssh-keygen -q -t ed25519 -N '' -f "$S/stranger" || fail "stranger key"
cp "$S/client.pub" "$S/authorized_keys"
PORT=$(free_port)
cat >"$S/sshd_config" <<EOF
Port $PORT
ListenAddress 127.0.0.1
HostKey $S/hostkey
PidFile $S/sshd.pid
AuthorizedKeysFile $S/authorized_keys
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowUsers root
EOF
"$SSHD" -D -e -f "$S/sshd_config" 2>"$S/sshd.log" &
SSHD_PID=$!
cleanup_add 'kill $SSHD_PID 2>/dev/null; wait $SSHD_PID 2>/dev/null'
port_open() { python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$PORT),1)" 2>/dev/null; }
wait_until 10 port_open || fail "sshd did not start: $(cat "$S/sshd.log")"

printf '[127.0.0.1]:%s %s\n' "$PORT" "$(cut -d' ' -f1,2 "$S/hostkey.pub")" >"$S/known_hosts"
printf '[127.0.0.1]:%s %s\n' "$PORT" "$(cut -d' ' -f1,2 "$S/other_hostkey.pub")" >"$S/wrong_known_hosts"
printf 'example.com %s\n' "$(cut -d' ' -f1,2 "$S/hostkey.pub")" >"$S/other_host_known_hosts"
URL="ssh://root@127.0.0.1:$PORT$REPO"

validate()
{
	"$SIPSYNC" validate --offline --state-dir "$STATE" --repo "$URL" "$@" 2>&1
}
one_error()
{
	local want="$1" out n
	shift
	out=$(env "$@" "$SIPSYNC" validate --offline --state-dir "$STATE" --repo "$URL" 2>&1) &&
		fail "validate with $* succeeded"
	n=$(printf '%s\n' "$out" | grep -c 'error:')
	assert_eq "$n" 1 "one error line with $*: $out"
	assert_contains "$out" "$want" "with $*"
}

OUT=$(SIPSYNC_SSH_KEY="$S/client" SIPSYNC_KNOWN_HOSTS="$S/known_hosts" validate) ||
	fail "ssh with a listed host key: $OUT"
assert_contains "$OUT" "valid" "validate over ssh"
# the same with flags, as `run` takes them; the flags win over the env
OUT=$(SIPSYNC_SSH_KEY="$S/stranger" SIPSYNC_KNOWN_HOSTS="$S/wrong_known_hosts" \
	validate --ssh-key "$S/client" --known-hosts "$S/known_hosts") ||
	fail "ssh with --ssh-key/--known-hosts: $OUT"
assert_contains "$OUT" "valid" "validate over ssh with flags"

one_error "git: $URL: fetch failed: host key of 127.0.0.1 is not in $S/other_host_known_hosts (unknown host refused)" \
	SIPSYNC_SSH_KEY="$S/client" SIPSYNC_KNOWN_HOSTS="$S/other_host_known_hosts"
one_error "fetch failed: host key of 127.0.0.1 is not in $S/wrong_known_hosts (unknown host refused)" \
	SIPSYNC_SSH_KEY="$S/client" SIPSYNC_KNOWN_HOSTS="$S/wrong_known_hosts"
one_error "unknown host refused" \
	SIPSYNC_SSH_KEY="$S/client" SIPSYNC_KNOWN_HOSTS="$S/missing_known_hosts"
one_error "git: $URL: fetch failed: authentication failed" \
	SIPSYNC_SSH_KEY="$S/stranger" SIPSYNC_KNOWN_HOSTS="$S/known_hosts"
one_error "git: $URL: fetch failed: authentication required" \
	SIPSYNC_SSH_KEY= SIPSYNC_KNOWN_HOSTS="$S/known_hosts"

# The agent over ssh sees a push.
agent_start --repo "$URL" --mode apply --interval 1s --state-dir "$STATE" \
	--ssh-key "$S/client" --known-hosts "$S/known_hosts"
wait_until 20 eval '[ "$(sim_cidrs)" = "[\"203.0.113.0/24\"]" ]' || fail "not applied over ssh"
printf 'version: 1\nsip:\n  allowedCidrRanges: [198.51.100.0/24]\n' >"$REPO/sip.yaml"
C2=$(repo_commit "$REPO" two)
wait_until 20 eval '[ "$(sim_cidrs)" = "[\"198.51.100.0/24\"]" ]' || fail "push not applied over ssh"
grep -q "commit=${C2:0:7}" "$SCRATCH/agent.log" || fail "commit not logged"
agent_stop
assert_eq "$AGENT_RC" 0 "agent exit status"
echo "ok: git over ssh"
