# {file: PATH} secrets of a git source stay inside --secrets-dir: "..", a
# symlink out, an absolute path are refused, the file's content never shown.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"
sim_start
source "$SRC_DIR/tests/lib/secrets.sh"

# Escapes: "..", a symlink out, an absolute path.
for ref in ../outside link "$SCRATCH/outside" /etc/hostname; do
	fb_yaml "{file: $ref}" >"$REPO/sip.yaml"
	C=$(repo_commit "$REPO" "escape $ref")
	OUT=$(validate --repo "$REPO" --secrets-dir "$SD") && fail "escape $ref accepted"
	assert_contains "$OUT" "sip.yaml@${C:0:7}:6:9: error: sip.fallbackHandler.secrets[0]: secret file $ref" "escape $ref"
	assert_not_contains "$OUT" "$HOSTFILE" "host file content shown"
done
echo "ok: git_secrets_escape"
