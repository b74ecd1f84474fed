# Git source errors: one line each, naming the repository and what failed
# (missing ref, missing path, missing repository, bad scheme, unreachable
# server); a URL with credentials is refused and never echoed.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"
source "$SRC_DIR/tests/lib/gitsrc.sh"

# Errors: one line each, naming the repository and what failed.
one_error "git: $REPO: ref 'nope' not found" --repo "$REPO" --ref nope
one_error "git: $REPO@${C1:0:7}: path 'nope/dir' not found" --repo "$REPO" --path nope/dir
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
echo "ok: git_source_errors"
