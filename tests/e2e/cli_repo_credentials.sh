# A token inside --repo (https://user:TOKEN@host/..., https://TOKEN@host/...)
# is refused by every command reading --repo, as --api-key is: exit 64, the
# way to pass it instead named, the token never echoed. An ssh user name is
# no credential.
set -u
source "$SRC_DIR/tests/lib/sim.sh"

TOKEN="ghp_$RANDOM$RANDOM$RANDOM"
STATE="$SCRATCH/state"
for url in "https://x-access-token:$TOKEN@git.example.com/o/r.git" \
	"https://$TOKEN@git.example.com/o/r.git" \
	"http://user:$TOKEN@127.0.0.1:1/r.git"; do
	for cmd in validate plan apply export test run; do
		OUT=$("$SIPSYNC" $cmd --state-dir "$STATE" --repo "$url" 2>&1)
		assert_eq "$?" 64 "$cmd with credentials in --repo"
		assert_contains "$OUT" "--repo: credentials in the URL are refused" "$cmd message"
		assert_contains "$OUT" "SIPSYNC_GIT_TOKEN" "$cmd names the variable"
		assert_contains "$OUT" "--git-token-file" "$cmd names the flag"
		assert_not_contains "$OUT" "$TOKEN" "$cmd echoes the token"
	done
	OUT=$("$SIPSYNC" validate --state-dir "$STATE" "--repo=$url" 2>&1)
	assert_eq "$?" 64 "--repo=URL with credentials"
	assert_not_contains "$OUT" "$TOKEN" "--repo=URL echoes the token"
done

# an ssh user name passes the check (and fails later, at the fetch)
OUT=$("$SIPSYNC" validate --offline --state-dir "$STATE" \
	--repo "ssh://git@127.0.0.1:1/r.git" 2>&1)
assert_eq "$?" 1 "ssh://git@ refused as a credential"
assert_not_contains "$OUT" "credentials in the URL" "ssh user name"
echo "ok: credentials in --repo refused"
