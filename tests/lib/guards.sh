# Helpers for the apply_guard_* scenarios. Source after sim.sh and plan.sh
# (with the simulator started):
#   source "$SRC_DIR/tests/lib/guards.sh"
#
#   PW_ANY                  a password for every declared registration
#   seed N CIDRS_JSON       a /_sim/state document: N registrations
#                           u000..u(N-1) at pbx.example.com, the CIDRs
#   regs_yaml FIRST LAST PRUNE   a registrations: block declaring
#                           uFIRST..uLAST with prune: PRUNE
#   reg_count               how many registrations the account holds
export PW_ANY="any-pw-$RANDOM$RANDOM"

seed()
{ # seed N_REGS CIDRS_JSON
	python3 - "$1" "$2" <<'PY'
import json, sys
n = int(sys.argv[1])
regs = [{"registrationId": "reg-%03d" % i, "created": "2026-01-01T00:00:00Z",
         "username": "u%03d" % i, "password": "seed", "proxy": "pbx.example.com",
         "outboundProxy": None, "authUser": None, "successful": True} for i in range(n)]
print(json.dumps({"domain": "sim.sip.ultravox.ai",
                  "sip": {"allowedCidrRanges": json.loads(sys.argv[2]), "allowAllAgents": False,
                          "allowedAgents": [], "fallbackHandler": None},
                  "registrations": regs}))
PY
}
regs_yaml()
{ # regs_yaml FIRST LAST PRUNE
	printf 'registrations:\n  prune: %s\n  items:\n' "$3"
	for i in $(seq "$1" "$2"); do
		printf '    - {username: u%03d, proxy: pbx.example.com, password: {env: PW_ANY}}\n' "$i"
	done
}
reg_count() { live_get 'len(d["registrations"])'; }
