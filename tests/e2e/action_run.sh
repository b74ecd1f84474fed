#!/usr/bin/env bash
# The run step of the GitHub Action (scripts/action-run.sh) against the
# simulator, as the runner calls it (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY,
# RUNNER_TEMP): plan sets changes=true, exit code 2, the plan file and a
# markdown report, and succeeds; apply of that saved plan applies it; a
# second saved plan made stale out of band is refused (result=failed);
# drift then reports no changes; validate writes annotations.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
sim_start
cd "$SCRATCH" || exit 1
PATH="$(dirname "$SIPSYNC"):$PATH"
export PATH RUNNER_TEMP=$SCRATCH/runner
export SIPSYNC_SOURCE=$SCRATCH/sip.yaml XDG_STATE_HOME=$SCRATCH/state
cat >"$SIPSYNC_SOURCE" <<'YAML'
version: 1
sip:
  allowedCidrRanges: [203.0.113.0/24]
YAML

# run COMMAND [PLAN_FILE]: the step, outputs into $SCRATCH/out.<command>
run_step()
{
	local o=$SCRATCH/out.$1
	: >"$o" && : >"$SCRATCH/summary"
	SIPSYNC_COMMAND=$1 SIPSYNC_PLAN_FILE=${2:-} SIPSYNC_SUMMARY=true \
		GITHUB_OUTPUT=$o GITHUB_STEP_SUMMARY=$SCRATCH/summary \
		bash "$SRC_DIR/scripts/action-run.sh" >"$SCRATCH/log.$1" 2>&1
	assert_eq "$?" 0 "the $1 step itself never fails"
}
output() { sed -n "s/^$2=//p" "$SCRATCH/out.$1"; }

run_step plan
assert_eq "$(output plan result)" ok "plan result"
assert_eq "$(output plan exitcode)" 2 "plan exitcode"
assert_eq "$(output plan changes)" true "plan changes"
plan=$(output plan plan-file)
[ -s "$plan" ] || fail "no saved plan at '$plan'"
assert_contains "$(cat "$(output plan report)")" "203.0.113.0/24" "markdown report"
assert_contains "$(cat "$SCRATCH/summary")" "### sipsync plan" "job summary"
cp "$plan" "$SCRATCH/reviewed.json"

run_step apply "$SCRATCH/reviewed.json"
assert_eq "$(output apply result)" ok "apply --plan result: $(cat "$SCRATCH/log.apply")"
assert_eq "$(sim_api GET /api/sip | json_get 'd["allowedCidrRanges"]')" '["203.0.113.0/24"]' "applied"

# a plan made, then the account changed by hand: the reviewed plan is stale
sed -i 's#203.0.113.0/24#198.51.100.0/24#' "$SIPSYNC_SOURCE"
run_step plan
cp "$(output plan plan-file)" "$SCRATCH/stale.json"
sim_api PATCH /api/sip '{"allowedCidrRanges": ["192.0.2.0/24"]}' >/dev/null
run_step apply "$SCRATCH/stale.json"
assert_eq "$(output apply result)" failed "a stale plan is refused"
assert_contains "$(cat "$SCRATCH/log.apply")" "changed since the plan" "stale message"
assert_eq "$(sim_api GET /api/sip | json_get 'd["allowedCidrRanges"]')" '["192.0.2.0/24"]' "nothing applied from the stale plan"

sed -i 's#198.51.100.0/24#192.0.2.0/24#' "$SIPSYNC_SOURCE"
run_step drift
assert_eq "$(output drift result)" ok "drift result: $(cat "$SCRATCH/log.drift")"
assert_eq "$(output drift changes)" false "no drift"
sim_api PATCH /api/sip '{"allowedCidrRanges": ["10.0.0.0/8"]}' >/dev/null
run_step drift
assert_eq "$(output drift result)" failed "drift fails the action"
assert_eq "$(output drift changes)" true "drift changes"
assert_contains "$(cat "$SCRATCH/log.drift")" "::error::the live SIP configuration drifted" "drift annotation"

echo 'version: 2' >"$SCRATCH/bad.yaml"
SIPSYNC_SOURCE=$SCRATCH/bad.yaml run_step validate
assert_eq "$(output validate result)" failed "invalid source"
assert_contains "$(cat "$SCRATCH/log.validate")" "::error file=" "annotations"
echo "action_run: ok"
