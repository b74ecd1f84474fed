# {env: NAME} of sipsync's own settings (ULTRAVOX_API_KEY, the git token,
# the simulator key) is refused from git and from a local file, also
# offline, the value never shown; ordinary names still resolve.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"
sim_start
source "$SRC_DIR/tests/lib/secrets.sh"

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
echo "ok: git_secrets_reserved"
