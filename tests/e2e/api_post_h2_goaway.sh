# HTTP/2: the server sends GOAWAY with a last-stream id below a create's
# stream (nothing processed, as the protocol promises): the creates on
# streams above it are sent again on a new connection. libcurl 7.88 may report a stream caught
# in the GOAWAY as a framing error instead: that create ends as outcome
# unknown (never re-sent) and the next apply makes it. Either way no
# identity is ever registered twice, and once all applies are done each
# is registered exactly once.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/conn_faults.sh"
faults_start h2 goaway 2
faults_desired 12
rc=0
"$SIPSYNC" apply "$SCRATCH/create.yaml" --auto-approve -v --timeout 20s \
	--ca-cert "$SRC_DIR/tests/fixtures/api_tls/cert.pem" \
	--state-dir "$SCRATCH/state" >"$SCRATCH/first.out" 2>&1 || rc=$?
assert_eq "$(faults_stat 's["faults"]')" 2 "faults applied"
[ "$(faults_stat 's["connections"]')" -ge 2 ] || fail "no new connection after GOAWAY"
assert_eq "$(faults_stat 'max(s["posts"].count(u) for u in s["posts"])')" 1 "a create processed twice"
if [ "$rc" != 0 ]; then
	assert_contains "$(cat "$SCRATCH/first.out")" "outcome unknown" "first apply"
	faults_apply 0
fi
faults_assert_once 12
echo "ok"
