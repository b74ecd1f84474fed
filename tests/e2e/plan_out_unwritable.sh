# plan --out to a path that cannot be written: exit 1, one error naming
# the path (the atomic writer's message), no file and no temporary left.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
sim_start

printf 'version: 1\nsip:\n  allowedCidrRanges: [192.0.2.0/24]\n' >"$SCRATCH/sip.yaml"
missing="$SCRATCH/no-such-dir"
rm -rf "$missing"
ss plan "$SCRATCH/sip.yaml" --out "$missing/plan.json"
assert_rc 1 "plan --out into a missing directory"
assert_contains "$(err)" "sipsync: error: could not create a temporary file for '$missing/plan.json': No such file or directory" "message names the path"
[ ! -e "$missing" ] || fail "a failed --out created $missing"
ss plan "$SCRATCH/sip.yaml" --out "$SCRATCH/plan.json"
assert_rc 0 "plan --out into a writable directory"
[ "$(stat -c %a "$SCRATCH/plan.json")" = 644 ] || fail "plan file mode is not 0644"
[ -z "$(ls "$SCRATCH" | grep '\.tmp')" ] || fail "temporary file left: $(ls "$SCRATCH")"
exit 0
