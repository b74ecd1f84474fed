# issue 14: one writer per account. Two applies of one desired state
# started together against a slow simulator: the one that takes the lock
# applies, the other fails at once naming the holder (pid, host, command);
# with --lock-timeout it waits and then plans against what the first left
# (nothing to do). Never a duplicate registration. A SIGKILLed holder
# leaves no stale lock.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
sim_start
export PW="pw-$RANDOM$RANDOM"
domain=$(sim_api GET /api/sip | json_get 'd["domain"]')
lockfile="$STATE_DIR/$domain.lock"

cfg="$SCRATCH/sip.yaml"
{
	printf 'version: 1\nsip:\n  allowedCidrRanges: [203.0.113.0/24]\nregistrations:\n  prune: true\n  items:\n'
	for u in a b c; do
		printf '    - {username: %s, proxy: pbx.example.com, password: {env: PW}}\n' "$u"
	done
} >"$cfg"

# run_bg NAME ARGS...: sipsync in the background, output in $SCRATCH/NAME.*
run_bg()
{
	local name=$1
	shift
	"$SIPSYNC" "$@" --state-dir "$STATE_DIR" </dev/null \
		>"$SCRATCH/$name.out" 2>"$SCRATCH/$name.err" &
}

# Waits (bounded) until some process holds the account's lock. The probe
# holds it for an instant itself, so the background applies are given
# --lock-timeout: one that met the probe waits instead of failing.
wait_locked()
{
	local i
	for i in $(seq 1 200); do
		if [ -e "$lockfile" ] && ! flock -n "$lockfile" true; then
			return 0
		fi
		sleep 0.05
	done
	fail "the first apply never took the lock"
}

regs_per_identity()
{
	sim_api GET /api/sip/registrations | python3 -c '
import collections, json, sys
c = collections.Counter((r["username"], r["proxy"]) for r in json.load(sys.stdin)["results"])
print(" ".join("%s=%d" % (k[0], v) for k, v in sorted(c.items())))'
}

# every request takes 500 ms: the first apply holds the lock from the end
# of its read (which gives the lock its domain) through its writes, two
# rounds (the creates, then the prune of z), a second, while the second
# reads and then tries
sim_api POST /api/sip/registrations '{"username": "z", "proxy": "pbx.example.com", "password": "x"}' >/dev/null
sim_ctl POST /_sim/faults '{"latencyMs": 500}' >/dev/null
sim_ctl DELETE /_sim/log >/dev/null

# 1. no wait: the second fails at once, naming the holder
run_bg first apply "$cfg" --auto-approve --lock-timeout 1m
first=$!
wait_locked
ss apply "$cfg" --auto-approve
assert_rc 1 "the second apply is refused while the first holds the lock"
assert_contains "$(err)" "account $domain is locked by pid $first on $(hostname) (sipsync apply, since " "the holder is named"
assert_contains "$(err)" "; --lock-timeout 2m waits" "the way to wait is named"
assert_not_contains "$(out)" "Apply complete" "the second made nothing"
wait "$first" || fail "the first apply failed: $(cat "$SCRATCH/first.err")"
assert_contains "$(cat "$SCRATCH/first.out")" "Apply complete: 5 of 5 changes made." "the first applied everything"
assert_eq "$(regs_per_identity)" "a=1 b=1 c=1" "one registration per identity"

# 2. --lock-timeout: the second waits, then plans against what the first
# left: nothing to do, no duplicate
printf '    - {username: d, proxy: pbx.example.com, password: {env: PW}}\n' >>"$cfg"
sim_ctl DELETE /_sim/log >/dev/null
run_bg first apply "$cfg" --auto-approve --lock-timeout 1m
first=$!
wait_locked
ss apply "$cfg" --auto-approve --lock-timeout 2m
assert_rc 0 "the waiting apply proceeds once the lock is free"
wait "$first" || fail "the first apply failed: $(cat "$SCRATCH/first.err")"
assert_contains "$(cat "$SCRATCH/first.out")" "Apply complete: 1 of 1 changes made." "the first made the new registration"
assert_contains "$(out)" "No changes." "the second found the account as the first left it"
assert_eq "$(regs_per_identity)" "a=1 b=1 c=1 d=1" "still one registration per identity"
# the request log: one POST in all, and every request after it is a read
# (the second apply's plan came after the first's write, not between)
writes=$(log_writes)
assert_eq "$(grep -c '^POST' <<<"$writes")" 1 "one create in all"
assert_eq "$(sim_ctl GET /_sim/log | python3 -c '
import json, sys
reqs = json.load(sys.stdin)["requests"]
w = [i for i, r in enumerate(reqs) if r["method"] != "GET"]
print(len(w), all(reqs[j]["method"] == "GET" for j in range(w[-1] + 1, len(reqs))))')" "1 True" "the write, then only reads"

# 3. a SIGKILLed holder: the kernel drops its lock, the next apply runs.
# It has a write to make (a CIDR), so it holds the lock through a slow
# PATCH (an apply with nothing to write holds it for an instant only, once
# its read is made)
sed -i 's|203.0.113.0/24|198.51.100.0/24|' "$cfg"
sim_ctl POST /_sim/faults '{"latencyMs": 2000}' >/dev/null
run_bg killed apply "$cfg" --auto-approve --lock-timeout 1m
killed=$!
wait_locked
kill -KILL "$killed"
wait "$killed" 2>/dev/null
sim_ctl POST /_sim/faults '{}' >/dev/null
ss apply "$cfg" --auto-approve
assert_rc 0 "no stale lock after SIGKILL"
assert_not_contains "$(err)" "is locked by" "not refused"
