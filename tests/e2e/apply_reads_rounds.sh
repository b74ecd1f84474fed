# issue 17: an apply's round trips. Against a simulator that takes 150 ms
# per request, a one-CIDR apply reads the account once (GET /api/sip beside
# the first registrations page: the same read takes the account's lock and
# makes the plan) and sends its PATCH: 3 requests in 2 rounds (it was 7 in
# 4: the lock had a read of its own, and the audit log's fingerprint after
# was a read too; it is now the plan's read with the PATCH's answer put in
# place). Applying again changes nothing: 2 requests, 1
# round. When another apply held the lock meanwhile, the account is read
# again once the lock is held (the plan is made against what it left).
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
source "$SRC_DIR/tests/lib/rounds.sh"
sim_start
cfg="$SCRATCH/sip.yaml"
printf 'version: 1\nsip:\n  allowedCidrRanges: [203.0.113.0/24]\n' >"$cfg"
sim_ctl POST /_sim/faults '{"latencyMs": 150}' >/dev/null
domain=$(sim_api GET /api/sip | json_get 'd["domain"]')

# 1. one CIDR
sim_ctl DELETE /_sim/log >/dev/null
ss apply "$cfg" --auto-approve
assert_rc 0 "apply"
assert_contains "$(out)" "Apply complete: 1 of 1 changes made." "applied"
assert_eq "$(sim_ctl GET /_sim/log | json_get 'len(d["requests"])')" 3 "requests"
same "$(rounds_show)" \
	"1: GET /api/sip, GET /api/sip/registrations
2: PATCH /api/sip" "rounds: read, write"

# 2. nothing to do: the one read
sim_ctl DELETE /_sim/log >/dev/null
sleep 1.2 # past the lock's clock slack since the last release
ss apply "$cfg" --auto-approve
assert_rc 0 "apply, no changes"
assert_contains "$(out)" "No changes." "nothing to do"
assert_eq "$(sim_ctl GET /_sim/log | json_get 'len(d["requests"])')" 2 "requests, no changes"
assert_eq "$(rounds)" 1 "rounds, no changes"

# 3. the lock held by another writer while apply reads: read again
lockfile="$STATE_DIR/$domain.lock"
printf 'version: 1\nsip:\n  allowedCidrRanges: [198.51.100.0/24]\n' >"$cfg"
sim_ctl DELETE /_sim/log >/dev/null
flock "$lockfile" sleep 1 &
holder=$!
sleep 0.2
ss apply "$cfg" --auto-approve --lock-timeout 10s
wait "$holder"
assert_rc 0 "apply after waiting for the lock"
same "$(rounds_show)" "1: GET /api/sip, GET /api/sip/registrations
2: GET /api/sip, GET /api/sip/registrations
3: PATCH /api/sip" "read, waited for the lock, read again, write"
assert_eq "$(rounds)" 3 "rounds after waiting for the lock"
echo "ok"
