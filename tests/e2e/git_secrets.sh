# Secret references in YAML that sipsync does not control (a git repository)
# cannot read sipsync's own credentials or host files: {env: ULTRAVOX_API_KEY}
# and other reserved names are refused for every source (also --offline),
# {file: PATH} of a git source is refused without --secrets-dir and must
# stay inside it (no "..", no symlink out, no absolute path); a local
# source keeps resolving files next to the YAML. A FIFO as a secret file or
# as --api-key-file is refused at once instead of hanging.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"
sim_start
agent_trap

REPO="$SCRATCH/repo"
STATE="$SCRATCH/state"
SD="$SCRATCH/secrets"
KEY="$ULTRAVOX_API_KEY"
TOKEN="git-token-$RANDOM$RANDOM-value"
HOSTFILE="host-file-$RANDOM$RANDOM-content"
rm -rf "$REPO" "$STATE" "$SD" "$SCRATCH/outside" "$SCRATCH/local"
mkdir -p "$SD"
export SIPSYNC_GIT_TOKEN="$TOKEN"
printf '%s\n' "$HOSTFILE" >"$SCRATCH/outside"
printf 'fallback-secret-in-dir\n' >"$SD/fb"
ln -s "$SCRATCH/outside" "$SD/link"

fb_yaml()
{
	printf 'version: 1\nsip:\n  fallbackHandler:\n    url: https://h.example.com/\n    secrets:\n      - %s\n' "$1"
}

validate()
{
	timeout 20 "$SIPSYNC" validate --state-dir "$STATE" "$@" 2>&1
}

repo_init "$REPO"
fb_yaml '{file: fb}' >"$REPO/sip.yaml"
C1=$(repo_commit "$REPO" file)

# {file:} from git: refused without --secrets-dir (at FILE@SHORT:L:C) ...
OUT=$(validate --repo "$REPO") && fail "file secret read without --secrets-dir"
assert_contains "$OUT" "sip.yaml@${C1:0:7}:6:9: error: sip.fallbackHandler.secrets[0]: secret file fb: {file: PATH} secrets in a git repository need --secrets-dir DIR" "no secrets dir"
# ... and resolved inside it with it
OUT=$(validate --repo "$REPO" --secrets-dir "$SD") || fail "--secrets-dir: $OUT"
assert_contains "$OUT" "valid" "--secrets-dir resolves"

# The agent takes --secrets-dir too: refused without it, applied with it.
"$SIPSYNC" run --once --listen none --mode apply --repo "$REPO" --state-dir "$STATE" \
	2>"$SCRATCH/agent.log" && fail "agent read a file secret without --secrets-dir"
grep -q "need --secrets-dir DIR" "$SCRATCH/agent.log" || fail "agent: $(cat "$SCRATCH/agent.log")"
"$SIPSYNC" run --once --listen none --mode apply --repo "$REPO" --state-dir "$STATE" \
	--secrets-dir "$SD" 2>"$SCRATCH/agent.log" || fail "agent --secrets-dir: $(cat "$SCRATCH/agent.log")"
assert_contains "$(sim_ctl GET /_sim/state)" "fallback-secret-in-dir" "secret from --secrets-dir applied"
assert_not_contains "$(cat "$SCRATCH/agent.log")" "fallback-secret-in-dir" "secret in the agent log"

# Escapes: "..", a symlink out, an absolute path.
for ref in ../outside link "$SCRATCH/outside" /etc/hostname; do
	fb_yaml "{file: $ref}" >"$REPO/sip.yaml"
	C=$(repo_commit "$REPO" "escape $ref")
	OUT=$(validate --repo "$REPO" --secrets-dir "$SD") && fail "escape $ref accepted"
	assert_contains "$OUT" "sip.yaml@${C:0:7}:6:9: error: sip.fallbackHandler.secrets[0]: secret file $ref" "escape $ref"
	assert_not_contains "$OUT" "$HOSTFILE" "host file content shown"
done

# Reserved environment names: refused from git and from a local file, also
# offline; the value never shows.
for name in ULTRAVOX_API_KEY SIPSYNC_GIT_TOKEN SIPSYNC_SIM_API_KEY; do
	fb_yaml "{env: $name}" >"$REPO/sip.yaml"
	C=$(repo_commit "$REPO" "env $name")
	for offline in "" --offline; do
		# shellcheck disable=SC2086
		OUT=$(validate $offline --repo "$REPO" --secrets-dir "$SD") &&
			fail "{env: $name} accepted from git $offline"
		assert_contains "$OUT" "sip.yaml@${C:0:7}:6:9: error: sip.fallbackHandler.secrets[0]: environment variable $name is one of sipsync's own settings and cannot be a secret reference" "env $name $offline"
		assert_not_contains "$OUT" "$KEY" "API key shown"
		assert_not_contains "$OUT" "$TOKEN" "git token shown"
	done
done
mkdir -p "$SCRATCH/local"
fb_yaml '{env: ULTRAVOX_API_KEY}' >"$SCRATCH/local/sip.yaml"
OUT=$(validate "$SCRATCH/local") && fail "{env: ULTRAVOX_API_KEY} accepted locally"
assert_contains "$OUT" "sip.yaml:6:9: error: sip.fallbackHandler.secrets[0]: environment variable ULTRAVOX_API_KEY is one of" "local reserved env"
# Ordinary names still resolve (examples use them).
fb_yaml '{env: SIP_FALLBACK_SECRET}' >"$SCRATCH/local/sip.yaml"
OUT=$(SIP_FALLBACK_SECRET=s3cret validate "$SCRATCH/local") || fail "ordinary env: $OUT"

# A local source still resolves {file:} next to the YAML, .. included.
printf 'local-secret\n' >"$SCRATCH/local/fb"
fb_yaml '{file: ../local/fb}' >"$SCRATCH/local/sip.yaml"
OUT=$(validate "$SCRATCH/local") || fail "local file secret: $OUT"

# A FIFO: refused at once (timeout 20 would say 124).
mkfifo "$SCRATCH/local/fifo"
fb_yaml '{file: fifo}' >"$SCRATCH/local/sip.yaml"
T0=$(date +%s)
OUT=$(validate "$SCRATCH/local")
RC=$?
[ "$RC" = 1 ] || fail "FIFO secret: exit $RC: $OUT"
assert_contains "$OUT" "sip.yaml:6:9: error: sip.fallbackHandler.secrets[0]: secret file fifo is not a regular file" "FIFO secret"
export SIP_FALLBACK_SECRET=s3cret
fb_yaml '{env: SIP_FALLBACK_SECRET}' >"$SCRATCH/local/sip.yaml"
OUT=$(timeout 20 "$SIPSYNC" plan --api-key-file "$SCRATCH/local/fifo" --api-url http://127.0.0.1:1 "$SCRATCH/local" 2>&1)
RC=$?
[ "$RC" = 1 ] || fail "FIFO --api-key-file (plan): exit $RC: $OUT"
assert_contains "$OUT" "--api-key-file: secret file $SCRATCH/local/fifo is not a regular file" "FIFO api key (plan)"
fb_yaml '{env: SIP_FALLBACK_SECRET}' >"$REPO/sip.yaml"
repo_commit "$REPO" ok >/dev/null
OUT=$(timeout 20 "$SIPSYNC" run --once --listen none --repo "$REPO" --state-dir "$STATE" \
	--api-key-file "$SCRATCH/local/fifo" 2>&1)
RC=$?
[ "$RC" = 1 ] || fail "FIFO --api-key-file (run): exit $RC: $OUT"
assert_contains "$OUT" "--api-key-file: secret file $SCRATCH/local/fifo is not a regular file" "FIFO api key (run)"
[ $(($(date +%s) - T0)) -lt 15 ] || fail "FIFO checks took too long"
echo "ok: git secrets confined, reserved names refused, FIFOs refused"
