# Guards: a plan that leaves the account accepting no call at all is
# refused and changes nothing; --force overrides it.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
source "$SRC_DIR/tests/lib/guards.sh"
sim_start
cfg="$SCRATCH/regs.yaml"

sim_ctl PUT /_sim/state "$(seed 1 '["192.0.2.0/24"]')" >/dev/null
printf 'version: 1\nsip:\n  allowedCidrRanges: []\n  allowAllAgents: false\n  allowedAgents: []\nregistrations:\n  prune: true\n  items: []\n' >"$cfg"
ss apply "$cfg" --auto-approve
assert_rc 1 "lock-out guard"
assert_contains "$(err)" "leaves the account accepting no incoming call at all" "lock-out message"
assert_eq "$(live_get 'd["sip"]["allowedCidrRanges"]')" '["192.0.2.0/24"]' "lock-out guard changed nothing"
ss apply "$cfg" --auto-approve --force
assert_rc 0 "--force overrides lock-out"
assert_eq "$(reg_count)" 0 "forced apply removed everything"
exit 0
