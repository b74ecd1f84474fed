# The apply summary says what happened: "complete" only when everything
# (writes and the state file) succeeded; a state dir that cannot be written
# is refused before anything is sent. apply --plan never silently drops or adds --sync-secrets.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
sim_start
export PW_ALICE="Pw-$RANDOM$RANDOM-secret"

cfg="$SCRATCH/sip.yaml"
write_yaml "$cfg" <<YAML
version: 1
registrations:
  items:
    - {username: alice, proxy: pbx.example.com, password: {env: PW_ALICE}}
YAML

# /proc/self: nothing can be created there, not even the account's lock
# (issue 14): the apply is refused before it sends anything, as it could
# not record what it sent
RC=0
"$SIPSYNC" apply "$cfg" --auto-approve --state-dir /proc/self \
	>"$SCRATCH/out" 2>"$SCRATCH/err" </dev/null || RC=$?
assert_rc 1 "apply whose state dir cannot be written"
assert_not_contains "$(out)" "Apply complete" "not called complete"
assert_contains "$(err)" "/proc/self/" "the error names the file"
assert_eq "$(log_writes | grep -c '^POST ')" "0" "nothing was sent"
# the create made elsewhere: this state dir has no record of its password
RC=0
"$SIPSYNC" apply "$cfg" --auto-approve --state-dir "$SCRATCH/elsewhere" \
	>"$SCRATCH/out" 2>"$SCRATCH/err" </dev/null || RC=$?
assert_rc 0 "apply with another state dir"
assert_eq "$(log_writes | grep -c '^POST ')" "1" "the create was sent once"

# the password now has no record: a plan without --sync-secrets sends nothing
ss plan "$cfg" --out "$SCRATCH/plain.json"
assert_rc 0 "plan"
assert_contains "$(out)" "password: unknown (write-only)" "unknown password"
sim_ctl DELETE /_sim/log >/dev/null
ss apply --plan "$SCRATCH/plain.json" --sync-secrets --auto-approve
assert_rc 1 "--sync-secrets cannot widen a saved plan"
assert_contains "$(err)" "made without --sync-secrets" "the refusal says why"
assert_eq "$(log_writes)" "" "nothing sent"

ss plan "$cfg" --sync-secrets --out "$SCRATCH/sync.json"
assert_rc 0 "plan --sync-secrets"
ss apply --plan "$SCRATCH/sync.json" --auto-approve
assert_rc 0 "apply a --sync-secrets plan"
assert_contains "$(err)" "was made with --sync-secrets" "the saved choice is said"
assert_contains "$(out)" "Apply complete: 1 of 1 changes made." "sent"
assert_eq "$(log_writes | grep -c '^PATCH ')" "1" "the password was sent"
exit 0
