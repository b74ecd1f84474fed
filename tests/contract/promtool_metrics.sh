#!/usr/bin/env bash
# The agent's /metrics passes `promtool check metrics` (Prometheus's own
# linter of the text exposition format: HELP/TYPE lines, names, units,
# counter suffixes), read from a running agent after a cycle has made API
# requests and a git fetch, so every metric family is present.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"
command -v promtool >/dev/null || { echo "promtool_metrics: skip: no promtool (Debian package prometheus)"; exit 77; }

sim_start
agent_trap
REPO="$SCRATCH/repo"
rm -rf "$SCRATCH/state"
repo_init "$REPO"
printf 'version: 1\nsip:\n  allowedCidrRanges: [10.0.0.0/8]\n' >"$REPO/sip.yaml"
repo_commit "$REPO" one >/dev/null
agent_start --repo "file://$REPO" --mode detect --interval 1s --state-dir "$SCRATCH/state"
wait_until 10 eval '[ "$(http_code GET "$AGENT_URL/readyz")" = 200 ]' ||
	fail "not ready after the first cycle"

curl -sf "$AGENT_URL/metrics" >"$SCRATCH/metrics.txt" || fail "GET /metrics"
grep -q '^sipsync_api_requests_total{' "$SCRATCH/metrics.txt" || fail "no API request counted yet: $(cat "$SCRATCH/metrics.txt")"
promtool check metrics <"$SCRATCH/metrics.txt" >"$SCRATCH/promtool.out" 2>&1
rc=$?
if [ "$rc" -ne 0 ] || [ -s "$SCRATCH/promtool.out" ]; then
	cat "$SCRATCH/promtool.out" >&2
	fail "promtool check metrics: exit $rc, problems listed above"
fi
agent_stop
echo "promtool_metrics: ok ($(grep -c '^# TYPE' "$SCRATCH/metrics.txt") metric families)"
