# Twenty creates over HTTP/2 (TLS, the node fake) take the one connection
# the reads opened, and -v says so: per request ("new connection" once,
# "reused connection" after) and in the closing count line.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/conn_faults.sh"
faults_start h2 none 0
faults_desired 20
faults_apply 0
out=$(cat "$SCRATCH/apply.out")
assert_eq "$(faults_stat 's["connections"]')" 1 "TCP/TLS connections opened"
assert_eq "$(faults_stat 'len(s["posts"])')" 20 "creates"
assert_eq "$(grep -c '^sipsync: POST /api/sip/registrations → 201 in [0-9]* ms, reused connection$' <<<"$out")" 20 "creates on the open connection"
assert_eq "$(grep -c ', new connection' <<<"$out")" 1 "connections opened, per request"
assert_contains "$out" "sipsync: api: 22 requests over 1 connection (21 reused)" "count line"
faults_assert_once 20
echo "ok"
