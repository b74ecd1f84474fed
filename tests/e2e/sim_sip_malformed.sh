# sipsync-sim: malformed JSON is 400 with a parse error detail, a wrong content
# type 415, a body over the cap 413.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/sim_seed.sh"

sim_start_seeded

# malformed requests
out=$(req PATCH /api/sip -H "X-API-Key: $SIM_KEY" -H 'Content-Type: application/json' --data-binary '{"allowAllAgents": tru')
assert_eq "${out%% *}" 400 "malformed JSON"
assert_contains "$out" '"detail":"JSON parse error - ' "parse error detail"
out=$(req PATCH /api/sip -H "X-API-Key: $SIM_KEY" -H 'Content-Type: text/plain' --data-binary '{}')
assert_eq "${out%% *}" 415 "wrong content type"
head -c 1100000 /dev/zero | tr '\0' 'a' >"$SCRATCH/big"
out=$(req PATCH /api/sip -H "X-API-Key: $SIM_KEY" -H 'Content-Type: application/json' --data-binary @"$SCRATCH/big")
assert_eq "${out%% *}" 413 "body cap"
echo "ok"
