# SIGTERM while the API hangs (a server that takes the request and never
# answers): the agent aborts the request in flight at once and exits within
# agent_stop's 2 s bound (the per-request timeout is 30 s, and before this
# the GET was retried 4 more times after the signal); no request is sent
# after the signal.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"
source "$SRC_DIR/tests/lib/blackhole.sh"

blackhole_start
agent_trap
cleanup_add bh_stop

REPO="$SCRATCH/repo"
rm -rf "$SCRATCH/state"
repo_init "$REPO"
printf 'version: 1\nsip:\n  allowedCidrRanges: [10.0.0.0/8]\n' >"$REPO/sip.yaml"
repo_commit "$REPO" one >/dev/null

export ULTRAVOX_API_KEY=test-key-hung
agent_start --repo "file://$REPO" --mode apply --interval 1h \
	--state-dir "$SCRATCH/state" --api-url "$BH_URL"
wait_until 10 eval '[ "$(bh_count)" -ge 2 ]' ||
	fail "the agent's reads did not reach the server"
sleep 0.3
before=$(bh_count)
agent_stop
assert_eq "$AGENT_RC" 0 "clean stop"
sleep 1
assert_eq "$(bh_count)" "$before" "a request was sent after SIGTERM"
grep -q "interrupted by a stop request while waiting for the answer" \
	"$SCRATCH/agent.log" || fail "the log does not say the request was interrupted"
grep -q "stopping" "$SCRATCH/agent.log" || fail "no 'stopping' line"
