# sipsync test --live when allowedAgents is unmanaged: the cases cannot be
# decided from the file (that error is printed), but the live account's
# configuration decides them all, and that report is given.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/sim_seed.sh"
source "$SRC_DIR/tests/lib/plan.sh"
sim_start_seeded
sim_routing false 'null' "[{\"agentId\": \"$A1\", \"toUserPattern\": \"^sales\$\"}]"
cfg="$SCRATCH/routes.yaml"
write_yaml "$cfg" <<YAML
version: 1
routeTests:
  - {to: sales, expect: $A1}
  - {to: support, expect: reject}
YAML
ss test "$cfg"
assert_rc 1 "offline cannot decide"
ss test "$cfg" --live
assert_rc 1 "not decided from the file: still a failure"
assert_contains "$(err)" "the desired state has no sip: section" "why the file cannot decide"
same "$(out)" "on the live account acme.sip.ultravox.ai:
2 passed, 0 failed" "the live report"
ss test "$cfg" --live --format json
assert_rc 1 "json"
assert_eq "$(out | json_get '[d["desired"], [r["status"] for r in d["live"]["results"]]]')" '[null,["pass","pass"]]' "json: desired null, live passes"
echo "route_test_live_unmanaged: ok"
