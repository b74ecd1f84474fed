# --repo/--ref/--path on a one-shot command (validate --offline): a plain
# path and file://, refs as branch, tag, full and short commit id, a single
# file; an error names PATH@SHORTSHA:L:C.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"
source "$SRC_DIR/tests/lib/gitsrc.sh"

# Sources and refs that all resolve to C1.
for args in "--repo $REPO" "--repo file://$REPO" "--repo file://$REPO --ref v1" \
	"--repo $REPO --ref $C1" "--repo $REPO --ref ${C1:0:8}" \
	"--repo $REPO --ref refs/heads/main"; do
	# shellcheck disable=SC2086
	OUT=$(validate $args --path prod) || fail "validate $args: $OUT"
	assert_contains "$OUT" "valid" "validate $args"
done
OUT=$(validate --repo "$REPO" --path prod/sip.yaml) || fail "single file: $OUT"

# An error names the file in the tree at the commit.
OUT=$(validate --repo "$REPO" --path staging) && fail "invalid staging accepted"
assert_contains "$OUT" "staging/sip.yaml@${C1:0:7}:3:" "error place"
echo "ok: git_source_refs"
