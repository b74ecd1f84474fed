# A create reaches the server on the kept-alive HTTP/1.1 connection, is
# committed, and the connection drops without an answer: curl would send
# it again on a fresh connection (a duplicate); sipsync refuses that
# re-send, re-lists, finds the registration and counts it done.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/conn_faults.sh"
faults_relisted commit_drop
echo "ok"
