# sipsync test --live refuses when account.domain names another account
# than the API key's (its cases say nothing about this account), at the
# place of account.domain; --force overrides.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/sim_seed.sh"
source "$SRC_DIR/tests/lib/plan.sh"
sim_start_seeded
cfg="$SCRATCH/other.yaml"
write_yaml "$cfg" <<YAML
version: 1
account:
  domain: other.sip.ultravox.ai
sip:
  allowedAgents: [{agentId: $A1, toUserPattern: '^sales\$'}]
routeTests:
  - {to: sales, expect: $A1}
YAML
ss test "$cfg"
assert_rc 0 "offline the domain is not checked"
ss test "$cfg" --live
assert_rc 1 "another account"
assert_contains "$(err)" "$cfg:3:11: error: account.domain: the desired state is for other.sip.ultravox.ai but the API key belongs to acme.sip.ultravox.ai" "guard at its place"
assert_eq "$(out)" "" "no report"
ss test "$cfg" --live --force
assert_contains "$(out)" "on the live account acme.sip.ultravox.ai:" "--force runs it"
echo "route_test_live_domain: ok"
