# The server closes a kept-alive HTTP/1.1 connection just as the next
# create is sent on it (an idle close racing the request; nothing read or
# committed). curl would send it again by itself; sipsync does not (it
# cannot know the server did not commit): the create ends as outcome
# unknown or, when the close came before the body went out, is sent on a
# fresh connection. Run again, apply creates what is missing: every
# identity ends up registered exactly once.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/conn_faults.sh"
faults_start h1 close_on_reuse 3
faults_desired 12
rc=0
"$SIPSYNC" apply "$SCRATCH/create.yaml" --auto-approve -v --parallelism 2 \
	--state-dir "$SCRATCH/state" >"$SCRATCH/first.out" 2>&1 || rc=$?
assert_eq "$(faults_stat 's["faults"]')" 3 "faults applied"
if [ "$rc" != 0 ]; then
	assert_contains "$(cat "$SCRATCH/first.out")" "outcome unknown" "first apply"
	assert_contains "$(cat "$SCRATCH/first.out")" "not sent again" "request log"
fi
faults_apply 0
faults_assert_once 12
echo "ok"
