# Setup of the git_source_* scenarios: a local repository and the
# validate/one_error wrappers. Source after sim.sh and agent.sh:
#   source "$SRC_DIR/tests/lib/gitsrc.sh"
#
#   REPO, STATE, C1       $SCRATCH/srv/repo with prod/ (valid) and staging/
#                         (invalid) committed as C1, tagged v1; the state
#                         dir (empty: no cache yet)
#   gitsrc_commit_invalid   commit an invalid prod/sip.yaml (error at line
#                         3); sets C2
#   validate ARGS...      sipsync validate --offline with $STATE, stderr
#                         and stdout together
#   one_error WANT ARGS...   validate ARGS must fail with exactly one error
#                         line, containing WANT
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

gitsrc_commit_invalid()
{
	printf 'version: 1\nsip:\n  allowedCidrRanges: [203.0.113.0/24, 198.51.100.0/24, x]\n' >"$REPO/prod/sip.yaml"
	C2=$(repo_commit "$REPO" two)
}

validate()
{
	"$SIPSYNC" validate --offline --state-dir "$STATE" "$@" 2>&1
}

one_error()
{
	local want="$1" out n
	shift
	out=$(validate "$@") && fail "validate $* succeeded"
	n=$(printf '%s\n' "$out" | grep -c 'error:')
	assert_eq "$n" 1 "one error line for $*: $out"
	assert_contains "$out" "$want" "validate $*"
}
