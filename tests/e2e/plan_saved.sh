# Saved plans: plan --out writes JSON valid against schema/plan.schema.json
# (checked with ajv); apply --plan applies it when nothing changed; it is
# refused after an out-of-band change (stale fingerprint) and after a
# secret changed; drift made out of band shows in the next plan; markdown.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
sim_start
AJV="$SRC_DIR/tests/node/node_modules/.bin/ajv"
export PW_BOB="bob-pw-$RANDOM$RANDOM"

cfg="$SCRATCH/sip.yaml"
write_yaml "$cfg" <<YAML
version: 1
sip:
  allowedCidrRanges: [203.0.113.0/24]
registrations:
  items:
    - username: bob
      proxy: pbx.example.com
      password: {env: PW_BOB}
YAML

validate_plan()
{
	"$AJV" validate --spec=draft7 -c ajv-formats -s "$SRC_DIR/schema/plan.schema.json" \
		-d "$1" >"$SCRATCH/ajv.out" 2>&1 || { cat "$SCRATCH/ajv.out"; fail "$1 does not match plan.schema.json"; }
}

ss plan "$cfg" --out "$SCRATCH/p1.json" --format json --detailed-exitcode
assert_rc 2 "plan --out"
validate_plan "$SCRATCH/p1.json"
cmp -s "$SCRATCH/out" "$SCRATCH/p1.json" || fail "--format json output differs from the --out file"
python3 - "$SCRATCH/p1.json" <<'PY' || fail "plan JSON content"
import json, sys
p = json.load(open(sys.argv[1]))
assert p["format_version"] == 1
assert p["summary"] == {"create": 1, "update": 1, "delete": 0, "notes": 0, "changes": True}, p["summary"]
assert p["source"]["path"].endswith("sip.yaml")
assert p["live"]["domain"] == "sim.sip.ultravox.ai"
reqs = p["requests"]
assert [r["method"] for r in reqs] == ["PATCH", "POST"], reqs
assert reqs[1]["body"]["password"] == "<redacted>"
assert reqs[1]["secrets"][0]["key"] == "registration/bob@pbx.example.com/password"
assert len(reqs[1]["secrets"][0]["fingerprint"]) == 64
PY
grep -q "$PW_BOB" "$SCRATCH/p1.json" && fail "password in the plan file"

# markdown: summary line then details
ss plan "$cfg" --format markdown
assert_rc 0 "markdown"
assert_contains "$(out)" "**Plan: 1 to create, 1 to update, 0 to delete.**" "markdown summary"
assert_contains "$(out)" "<details>" "markdown details"

# a secret changed after the plan: refused
PW_BOB="other-$RANDOM" ss apply --plan "$SCRATCH/p1.json" --auto-approve
assert_rc 1 "apply --plan with a changed secret"
assert_contains "$(err)" "the desired state or a secret changed since the plan was made" "secret refusal"
assert_eq "$(log_writes)" "" "nothing written after refusal"

# out-of-band change: the saved plan is stale
ss plan "$cfg" --out "$SCRATCH/p2.json"
sim_ctl PUT /_sim/state '{"domain":"sim.sip.ultravox.ai","sip":{"allowedCidrRanges":["192.0.2.0/24"],"allowAllAgents":false,"allowedAgents":[],"fallbackHandler":null},"registrations":[]}' >/dev/null
ss apply --plan "$SCRATCH/p2.json" --auto-approve
assert_rc 1 "stale plan"
assert_contains "$(err)" "the account changed since the plan was made; run plan again" "stale refusal"
assert_eq "$(log_writes)" "" "nothing written for a stale plan"

# fresh plan applies as saved
ss plan "$cfg" --out "$SCRATCH/p3.json"
assert_contains "$(out)" "- 192.0.2.0/24" "out-of-band CIDR shows as drift"
ss apply --plan "$SCRATCH/p3.json" --auto-approve
assert_rc 0 "apply --plan"
assert_contains "$(out)" "Apply complete: 2 of 2 changes made." "applied"
ss apply "$SRC_DIR" --plan "$SCRATCH/p3.json"
assert_rc 64 "SOURCE and --plan together"

# drift: an out-of-band edit of the live state shows in the next plan
ss plan "$cfg" --detailed-exitcode
assert_rc 0 "in sync"
live=$(sim_ctl GET /_sim/state)
drifted=$(printf '%s' "$live" | python3 -c 'import json,sys; d=json.load(sys.stdin); d["sip"]["allowedCidrRanges"]=["203.0.113.0/24","10.9.9.9/32"]; d["registrations"][0]["outboundProxy"]="evil.example.com"; print(json.dumps(d))')
sim_ctl PUT /_sim/state "$drifted" >/dev/null
ss plan "$cfg" --detailed-exitcode
assert_rc 2 "drift detected"
assert_contains "$(out)" "      - 10.9.9.9/32" "drifted CIDR"
assert_not_contains "$(out)" "evil.example.com" "outboundProxy is unmanaged here (omitted in the file)"
exit 0
