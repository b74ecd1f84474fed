# A FIFO as a secret file or as --api-key-file (plan and run) is refused
# at once instead of hanging.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"
sim_start
source "$SRC_DIR/tests/lib/secrets.sh"

mkdir -p "$SCRATCH/local"
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
echo "ok: git_secrets_fifo"
