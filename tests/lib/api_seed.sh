# Setup of the api_client_* scenarios: the simulator started with 50
# registrations served at most 7 a page. Source after sim.sh:
#   source "$SRC_DIR/tests/lib/api_seed.sh"
#
#   PW_SECRET, state      the password of the declared registrations; the
#                         state dir (empty)
#   $SCRATCH/sip.yaml     the account's CIDRs as they are (no changes)
#   $SCRATCH/create.yaml  twelve new registrations new1..new12
#   log_lines             the simulator's request log, one line each:
#                         "METHOD PATH QUERY STATUS"
export PW_SECRET="pw-e2e-$RANDOM-value"
state="$SCRATCH/state"
rm -rf "$state"

# 50 registrations, the simulator serving at most 7 a page
python3 - "$SCRATCH/seed.json" <<'EOF'
import json, sys
regs = [{"registrationId": f"reg_{i:03d}", "created": "2026-01-01T00:00:00Z",
         "username": f"user{i}", "proxy": "pbx.example.com",
         "outboundProxy": None, "authUser": None, "successful": True}
        for i in range(50)]
json.dump({"domain": "acme.sip.ultravox.ai",
           "sip": {"allowedCidrRanges": ["10.0.0.0/8"], "allowAllAgents": False,
                   "allowedAgents": [], "fallbackHandler": None},
           "registrations": regs}, open(sys.argv[1], "w"))
EOF
printf 'version: 1\nsip:\n  allowedCidrRanges: [10.0.0.0/8]\n' >"$SCRATCH/sip.yaml"
{
	printf 'version: 1\nregistrations:\n  items:\n'
	for i in $(seq 1 12); do
		printf '    - {username: new%s, proxy: pbx.example.com, password: {env: PW_SECRET}}\n' "$i"
	done
} >"$SCRATCH/create.yaml"

sim_start --seed "$SCRATCH/seed.json" --page-size 7

log_lines()
{
	sim_ctl GET /_sim/log | json_get '"\n".join(r["method"] + " " + r["path"] + " " + (r.get("query") or "") + " " + str(r["status"]) for r in d["requests"])'
}
