#!/usr/bin/env bash
# plan --all --format markdown over 300 and then 1,000 accounts (all on one
# simulator account: one key and domain shared, which the guards allow):
# the comment stays under GitHub's 65,535 characters, and every account
# with changes is named or counted as cut; accounts without changes are
# counted. Odd accounts have changes, even ones none.
source "$SRC_DIR/tests/lib/cli.sh"
sim_start
export ULTRAVOX_API_KEY_SHARED=$ULTRAVOX_API_KEY
unset ULTRAVOX_API_KEY ULTRAVOX_API_URL
export XDG_STATE_HOME="$SCRATCH/state" PBX_PW=pw-Many-123
domain=$(sim_api GET /api/sip | json_get 'd["domain"]')

mkdir -p clean changed
printf 'version: 1\nsip:\n  allowAllAgents: false\n' >clean/sip.yaml
{
	printf 'version: 1\nsip:\n  allowedCidrRanges: [203.0.113.0/24, 198.51.100.0/24]\n'
	printf 'registrations:\n  items:\n'
	for i in $(seq 1 8); do
		printf '    - {username: user-%s, proxy: pbx.example.com, password: {env: PBX_PW}}\n' "$i"
	done
} >changed/sip.yaml

# accounts N [all]: an accounts file of N accounts, a-0001 ... (odd ones
# changed, or all)
accounts()
{
	local n=$1 i src
	{
		printf 'version: 1\naccounts:\n'
		for i in $(seq 1 "$n"); do
			src=clean
			[ $((i % 2)) = 1 ] || [ "${2:-}" = all ] && src=changed
			printf '  - {name: a-%04d, domain: %s, sources: [%s], apiKey: {env: ULTRAVOX_API_KEY_SHARED}, apiUrl: "%s"}\n' \
				"$i" "$domain" "$src" "$SIM_URL"
		done
	} >"accounts-$n${2:-}.yaml"
}

# check N [all]: the markdown of N accounts in out
check()
{
	local n=$1 size
	size=$(wc -m <out)
	[ "$size" -lt 65535 ] || fail "$n accounts: comment of $size characters"
	grep -qF "### sipsync: $n accounts" out || fail "$n accounts: no heading"
	python3 - out "$n" "${2:-odd}" <<'PY' || fail "$n accounts: an account with changes is lost: $(head -c 3000 out)"
import re, sys
text = open(sys.argv[1]).read()
n = int(sys.argv[2])
changed = [f"a-{i:04d}" for i in range(1, n + 1)
           if i % 2 == 1 or sys.argv[3] == "all"]
named = [a for a in changed if f"`{a}`" in text or f"<code>{a}</code>" in text]
m = re.search(r"\n(\d+) more accounts? with changes or failures not shown", text)
cut = int(m.group(1)) if m else 0
assert len(named) + cut == len(changed), (len(named), cut, len(changed))
# nothing without changes is reported as changed, every changed one says so
for a in named:
    line = next(l for l in text.splitlines()
                if f"`{a}`" in l or f"<code>{a}</code>" in l)
    assert "changes" in line and "no changes" not in line, line
print(f"{n} accounts: {len(text)} characters, {len(named)} named, {cut} cut")
PY
}

accounts 300
SECONDS=0
sipsync_expect 0 plan accounts-300.yaml --all --format markdown
echo "300 accounts planned in ${SECONDS}s"
check 300
# 300 lines fit: every account is named, no changes as such
same "$(grep -c '^- `a-[0-9]*` .*: no changes$' out)" 150 "accounts without changes listed"
grep -qF "with changes or failures shown by their summary only" out ||
	fail "300 accounts: the cut to summaries is not said"
grep -qxF -e "- \`a-0299\` ($domain): changes: Plan: 8 to create, 1 to update, 0 to delete." out ||
	fail "300 accounts: no plan summary line: $(tail -c 2000 out)"
grep -qF "<details><summary>Account <code>a-0001</code> ($domain): changes</summary>" out ||
	fail "300 accounts: the first account with changes is not in full"

accounts 1000
SECONDS=0
# in 4 processes, with few files allowed open: an account's capture is
# closed when it is done
(
	ulimit -n 256
	sipsync_expect 0 plan accounts-1000.yaml --all --format markdown --parallel-accounts 4
)
echo "1000 accounts planned in ${SECONDS}s"
check 1000
grep -qF "the 500 with no changes not listed" out || fail "1000 accounts: clean ones not counted: $(head -c 1500 out)"
grep -qF "Accounts: 1000 (500 no changes, 500 changes); 1000 planned, 0 failed." out ||
	fail "1000 accounts: no counts summary: $(head -c 600 out)"

# 1,000 accounts with changes: not even their rows fit, the rest counted
accounts 1000 all
sipsync_expect 0 plan accounts-1000all.yaml --all --format markdown --parallel-accounts 4
check 1000 all
grep -qE "^[0-9]+ more accounts with changes or failures not shown" out ||
	fail "1000 changed accounts: no cut count: $(tail -c 600 out)"
! grep -qF "$PBX_PW" out err || fail "a password was printed"
echo "accounts_markdown_many: ok"
