# The server commits a create and resets the connection halfway through
# its answer: the outcome is unknown, the re-list finds the registration,
# the create counts as done, and nothing is sent twice.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/conn_faults.sh"
faults_relisted reset_mid
echo "ok"
