# Guards: a source with no desired state at all is refused.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
source "$SRC_DIR/tests/lib/guards.sh"
sim_start
cfg="$SCRATCH/regs.yaml"

printf 'version: 1\n' >"$cfg"
ss apply "$cfg" --auto-approve
assert_rc 1 "empty source"
assert_contains "$(err)" "the source holds no desired state" "empty-source message"
exit 0
