# Guards: updating or deleting more than 30% of >= 10 registrations is
# refused; exactly 30% is allowed.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
source "$SRC_DIR/tests/lib/guards.sh"
sim_start
cfg="$SCRATCH/regs.yaml"

sim_ctl PUT /_sim/state "$(seed 10 '["192.0.2.0/24"]')" >/dev/null
{ printf 'version: 1\n'; regs_yaml 0 5 true; } >"$cfg"
ss apply "$cfg" --auto-approve
assert_rc 1 "30% guard"
assert_contains "$(err)" "the plan updates or deletes 4 of 10 existing registrations, more than 30%" "share message"
assert_eq "$(reg_count)" 10 "share guard deleted nothing"
{ printf 'version: 1\n'; regs_yaml 0 6 true; } >"$cfg"
ss apply "$cfg" --auto-approve
assert_rc 0 "exactly 30% is allowed"
assert_eq "$(reg_count)" 7 "three deleted"
exit 0
