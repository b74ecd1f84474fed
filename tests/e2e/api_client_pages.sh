# The API client reads every page: asking for 100 first, following `next`
# (ceil(50 / 7) = 8 pages).
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/api_seed.sh"

# -- pagination: ceil(50 / 7) = 8 pages, the first asking for 100
sim_ctl DELETE /_sim/log >/dev/null
out=$("$SIPSYNC" plan "$SCRATCH/sip.yaml" --state-dir "$state" 2>&1) || fail "plan failed: $out"
assert_contains "$out" "No changes" "plan of an unchanged account"
log=$(log_lines)
pages=$(grep -c '^GET /api/sip/registrations ' <<<"$log")
assert_eq "$pages" 8 "registration pages read"
first=$(grep -m1 '^GET /api/sip/registrations ' <<<"$log")
assert_contains "$first" "pageSize=100" "first page asks for 100"
echo "ok"
