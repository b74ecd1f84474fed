# issue 9 item 10 (second half): a write the server refuses with 400 is
# reported as needing a change to the desired state, not "running apply
# again makes what is missing" (re-running sends the same request).
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
sim_start
export FB_SECRET="fb-$RANDOM$RANDOM-secret"
cfg="$SCRATCH/sip.yaml"
# a url sipsync's validator accepts but the server's (Django's
# URLValidator: a host needs a dot-separated name) refuses
write_yaml "$cfg" <<YAML
version: 1
sip:
  fallbackHandler:
    url: https://hooks/x
    secrets: [{env: FB_SECRET}]
YAML
ss validate "$cfg"
assert_rc 0 "valid for sipsync"
ss apply "$cfg" --auto-approve
assert_rc 1 "apply fails"
assert_contains "$(err)" "PATCH /api/sip: 400" "the request named"
assert_contains "$(out)" "1 of them was refused by the server (4xx)" "said plainly"
assert_contains "$(out)" "the desired state (or the API key) must change first" "what to do"
assert_not_contains "$(out)" "Running apply again makes" "no false promise"
exit 0
