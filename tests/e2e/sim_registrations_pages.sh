# sipsync-sim: registrations in pages of 2 (the server maximum): next and
# previous are absolute and visit every registration once; pageSize,
# empty and bad cursors.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/sim_seed.sh"

sim_start_seeded

sim_add_registrations u1 u2 u3 u4

# pagination: page size 2 (server maximum), 5 registrations, follow next
seen=""
url="$SIM_URL/api/sip/registrations?pageSize=100"
pages=0
while [ "$url" != null ] && [ $pages -lt 10 ]; do
	out=$(curl -sS --max-time 30 -H "X-API-Key: $SIM_KEY" "$url")
	assert_not_contains "$out" password "password in list"
	assert_eq "$(json_get 'd["total"]' <<<"$out")" 5 "total"
	[ $pages -eq 0 ] && assert_eq "$(json_get 'd["previous"]' <<<"$out")" null "first page previous"
	seen="$seen $(json_get '" ".join(r["username"] for r in d["results"])' <<<"$out")"
	url=$(json_get 'd["next"]' <<<"$out")
	pages=$((pages + 1))
done
assert_eq "$pages" 3 "pages of 2"
assert_eq "$(tr ' ' '\n' <<<"$seen" | sed '/^$/d' | sort | tr '\n' ' ')" "acme-main u1 u2 u3 u4 " "every registration exactly once"
# previous goes back
out=$(curl -sS -H "X-API-Key: $SIM_KEY" "$SIM_URL/api/sip/registrations")
next=$(json_get 'd["next"]' <<<"$out")
assert_contains "$next" "$SIM_URL/api/sip/registrations?cursor=" "next is absolute"
out=$(curl -sS -H "X-API-Key: $SIM_KEY" "$next")
prev=$(json_get 'd["previous"]' <<<"$out")
out=$(curl -sS -H "X-API-Key: $SIM_KEY" "$prev")
assert_eq "$(json_get '[r["username"] for r in d["results"]]' <<<"$out")" '["acme-main","u1"]' "previous page"
out=$(sim_api GET '/api/sip/registrations?pageSize=1')
assert_eq "$(json_get 'len(d["results"])' <<<"$out")" 1 "pageSize=1"
out=$(sim_api GET '/api/sip/registrations?cursor=')
assert_eq "$(sim_status) $(json_get '[r["username"] for r in d["results"]]' <<<"$out")" '200 ["acme-main","u1"]' "empty cursor is the first page"
out=$(sim_api GET '/api/sip/registrations?cursor=bogus')
assert_eq "$(sim_status) $out" '404 {"detail":"Invalid cursor"}' "bad cursor"
echo "ok"
