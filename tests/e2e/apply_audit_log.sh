# issue 14: the audit trail. Each apply appends one JSON line to
# STATE_DIR/audit.jsonl naming the account, the actor, the source, the
# plan's counts, every write (method, path, status, outcome), the outcome
# and the live fingerprints before and after, and the snapshot of the live
# state taken before the writes (export form: secrets as placeholders).
# No line, snapshot or history output holds a secret value.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
sim_start
export PW="pw-$RANDOM$RANDOM" FB="fb-$RANDOM$RANDOM" PW2="pw2-$RANDOM$RANDOM"
domain=$(sim_api GET /api/sip | json_get 'd["domain"]')
unset GITHUB_ACTOR GITHUB_RUN_ID GITHUB_SERVER_URL GITHUB_REPOSITORY

cfg="$SCRATCH/sip.yaml"
write_yaml "$cfg" <<'YAML'
version: 1
sip:
  allowedCidrRanges: [203.0.113.0/24]
  fallbackHandler:
    url: https://fb.example.com/h
    secrets: [{env: FB}]
registrations:
  items:
    - {username: a, proxy: pbx.example.com, password: {env: PW}}
    - {username: b, proxy: pbx.example.com, password: {env: PW}}
YAML
ss apply "$cfg" --auto-approve
assert_rc 0 "first apply"
# the second changes the CIDRs and a password and drops a registration
write_yaml "$cfg" <<'YAML'
version: 1
sip:
  allowedCidrRanges: [198.51.100.0/24]
  fallbackHandler:
    url: https://fb.example.com/h
    secrets: [{env: FB}]
registrations:
  prune: true
  items:
    - {username: a, proxy: pbx.example.com, password: {env: PW2}}
YAML
ss apply "$cfg" --auto-approve --force
assert_rc 0 "second apply"
ss apply "$cfg" --auto-approve
assert_rc 0 "third apply: nothing to do, no line"

log="$STATE_DIR/audit.jsonl"
[ -f "$log" ] || fail "no audit log at $log"
summary=$(python3 - "$log" "$domain" "$(id -un)@$(hostname)" "$cfg" <<'PY'
import json, os, sys
path, domain, actor, cfg = sys.argv[1:]
lines = open(path).read().splitlines()
out = [str(len(lines))]
for l in lines:
    d = json.loads(l)                       # every line parses
    assert d["account"] == domain, d["account"]
    assert d["actor"] == actor, d["actor"]
    assert d["command"] == "sipsync apply", d["command"]
    assert d["source"]["path"] == cfg, d["source"]
    assert d["outcome"] == "applied", d["outcome"]
    assert len(d["fingerprintBefore"]) == 64 and len(d["fingerprintAfter"]) == 64
    assert d["fingerprintBefore"] != d["fingerprintAfter"]
    assert os.path.isfile(d["snapshot"]), d["snapshot"]
    p = d["plan"]
    out.append("plan +%d ~%d -%d" % (p["create"], p["update"], p["delete"]))
    rows = []
    for w in d["writes"]:
        assert isinstance(w["durationMs"], int) and w["durationMs"] >= 0
        path_ = w["path"].rsplit("/", 1)[0] + "/ID" if w["path"].count("/") > 3 else w["path"]
        rows.append("%s %s %d %s" % (w["method"], path_, w["status"], w["outcome"]))
    out += sorted(rows)  # a batch's writes finish in any order
print("\n".join(out))
PY
) || fail "the audit log does not hold what it should: $summary"
same "$summary" "2
plan +2 ~1 -0
PATCH /api/sip 200 done
POST /api/sip/registrations 201 done
POST /api/sip/registrations 201 done
plan +0 ~2 -1
DELETE /api/sip/registrations/ID 204 done
PATCH /api/sip 200 done
PATCH /api/sip/registrations/ID 200 done" "two lines, naming every write"

# the snapshot of the second apply is the account as the first left it,
# in export form: both registrations, secrets as placeholders
snap=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[1])["snapshot"])' "$log")
assert_contains "$snap" "$STATE_DIR/snapshots/$domain/" "snapshot under STATE_DIR/snapshots/<domain>/"
assert_contains "$(cat "$snap")" "username: b" "the snapshot holds what was there before"
assert_contains "$(cat "$snap")" "env:" "secrets as placeholders"
assert_eq "$(ls "$STATE_DIR/snapshots/$domain" | wc -l)" 2 "one snapshot per apply that wrote"

ss history
assert_rc 0 "history"
hist=$(out)
assert_eq "$(wc -l <<<"$hist")" 3 "a header and two rows"
assert_contains "$(sed -n 2p <<<"$hist")" "applied   +0 ~2 -1" "newest first"
assert_contains "$(sed -n 3p <<<"$hist")" "+2 ~1 -0" "oldest last"
assert_contains "$(sed -n 2p <<<"$hist")" "$domain" "the account"
ss history --account other.example.com --format json
assert_rc 0 "history of another account"
assert_eq "$(out)" "[]" "nothing for another account"
ss history --format json
assert_eq "$(out | json_get 'len(d)')" 2 "json: both lines"

for s in "$PW" "$PW2" "$FB"; do
	if grep -rqF -- "$s" "$STATE_DIR" "$SCRATCH/all-output"; then
		fail "a secret value is in the state dir or the output"
	fi
done
