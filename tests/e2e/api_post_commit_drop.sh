# A create reaches the server on the kept-alive HTTP/1.1 connection, is
# committed, and the connection drops without an answer: curl would send
# it again on a fresh connection (a duplicate); sipsync refuses that
# re-send, re-lists, finds the registration and counts it done.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/conn_faults.sh"
faults_start h1 commit_drop 3
faults_desired 12
faults_apply 0 --parallelism 2
assert_eq "$(faults_stat 's["faults"]')" 3 "faults applied"
assert_eq "$(faults_stat 'len(s["posts"])')" 12 "one POST per create"
faults_assert_once 12
echo "ok"
