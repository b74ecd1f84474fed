# Guards: prune off keeps undeclared registrations, prune on deletes
# them; --max-deletes refuses a plan that deletes more (plan printed, nothing
# deleted) and allows one within it.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
source "$SRC_DIR/tests/lib/guards.sh"
sim_start

sim_ctl PUT /_sim/state "$(seed 3 '["192.0.2.0/24"]')" >/dev/null
sim_ctl DELETE /_sim/log >/dev/null
cfg="$SCRATCH/regs.yaml"
{ printf 'version: 1\n'; regs_yaml 0 0 false; } >"$cfg"
ss apply "$cfg" --auto-approve
assert_rc 0 "prune off"
assert_contains "$(out)" "No changes." "nothing to do without prune"
assert_eq "$(reg_count)" 3 "prune off keeps undeclared registrations"
{ printf 'version: 1\n'; regs_yaml 0 0 true; } >"$cfg"
ss plan "$cfg"
assert_contains "$(out)" "- registration u001@pbx.example.com (reg-001)  [prune]" "prune line"
ss apply "$cfg" --auto-approve --max-deletes 1
assert_rc 1 "max-deletes guard"
assert_contains "$(out)" "Plan: 0 to create, 0 to update, 2 to delete." "plan printed first"
assert_contains "$(err)" "the plan deletes 2 registrations, more than --max-deletes 1" "max-deletes message"
assert_eq "$(reg_count)" 3 "max-deletes guard deleted nothing"
ss apply "$cfg" --auto-approve --max-deletes 2
assert_rc 0 "prune within --max-deletes"
assert_eq "$(reg_count)" 1 "prune deleted the undeclared registrations"
assert_eq "$(log_writes | grep -c '^DELETE /api/sip/registrations/reg-00[12] null$')" 2 "two DELETEs"
exit 0
