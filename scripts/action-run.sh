#!/usr/bin/env bash
# The run step of action.yml: runs one sipsync command for the GitHub
# Action and sets its outputs. Never fails the step itself (the comment
# step must still run); the action's last step fails on result != ok.
#
# In:  SIPSYNC_COMMAND (validate|plan|apply|drift), SIPSYNC_SOURCE,
#      SIPSYNC_ARGS (split on whitespace), SIPSYNC_PLAN_FILE,
#      SIPSYNC_SUMMARY ("true": job summary), GITHUB_OUTPUT,
#      GITHUB_STEP_SUMMARY, RUNNER_TEMP.
# Out: exitcode, changes (true|false), plan-file, report (a markdown or
#      text file), result (ok|failed).
set -uo pipefail
cmd=${SIPSYNC_COMMAND:-validate}
src=${SIPSYNC_SOURCE:-.}
out_dir=${RUNNER_TEMP:-/tmp}/sipsync
mkdir -p "$out_dir"
read -r -a extra <<<"${SIPSYNC_ARGS:-}"
report=$out_dir/report.md
plan_file=""
changes=false
fenced=false # the report is plain text: put it in a code block

case $cmd in
validate)
	sipsync validate "$src" --format github "${extra[@]}" >"$report"
	rc=$?
	cat "$report" # the annotations, read by the runner
	fenced=true ;;
plan)
	plan_file=${SIPSYNC_PLAN_FILE:-$out_dir/plan.json}
	sipsync plan "$src" --format markdown --out "$plan_file" --detailed-exitcode \
		"${extra[@]}" >"$report"
	rc=$?
	cat "$report" ;;
drift)
	sipsync plan "$src" --format markdown --detailed-exitcode "${extra[@]}" >"$report"
	rc=$?
	cat "$report"
	[ "$rc" -ne 2 ] || echo "::error::the live SIP configuration drifted from $src (see the plan)" ;;
apply)
	if [ -n "${SIPSYNC_PLAN_FILE:-}" ]; then
		sipsync apply --plan "$SIPSYNC_PLAN_FILE" --auto-approve "${extra[@]}" >"$report"
	else
		sipsync apply "$src" --auto-approve "${extra[@]}" >"$report"
	fi
	rc=$?
	cat "$report"
	fenced=true ;;
*)
	echo "::error::input command must be validate, plan, apply or drift, not '$cmd'"
	rc=64 ;;
esac

result=failed
case $cmd:$rc in
validate:0 | apply:0 | plan:0 | drift:0) result=ok ;;
plan:2) result=ok changes=true ;;
drift:2) changes=true ;;
esac

if [ "${SIPSYNC_SUMMARY:-true}" = true ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -s "$report" ]; then
	{
		echo "### sipsync $cmd $src"
		if $fenced; then echo '```'; cat "$report"; echo '```'; else cat "$report"; fi
	} >>"$GITHUB_STEP_SUMMARY"
fi
{
	echo "exitcode=$rc"
	echo "changes=$changes"
	echo "plan-file=$plan_file"
	[ -s "$report" ] && echo "report=$report" || echo "report="
	echo "result=$result"
} >>"${GITHUB_OUTPUT:-/dev/null}"
exit 0
