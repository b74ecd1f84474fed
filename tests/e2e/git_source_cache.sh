# The git cache: one bare repository per URL (no checkout), kept and
# fetched incrementally (never re-cloned); a new commit is read, the old
# one still addressable by id.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"
source "$SRC_DIR/tests/lib/gitsrc.sh"

# The cache: one bare repository per URL, kept and fetched incrementally.
OUT=$(validate --repo "$REPO" --path prod) || fail "first read: $OUT"
CACHE=$(ls -d "$STATE"/git/*/ | head -n1)
[ -f "$CACHE/HEAD" ] || fail "no bare cache repository in $STATE/git"
[ ! -e "$CACHE/prod" ] || fail "cache has a checkout"
touch "$CACHE/marker"
gitsrc_commit_invalid
OUT=$(validate --repo "$REPO" --path prod) && fail "new invalid commit not seen"
assert_contains "$OUT" "prod/sip.yaml@${C2:0:7}:3:" "new commit read after fetch"
[ -f "$CACHE/marker" ] || fail "cache was re-created (re-clone)"
# the old commit is still addressable by id
OUT=$(validate --repo "$REPO" --ref "$C1" --path prod) || fail "old commit: $OUT"
echo "ok: git_source_cache"
