# issue 9 item 11 (engine side): live registrations with username "" or
# null (the spec makes it optional) are read, planned and exported: the
# identity is "@proxy", export writes username '' with its own placeholder
# (the loader's acceptance of a declared empty username is h9a's side).
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
sim_start
state=$(sim_ctl GET /_sim/state | python3 -c "
import json, sys
d = json.load(sys.stdin)
d['registrations'] = [
  {'registrationId': 'r-empty', 'created': '2026-01-01T00:00:00Z', 'username': '',
   'password': 'x', 'proxy': 'pbx-a.example.com', 'outboundProxy': None, 'authUser': None, 'successful': None},
  {'registrationId': 'r-null', 'created': '2026-01-02T00:00:00Z',
   'password': 'x', 'proxy': 'pbx-b.example.com', 'outboundProxy': None, 'authUser': None, 'successful': None}]
print(json.dumps(d))")
sim_ctl PUT /_sim/state "$state" >/dev/null || fail "seed"
assert_eq "$(sim_api GET /api/sip/registrations | json_get '[r["username"] for r in d["results"]]')" '["",""]' "the simulator serves both"

ss export
assert_rc 0 "export"
assert_contains "$(out)" "username: ''" "an empty username is written as ''"
assert_contains "$(out)" "SIPSYNC_PASSWORD_NO_USERNAME  password of @pbx-a.example.com" "first placeholder"
assert_contains "$(out)" "SIPSYNC_PASSWORD_NO_USERNAME_2  password of @pbx-b.example.com" "second placeholder"

cfg="$SCRATCH/sip.yaml"
write_yaml "$cfg" <<YAML
version: 1
registrations:
  prune: true
  items: []
YAML
ss plan "$cfg" --detailed-exitcode
assert_rc 2 "plan"
assert_contains "$(out)" "- registration @pbx-a.example.com (r-empty)  [prune]" "empty username planned"
assert_contains "$(out)" "- registration @pbx-b.example.com (r-null)  [prune]" "omitted username planned"
exit 0
