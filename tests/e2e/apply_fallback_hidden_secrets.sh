# issue 9 item 4: the file changes only fallbackHandler.url (secrets
# unmanaged). When GET returns the secrets, apply sends them back with the
# url (the server keeps them); when the API hides them, the plan says the
# server will generate a new secret and apply refuses without --force.
# No secret value is printed or saved in a plan file.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
sim_start
FB="fb-$RANDOM$RANDOM-secret"
seed()
{
	sim_ctl GET /_sim/state | python3 -c "
import json, sys
d = json.load(sys.stdin)
d['sip']['fallbackHandler'] = {'url': 'https://old.example.com/h', 'secrets': ['$FB']}
d['hideSecrets'] = $1
print(json.dumps(d))" >"$SCRATCH/seed.json"
	sim_ctl PUT /_sim/state "$(cat "$SCRATCH/seed.json")" >/dev/null || fail "seed"
	sim_ctl DELETE /_sim/log >/dev/null
}
cfg="$SCRATCH/sip.yaml"
write_yaml "$cfg" <<YAML
version: 1
sip:
  fallbackHandler:
    url: https://new.example.com/h
YAML

# GET returns the secrets: they go back with the url, the server keeps them
seed False
ss plan "$cfg" --out "$SCRATCH/p1.json"
assert_rc 0 "plan"
assert_not_contains "$(cat "$SCRATCH/p1.json")" "$FB" "no live secret in the saved plan"
ss apply --plan "$SCRATCH/p1.json" --auto-approve
assert_rc 0 "apply --plan re-reads the live secrets"
assert_eq "$(log_writes)" 'PATCH /api/sip {"fallbackHandler":{"secrets":"<redacted>","url":"https://new.example.com/h"}}' "the secrets sent back (the log redacts them)"
assert_eq "$(sim_ctl GET /_sim/state | json_get 'd["sip"]["fallbackHandler"]["secrets"]')" "[\"$FB\"]" "the server kept the secret"

# the API hides them: said plainly, refused without --force
seed True
ss plan "$cfg" --detailed-exitcode
assert_rc 2 "plan"
assert_contains "$(out)" "the server will generate a new secret" "the plan says so"
ss apply "$cfg" --auto-approve
assert_rc 1 "refused"
assert_contains "$(err)" "would generate a new secret" "the refusal says why"
assert_eq "$(log_writes)" "" "nothing sent"
ss apply "$cfg" --auto-approve --force
assert_rc 0 "--force accepts a new secret"
assert_eq "$(log_writes)" 'PATCH /api/sip {"fallbackHandler":{"url":"https://new.example.com/h"}}' "only the url"
assert_not_contains "$(cat "$SCRATCH/all-output")" "$FB" "no secret in any output"
exit 0
