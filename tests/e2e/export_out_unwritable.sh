# export --out to a path that cannot be written: exit 1, one error naming
# the path (the atomic writer's message); a writable one gets mode 0644.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
sim_start

missing="$SCRATCH/no-such-dir"
rm -rf "$missing"
ss export --out "$missing/live.yaml"
assert_rc 1 "export --out into a missing directory"
assert_contains "$(err)" "sipsync: error: could not create a temporary file for '$missing/live.yaml': No such file or directory" "message names the path"
[ ! -e "$missing" ] || fail "a failed --out created $missing"
ss export --out "$SCRATCH/live.yaml"
assert_rc 0 "export --out into a writable directory"
[ "$(stat -c %a "$SCRATCH/live.yaml")" = 644 ] || fail "export file mode is not 0644"
exit 0
