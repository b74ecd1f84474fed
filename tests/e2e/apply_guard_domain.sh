# Guards: the domain guard: plan and apply against another account print
# the plan, then fail naming account.domain and its place, write nothing;
# --force overrides it.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
source "$SRC_DIR/tests/lib/guards.sh"
sim_start

cfg="$SCRATCH/domain.yaml"
printf 'version: 1\naccount:\n  domain: other.sip.ultravox.ai\nsip:\n  allowedCidrRanges: [192.0.2.0/24]\n' >"$cfg"
ss plan "$cfg"
assert_rc 1 "plan against another account"
assert_contains "$(out)" "+ 192.0.2.0/24" "plan printed first"
assert_contains "$(err)" "account.domain: the desired state is for other.sip.ultravox.ai but the API key belongs to sim.sip.ultravox.ai" "domain message"
assert_contains "$(err)" "domain.yaml:3:" "domain error names the place"
ss apply "$cfg" --auto-approve
assert_rc 1 "apply against another account"
assert_contains "$(out)" "Plan: 0 to create, 1 to update, 0 to delete." "apply printed the plan first"
assert_contains "$(err)" "account.domain" "apply domain message"
assert_eq "$(log_writes)" "" "domain guard wrote nothing"
ss apply "$cfg" --auto-approve --force
assert_rc 0 "--force overrides the domain guard"
exit 0
