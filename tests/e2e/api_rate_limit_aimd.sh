# The simulator limits the key to 8 requests a second (429 over it, with
# Retry-After 1). apply, pacing at the default 190 requests/s, meets the
# 429s, halves its rate (the log says so), honours Retry-After and gets
# every create through exactly once.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/api_seed.sh"
sim_ctl POST /_sim/faults '{"ratePerSecond": 8, "retryAfter": 1}' >/dev/null
sim_ctl DELETE /_sim/log >/dev/null
out=$("$SIPSYNC" apply "$SCRATCH/create.yaml" --auto-approve -v \
	--state-dir "$state" 2>&1) || fail "apply under a rate limit failed: $out"
sim_ctl POST /_sim/faults '{}' >/dev/null
log=$(log_lines)
[ "$(grep -c ' 429$' <<<"$log")" -ge 1 ] || fail "no 429 met: $log"
assert_contains "$out" "rate lowered to 95 requests/s" "first halving"
assert_eq "$(grep -c '^POST /api/sip/registrations .* 201$' <<<"$log")" 12 "creates answered 201"
count=$(sim_ctl GET /_sim/state | json_get 'len([r for r in d["registrations"] if r["username"].startswith("new")])')
assert_eq "$count" 12 "registrations created once each"
assert_not_contains "$out" "$PW_SECRET" "password in apply output"
echo "ok"
