# HTTP/2: the server sends GOAWAY with a last-stream id below a create's
# stream (nothing processed, as the protocol promises). Every create on a
# stream above it is sent again on a new connection: curl re-sends some
# itself (a rewind allowed for an HTTP/2 stream), and libcurl 7.88 fails
# others with "Error in the HTTP2 framing layer"; those are known
# unprocessed from the GOAWAY's last-stream id and the stream id (curl's
# debug texts) and sent again, not left as unknown outcomes. The one apply
# succeeds with each identity registered exactly once.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/conn_faults.sh"
faults_start h2 goaway 2
faults_desired 12
faults_apply 0 --timeout 20s
out=$(cat "$SCRATCH/apply.out")
assert_eq "$(faults_stat 's["faults"]')" 2 "faults applied"
[ "$(faults_stat 's["connections"]')" -ge 2 ] || fail "no new connection after GOAWAY"
assert_eq "$(faults_stat 'max(s["posts"].count(u) for u in s["posts"])')" 1 "a create processed twice"
assert_not_contains "$out" "outcome unknown" "apply"
# each GOAWAY catches at least the POST it answered: sent again either way
again=$(grep -c 'stream refused by the server and sent again\|not processed (stream [0-9]* above the server.s GOAWAY last stream [0-9]*); retry' <<<"$out")
[ "$again" -ge 2 ] || fail "creates sent again after GOAWAY: $again, expected >= 2: $out"
faults_assert_once 12
echo "ok"
