# issue 9 item 21: a plan saved with a relative source path records it
# absolute, so apply --plan works from another directory.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
sim_start
mkdir -p "$SCRATCH/repo/prod" "$SCRATCH/elsewhere"
write_yaml "$SCRATCH/repo/prod/sip.yaml" <<YAML
version: 1
sip:
  allowedCidrRanges: [203.0.113.0/24]
YAML
(cd "$SCRATCH/repo" && ss plan prod/sip.yaml --out "$SCRATCH/p.json")
assert_rc 0 "plan with a relative path"
assert_eq "$(json_get 'd["source"]["path"]' <"$SCRATCH/p.json")" "$SCRATCH/repo/prod/sip.yaml" "recorded absolute"
(cd "$SCRATCH/elsewhere" && ss apply --plan "$SCRATCH/p.json" --auto-approve)
assert_rc 0 "apply --plan from another directory"
assert_contains "$(out)" "Apply complete: 1 of 1 changes made." "applied"
exit 0
