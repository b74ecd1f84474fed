# Rotating the API key must not make every write-only value look changed:
# the fingerprints recorded with the old key are unknown (a note, exit 0
# with --detailed-exitcode), and apply --sync-secrets records new ones.
set -u
SIM_KEY="key-A-$$-$RANDOM"
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
rm -f "$SCRATCH/sim.json" # a fresh account (SCRATCH outlives a run)
sim_start --state "$SCRATCH/sim.json"
export PW_ALICE="Pw-$RANDOM$RANDOM-secret"

cfg="$SCRATCH/sip.yaml"
write_yaml "$cfg" <<YAML
version: 1
registrations:
  items:
    - {username: alice, proxy: pbx.example.com, password: {env: PW_ALICE}}
YAML

ss apply "$cfg" --auto-approve
assert_rc 0 "first apply"
assert_contains "$(out)" "Apply complete: 1 of 1 changes made." "created"
ss plan "$cfg" --detailed-exitcode
assert_rc 0 "in sync with key A"
sim_stop || fail "simulator failed"

# the same account, a new key
SIM_KEY="key-B-$$-$RANDOM"
export SIM_KEY
sim_start --state "$SCRATCH/sim.json"
ss plan "$cfg" --detailed-exitcode
assert_rc 0 "a rotated key is no change"
assert_contains "$(out)" "the API key changed" "the rotation is noted"
assert_contains "$(out)" "password: unknown (write-only)" "the password is unknown"
assert_not_contains "$(out)" "sensitive value changed" "no false change"

ss apply "$cfg" --auto-approve --sync-secrets
assert_rc 0 "apply --sync-secrets"
assert_contains "$(out)" "Apply complete: 1 of 1 changes made." "password sent again"
ss plan "$cfg" --detailed-exitcode
assert_rc 0 "in sync with key B"
assert_not_contains "$(out)" "the API key changed" "note gone once re-recorded"
assert_not_contains "$(out)" "unknown (write-only)" "password known again"
for f in "$STATE_DIR"/*.json; do
	grep -q '"keyId"' "$f" || fail "state file without keyId"
	if grep -F -q -- "$SIM_KEY" "$f"; then fail "the key is in the state file"; fi
done
exit 0
