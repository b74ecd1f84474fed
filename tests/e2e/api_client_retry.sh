# The API client survives 429 (Retry-After honoured) and 503 bursts.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/api_seed.sh"

# -- 429 (Retry-After 1) and 503 bursts are survived
sim_ctl POST /_sim/faults '{"status429": 2, "retryAfter": 1, "status503": 2}' >/dev/null
sim_ctl DELETE /_sim/log >/dev/null
t0=$(date +%s%N)
out=$("$SIPSYNC" plan "$SCRATCH/sip.yaml" --state-dir "$state" 2>&1) || fail "plan under 429/503 failed: $out"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
log=$(log_lines)
assert_eq "$(grep -c ' 429$' <<<"$log")" 2 "429 answers seen"
assert_eq "$(grep -c ' 503$' <<<"$log")" 2 "503 answers seen"
[ "$ms" -ge 900 ] || fail "Retry-After 1 not honoured: plan took ${ms} ms"
sim_ctl POST /_sim/faults '{}' >/dev/null
echo "ok"
