# The server commits a create and resets the connection halfway through
# its answer: the outcome is unknown, the re-list finds the registration,
# the create counts as done, and nothing is sent twice.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/conn_faults.sh"
faults_start h1 reset_mid 3
faults_desired 12
faults_apply 0 --parallelism 2
assert_eq "$(faults_stat 's["faults"]')" 3 "faults applied"
assert_eq "$(faults_stat 'len(s["posts"])')" 12 "one POST per create"
faults_assert_once 12
echo "ok"
