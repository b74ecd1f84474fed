# {file: PATH} secrets of a git source: refused without --secrets-dir (at
# FILE@SHORT:L:C), resolved inside it with it; the agent likewise, and the
# secret applied never shows in its log.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"
sim_start
source "$SRC_DIR/tests/lib/secrets.sh"

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
echo "ok: git_secrets_dir"
