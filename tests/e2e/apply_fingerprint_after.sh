# issue 17: the audit log's fingerprint after the writes is the account as
# the plan read it with each write's answer put in place, not a read of
# its own (a read of a large account is a round trip per 100
# registrations). It must equal the live fingerprint a fresh plan reads,
# for an apply that patches the sip config (CIDRs, a fallback handler with
# secrets), creates, updates and prunes registrations; and no request
# follows the last write. When a write's answer is lost (a POST committed,
# then the connection dropped: settled by re-listing), the account is read
# again instead, and the fingerprint still matches.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
sim_start
export PW="pw-$RANDOM$RANDOM" FB="fb-$RANDOM$RANDOM"
cfg="$SCRATCH/sip.yaml"
write_yaml "$cfg" <<'YAML'
version: 1
sip:
  allowedCidrRanges: [203.0.113.0/24]
registrations:
  items:
    - {username: a, proxy: pbx.example.com, password: {env: PW}}
    - {username: b, proxy: pbx.example.com, password: {env: PW}}
    - {username: c, proxy: pbx.example.com, password: {env: PW}}
YAML
ss apply "$cfg" --auto-approve
assert_rc 0 "first apply"

live_fp()
{
	ss plan "$cfg" --format json
	out | json_get 'd["live"]["fingerprint"]'
}
last_after()
{
	tail -n 1 "$STATE_DIR/audit.jsonl" | json_get 'd["fingerprintAfter"]'
}
# the methods the simulator saw after the last write, one a line
after_last_write()
{
	sim_ctl GET /_sim/log | python3 -c '
import json, sys
reqs = json.load(sys.stdin)["requests"]
last = max((i for i, r in enumerate(reqs) if r["method"] != "GET"), default=-1)
print("\n".join("%s %s" % (r["method"], r["path"].split("?")[0]) for r in reqs[last + 1:]))'
}

# 1. every kind of write, every answer understood: no read after
write_yaml "$cfg" <<'YAML'
version: 1
sip:
  allowedCidrRanges: [198.51.100.0/24, 203.0.113.0/24]
  fallbackHandler:
    url: https://fb.example.com/h
    secrets: [{env: FB}]
registrations:
  prune: true
  items:
    - {username: a, proxy: pbx.example.com, password: {env: PW}}
    - {username: b, proxy: pbx.example.com, outboundProxy: out.example.com, password: {env: PW}}
    - {username: d, proxy: pbx.example.com, password: {env: PW}}
    - {username: e, proxy: pbx.example.com, authUser: e-auth, password: {env: PW}}
YAML
sleep 1.1 # past the lock's slack: the apply reads once
sim_ctl DELETE /_sim/log >/dev/null
ss apply "$cfg" --auto-approve --force
assert_rc 0 "second apply"
assert_contains "$(out)" "Apply complete: 5 of 5 changes made." "sip, update, 2 creates, prune"
assert_eq "$(after_last_write)" "" "no request after the last write"
after=$(last_after)
assert_eq "${#after}" 64 "a fingerprint after"
assert_eq "$after" "$(live_fp)" "fingerprint after = what a fresh read gives"

# 2. a create's answer lost: re-listed, then the account read again
write_yaml "$cfg" <<'YAML'
version: 1
registrations:
  items:
    - {username: f, proxy: pbx.example.com, password: {env: PW}}
YAML
sim_ctl POST /_sim/faults '{"dropAfterApply": {"method": "POST", "count": 1}}' >/dev/null
sim_ctl DELETE /_sim/log >/dev/null
ss apply "$cfg" --auto-approve
assert_rc 0 "apply with a lost answer"
sim_ctl POST /_sim/faults '{}' >/dev/null
assert_contains "$(after_last_write)" "GET /api/sip" "read again after the writes"
assert_eq "$(last_after)" "$(live_fp)" "fingerprint after a re-read = a fresh read"
echo "ok"
