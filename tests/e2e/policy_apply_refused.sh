# --policy from outside the repository: a desired state that breaks a rule
# is refused by validate, plan and apply with the error at the offending
# value naming the rule and its place in the policy file; apply sends
# nothing (the simulator's request log stays empty). The same file with
# the range narrowed to the policy's limit then applies.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
sim_start

pol="$SCRATCH/policy.yaml"
write_yaml "$pol" <<YAML
version: 1
policy:
  cidr:
    minPrefix: 16
YAML
cfg="$SCRATCH/sip.yaml"
cidrs() {
	printf 'version: 1\nsip:\n  allowedCidrRanges: [203.0.113.0/24, %s]\n' "$1" >"$cfg"
}
cidrs 10.0.0.0/8
want="$cfg:3:39: error: sip.allowedCidrRanges[1]: 10.0.0.0/8 is wider than /16 (policy cidr.minPrefix, $pol:4:16)"

sim_ctl DELETE /_sim/log >/dev/null
ss validate "$cfg" --policy "$pol"
assert_rc 1 "validate against the policy"
assert_contains "$(err)" "$want" "validate names the value, the rule and the policy's place"
ss plan "$cfg" --policy "$pol"
assert_rc 1 "plan against the policy"
assert_contains "$(err)" "$want" "plan names the rule"
ss apply "$cfg" --policy "$pol" --auto-approve
assert_rc 1 "apply against the policy"
assert_contains "$(err)" "$want" "apply names the rule"
assert_eq "$(log_count)" 0 "a refused apply sent nothing (not even a read)"
assert_eq "$(live_get 'd["sip"]["allowedCidrRanges"]')" "[]" "the account is unchanged"

# the near miss: a /16 is what the policy allows
cidrs 10.0.0.0/16
ss apply "$cfg" --policy "$pol" --auto-approve
assert_rc 0 "apply within the policy"
assert_eq "$(log_writes)" 'PATCH /api/sip {"allowedCidrRanges":["203.0.113.0/24","10.0.0.0/16"]}' "the one PATCH"
echo "ok"
