# Creates overlap on one HTTP/2 connection at a distant server: with every
# answer 100 ms away and --parallelism 4, the pacer keeps 4 creates in
# flight to the end. Its window is the rate times the measured round trip,
# so the round trip must be measured from the request to the answer's
# first byte: curl's own STARTTRANSFER time is set once an HTTP/2 upload is
# sent, which read as a round trip of ~0 ms, shrank the window to 1 and ran
# 200 creates one after another (9.96 s instead of 1.4 s in
# tests/bench/net/bench_net.sh).
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/conn_faults.sh"
faults_start h2 slow 100
faults_desired 60
faults_apply 0 --parallelism 4
assert_eq "$(faults_stat 's["connections"]')" 1 "connections"
assert_eq "$(faults_stat 'len(s["posts"])')" 60 "creates"
# the last 20 creates: still several in flight (4 at a time, 3 allowed for
# a slow client), not one at a time
late=$(faults_stat 'max(s["inflight"][40:])')
[ "$late" -ge 3 ] || fail "creates 41-60 ran $late at a time at most, expected 3-4: $(faults_stat 's["inflight"]')"
assert_eq "$(faults_stat 'max(s["inflight"])')" 4 "never more than --parallelism"
faults_assert_once 60
echo "ok"
