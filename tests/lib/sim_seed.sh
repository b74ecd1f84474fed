# Helpers for the sim_* scenarios that drive the simulator's API with curl.
# Source after sim.sh:
#   source "$SRC_DIR/tests/lib/sim.sh"; source "$SRC_DIR/tests/lib/sim_seed.sh"
#
#   A1, A2                agents of examples/sim-seed.json; UNKNOWN is none
#   STATE                 the state file of sim_start_seeded ($SCRATCH)
#   sim_start_seeded      start the simulator from examples/sim-seed.json
#       (one registration, acme-main) with pages of 2 and --state $STATE
#   req METHOD PATH [CURL ARGS...]   a request with explicit headers (no
#       key unless given); prints "STATUS BODY"
#   sim_add_registrations NAME...    POST one registration per NAME
#       (password pw-NAME-SECRET, proxy sip.example.com, authUser
#       auth-NAME), each must answer 201; appends the ids to REG_IDS and
#       leaves the last reply in REG_OUT. Not inside $(...).
#   sim_routing ALL FALLBACK AGENTS  PATCH /api/sip with allowAllAgents ALL,
#       fallbackHandler FALLBACK and allowedAgents AGENTS (JSON texts); must
#       answer 200

A1=0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14
A2=7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f
UNKNOWN=11111111-2222-4333-8444-555555555555
STATE="$SCRATCH/state.json"
REG_IDS=()
REG_OUT=""

sim_start_seeded()
{
	rm -f "$STATE"
	sim_start --seed "$SRC_DIR/examples/sim-seed.json" --page-size 2 \
		--state "$STATE" "$@"
}

req()
{
	local method="$1" path="$2"
	shift 2
	curl -sS --max-time 30 -X "$method" -o "$SCRATCH/req.body" \
		-w '%{http_code}' "$@" "$SIM_URL$path"
	printf ' '
	cat "$SCRATCH/req.body"
}

sim_add_registrations()
{
	local u
	for u in "$@"; do
		REG_OUT=$(sim_api POST /api/sip/registrations "{\"username\": \"$u\", \"password\": \"pw-$u-SECRET\", \"proxy\": \"sip.example.com\", \"authUser\": \"auth-$u\"}")
		assert_eq "$(sim_status)" 201 "POST $u"
		REG_IDS+=("$(json_get 'd["registrationId"]' <<<"$REG_OUT")")
	done
}

sim_routing()
{
	sim_api PATCH /api/sip "{\"allowAllAgents\": $1, \"fallbackHandler\": $2, \"allowedAgents\": $3}" >/dev/null
	assert_eq "$(sim_status)" 200 "PATCH /api/sip (live routing)"
}
