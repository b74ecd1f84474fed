# Guards: each prints the plan first, then a distinct failure, exits 1 and
# writes nothing; --force overrides for one run. Domain, --max-deletes,
# more than 30% of >= 10 registrations, lock-out, and prune off/on.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
sim_start
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

# --- domain guard (plan and apply)
cfg="$SCRATCH/domain.yaml"
printf 'version: 1\naccount:\n  domain: other.sip.ultravox.ai\nsip:\n  allowedCidrRanges: [192.0.2.0/24]\n' >"$cfg"
ss plan "$cfg"
assert_rc 1 "plan against another account"
assert_contains "$(out)" "+ 192.0.2.0/24" "plan printed first"
assert_contains "$(err)" "account.domain: the desired state is for other.sip.ultravox.ai but the API key belongs to sim.sip.ultravox.ai" "domain message"
assert_contains "$(err)" "domain.yaml:3:" "domain error names the place"
ss apply "$cfg" --auto-approve
assert_rc 1 "apply against another account"
assert_contains "$(out)" "Plan: 0 to create, 1 to update, 0 to delete." "apply printed the plan first"
assert_contains "$(err)" "account.domain" "apply domain message"
assert_eq "$(log_writes)" "" "domain guard wrote nothing"
ss apply "$cfg" --auto-approve --force
assert_rc 0 "--force overrides the domain guard"

# --- prune off: undeclared registrations stay; prune on: deleted
sim_ctl PUT /_sim/state "$(seed 3 '["192.0.2.0/24"]')" >/dev/null
sim_ctl DELETE /_sim/log >/dev/null
cfg="$SCRATCH/regs.yaml"
{ printf 'version: 1\n'; regs_yaml 0 0 false; } >"$cfg"
ss apply "$cfg" --auto-approve
assert_rc 0 "prune off"
assert_contains "$(out)" "No changes." "nothing to do without prune"
assert_eq "$(reg_count)" 3 "prune off keeps undeclared registrations"
{ printf 'version: 1\n'; regs_yaml 0 0 true; } >"$cfg"
ss plan "$cfg"
assert_contains "$(out)" "- registration u001@pbx.example.com (reg-001)  [prune]" "prune line"
ss apply "$cfg" --auto-approve --max-deletes 1
assert_rc 1 "max-deletes guard"
assert_contains "$(out)" "Plan: 0 to create, 0 to update, 2 to delete." "plan printed first"
assert_contains "$(err)" "the plan deletes 2 registrations, more than --max-deletes 1" "max-deletes message"
assert_eq "$(reg_count)" 3 "max-deletes guard deleted nothing"
ss apply "$cfg" --auto-approve --max-deletes 2
assert_rc 0 "prune within --max-deletes"
assert_eq "$(reg_count)" 1 "prune deleted the undeclared registrations"
assert_eq "$(log_writes | grep -c '^DELETE /api/sip/registrations/reg-00[12] null$')" 2 "two DELETEs"

# --- more than 30% of >= 10 registrations
sim_ctl PUT /_sim/state "$(seed 10 '["192.0.2.0/24"]')" >/dev/null
{ printf 'version: 1\n'; regs_yaml 0 5 true; } >"$cfg"
ss apply "$cfg" --auto-approve
assert_rc 1 "30% guard"
assert_contains "$(err)" "the plan updates or deletes 4 of 10 existing registrations, more than 30%" "share message"
assert_eq "$(reg_count)" 10 "share guard deleted nothing"
{ printf 'version: 1\n'; regs_yaml 0 6 true; } >"$cfg"
ss apply "$cfg" --auto-approve
assert_rc 0 "exactly 30% is allowed"
assert_eq "$(reg_count)" 7 "three deleted"

# --- lock-out: nothing left to accept a call
sim_ctl PUT /_sim/state "$(seed 1 '["192.0.2.0/24"]')" >/dev/null
printf 'version: 1\nsip:\n  allowedCidrRanges: []\n  allowAllAgents: false\n  allowedAgents: []\nregistrations:\n  prune: true\n  items: []\n' >"$cfg"
ss apply "$cfg" --auto-approve
assert_rc 1 "lock-out guard"
assert_contains "$(err)" "leaves the account accepting no incoming call at all" "lock-out message"
assert_eq "$(live_get 'd["sip"]["allowedCidrRanges"]')" '["192.0.2.0/24"]' "lock-out guard changed nothing"
ss apply "$cfg" --auto-approve --force
assert_rc 0 "--force overrides lock-out"
assert_eq "$(reg_count)" 0 "forced apply removed everything"

# --- a source with no desired state at all is refused
printf 'version: 1\n' >"$cfg"
ss apply "$cfg" --auto-approve
assert_rc 1 "empty source"
assert_contains "$(err)" "the source holds no desired state" "empty-source message"
exit 0
