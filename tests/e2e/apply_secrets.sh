# No secret value (passwords, fallback secrets, the API key) appears in
# stdout, stderr, saved plans (every format) or the state file, across a
# full plan / apply / re-plan / error cycle, verbose included.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
sim_start
export PW_ONE="Pw1-$RANDOM$RANDOM-secret" PW_TWO="Pw2-$RANDOM$RANDOM-secret"
export FB_A="Fb1-$RANDOM$RANDOM-secret" FB_B="Fb2-$RANDOM$RANDOM-secret"

cfg="$SCRATCH/sip.yaml"
write_yaml "$cfg" <<YAML
version: 1
sip:
  allowedCidrRanges: [203.0.113.0/24]
  fallbackHandler:
    url: https://hooks.example.com/sip
    secrets: [{env: FB_A}, {env: FB_B}]
registrations:
  prune: true
  items:
    - {username: one, proxy: pbx.example.com, password: {env: PW_ONE}}
    - {username: two, proxy: pbx.example.com, password: {env: PW_TWO}, authUser: two-auth}
YAML

ss plan "$cfg" --out "$SCRATCH/plan.json" -v
ss plan "$cfg" --format json -v
ss plan "$cfg" --format markdown
ss apply "$cfg" --auto-approve -v
assert_rc 0 "apply"
ss plan "$cfg" --detailed-exitcode
assert_rc 0 "in sync"
# rotate everything: changed secrets are planned and sent, never shown
export PW_ONE="Pw1b-$RANDOM$RANDOM-secret" FB_A="Fb1b-$RANDOM$RANDOM-secret"
ss plan "$cfg" --out "$SCRATCH/plan2.json"
assert_contains "$(out)" "password: (sensitive value changed)" "password change shown"
assert_contains "$(out)" "fallbackHandler.secrets: (sensitive value changed)" "fallback change shown"
ss apply --plan "$SCRATCH/plan2.json" --auto-approve -v
assert_rc 0 "apply rotated secrets"
# a failing write with secrets in its body
sim_ctl POST /_sim/faults '{"dropAfterApply": {"method": "PATCH", "count": 1000}}' >/dev/null
export FB_B="Fb2b-$RANDOM$RANDOM-secret"
ss apply "$cfg" --auto-approve -v
assert_rc 1 "failing apply"
sim_ctl POST /_sim/faults '{}' >/dev/null
ss export --out "$SCRATCH/export.yaml"

all="$SCRATCH/all-output $SCRATCH/plan.json $SCRATCH/plan2.json $SCRATCH/export.yaml $STATE_DIR/*.json"
for v in "$PW_ONE" "$PW_TWO" "$FB_A" "$FB_B" Pw1- Fb1- Fb2- "$SIM_KEY"; do
	# shellcheck disable=SC2086
	if grep -F -l -- "$v" $all; then
		fail "a secret value appears in the files above"
	fi
done
[ -s "$SCRATCH/all-output" ] || fail "no output captured"
grep -q "fingerprints" "$STATE_DIR"/*.json || fail "state file without fingerprints"
exit 0
