# Setup of the git_secrets_* scenarios. Source after sim.sh and agent.sh,
# with the simulator started:
#   source "$SRC_DIR/tests/lib/secrets.sh"
#
#   REPO, STATE, SD       a repository whose sip.yaml holds {file: fb}
#                         (commit C1), the state dir, the --secrets-dir
#                         (fb, and link: a symlink out of it)
#   KEY, TOKEN, HOSTFILE  the API key, the git token (exported as
#                         SIPSYNC_GIT_TOKEN) and the content of a file
#                         outside SD: none may ever show
#   fb_yaml REF           a desired state whose fallback secret is REF
#   validate ARGS...      sipsync validate with $STATE (bounded by a
#                         timeout), stderr and stdout together
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
