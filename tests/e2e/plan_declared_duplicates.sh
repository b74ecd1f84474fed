# issue 9 item 3: two live registrations of an identity the file declares
# once are drift with prune: false too (a change, exit 2); apply deletes the
# newer one and keeps the oldest; the 30% guard says the deletes are extra
# copies of a declared identity.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
sim_start
export PW_SUPPORT="Pw-$RANDOM$RANDOM-support"
state=$(sim_ctl GET /_sim/state | python3 -c "
import json, sys
d = json.load(sys.stdin)
d['registrations'] = [
  {'registrationId': 'r-new', 'created': '2026-03-01T00:00:00Z', 'username': 'support',
   'password': 'x', 'proxy': 'pbx', 'outboundProxy': None, 'authUser': None, 'successful': None},
  {'registrationId': 'r-old', 'created': '2026-01-01T00:00:00Z', 'username': 'support',
   'password': 'x', 'proxy': 'PBX', 'outboundProxy': None, 'authUser': None, 'successful': None}]
print(json.dumps(d))")
sim_ctl PUT /_sim/state "$state" >/dev/null || fail "seed"

cfg="$SCRATCH/sip.yaml"
write_yaml "$cfg" <<YAML
version: 1
registrations:
  prune: false
  items:
    - {username: support, proxy: pbx, password: {env: PW_SUPPORT}}
YAML
ss plan "$cfg" --detailed-exitcode
assert_rc 2 "an extra live copy is a change"
assert_contains "$(out)" "- registration support@pbx (r-new)  [duplicate]" "the newer one is deleted"
assert_not_contains "$(out)" "- registration support@pbx (r-old)" "the oldest is kept"
ss apply "$cfg" --auto-approve
assert_rc 0 "apply"
assert_eq "$(log_writes)" "DELETE /api/sip/registrations/r-new null" "only the newer copy deleted"
ss plan "$cfg" --detailed-exitcode
assert_rc 0 "converged"

# the guard: 13 live registrations, 4 extra copies of a declared one
state=$(sim_ctl GET /_sim/state | python3 -c "
import json, sys
d = json.load(sys.stdin)
regs = []
for i in range(8):
    regs.append({'registrationId': 'u%d' % i, 'created': '2026-01-01T00:00:00Z', 'username': 'user%d' % i,
      'password': 'x', 'proxy': 'pbx', 'outboundProxy': None, 'authUser': None, 'successful': None})
for i in range(5):
    regs.append({'registrationId': 'd%d' % i, 'created': '2026-02-0%dT00:00:00Z' % (i + 1), 'username': 'support',
      'password': 'x', 'proxy': 'pbx', 'outboundProxy': None, 'authUser': None, 'successful': None})
d['registrations'] = regs
print(json.dumps(d))")
sim_ctl PUT /_sim/state "$state" >/dev/null || fail "seed 2"
sim_ctl DELETE /_sim/log >/dev/null
ss apply "$cfg" --auto-approve
assert_rc 1 "4 of 13 deletes: more than 30% is refused"
assert_contains "$(err)" "4 of them are extra live copies of a declared identity" "the guard says why"
assert_eq "$(log_writes)" "" "nothing sent"
ss apply "$cfg" --auto-approve --force
assert_rc 0 "forced"
assert_eq "$(log_writes | grep -c '^DELETE ')" "4" "four copies deleted"
assert_eq "$(sim_api GET /api/sip/registrations | json_get '[r["registrationId"] for r in d["results"] if r["username"] == "support"]')" '["d0"]' "the oldest kept"
exit 0
