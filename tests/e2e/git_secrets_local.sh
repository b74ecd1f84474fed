# A local source still resolves {file:} next to the YAML, .. included.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"
sim_start
source "$SRC_DIR/tests/lib/secrets.sh"

mkdir -p "$SCRATCH/local"
# A local source still resolves {file:} next to the YAML, .. included.
printf 'local-secret\n' >"$SCRATCH/local/fb"
fb_yaml '{file: ../local/fb}' >"$SCRATCH/local/sip.yaml"
OUT=$(validate "$SCRATCH/local") || fail "local file secret: $OUT"
echo "ok: git_secrets_local"
