# HTTP/2: the server refuses the streams of three creates (RST_STREAM
# REFUSED_STREAM, nothing processed). A refused stream is provably
# unprocessed, so it is sent again at once: apply succeeds with every
# identity registered exactly once, and the log says what happened.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/conn_faults.sh"
faults_start h2 refused 3
faults_desired 12
faults_apply 0
assert_eq "$(faults_stat 's["faults"]')" 3 "faults applied"
assert_eq "$(faults_stat 'len(s["posts"])')" 12 "one processed POST per create"
# at least one refused stream is sent again at once; under load (ASan) curl
# may report one of the three as a lost connection instead, an unknown
# outcome the re-list settles: the once-per-create checks still hold
resent=$(grep -c 'stream refused by the server and sent again' "$SCRATCH/apply.out")
[ "$resent" -ge 1 ] && [ "$resent" -le 3 ] || fail "refused streams sent again: got $resent, expected 1..3"
faults_assert_once 12
echo "ok"
