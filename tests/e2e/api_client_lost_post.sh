# Creates whose answers are lost are not duplicated: settled by re-listing
# after the POST; the password never shows.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/api_seed.sh"

# -- lost answers to creates: no duplicate
sim_ctl POST /_sim/faults '{"dropAfterApply": {"method": "POST", "count": 3}}' >/dev/null
sim_ctl DELETE /_sim/log >/dev/null
out=$("$SIPSYNC" apply "$SCRATCH/create.yaml" --auto-approve --parallelism 4 \
	--state-dir "$state" 2>&1) || fail "apply failed: $out"
sim_ctl POST /_sim/faults '{}' >/dev/null
log=$(log_lines)
assert_eq "$(grep -c '^POST /api/sip/registrations ' <<<"$log")" 12 "one POST per create"
count=$(sim_ctl GET /_sim/state | json_get 'len([r for r in d["registrations"] if r["username"].startswith("new")])')
assert_eq "$count" 12 "registrations created (no duplicate)"
# the lost answers were settled by re-listing, after the first POST
relists=$(awk '/^POST /{p=1} p && /^GET \/api\/sip\/registrations /{n++} END{print n+0}' <<<"$log")
[ "$relists" -ge 1 ] || fail "no re-list after lost POST answers: $log"
assert_not_contains "$out" "$PW_SECRET" "password in apply output"
echo "ok"
