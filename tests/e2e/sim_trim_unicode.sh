#!/usr/bin/env bash
# Issue 9 item 2: the API (Django REST Framework) trims with Python's
# str.strip(), Unicode spaces included, so the simulator stores
# "\u00a0alice\u3000" as "alice"; and validate/plan refuse such an identity at
# its place instead of creating one more "alice" on every apply.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
sim_start
cd "$SCRATCH"

body=$(sim_api POST /api/sip/registrations \
	'{"username": "\u00a0alice\u3000", "password": "pw-1", "proxy": "\u2003pbx.example.com\u001c"}')
assert_eq "$(sim_status)" 201 "create"
assert_eq "$(printf '%s' "$body" | json_get 'd["username"]')" alice "username trimmed"
assert_eq "$(printf '%s' "$body" | json_get 'd["proxy"]')" pbx.example.com "proxy trimmed"
# not whitespace to Python: kept
body=$(sim_api POST /api/sip/registrations \
	'{"username": "\u200bbob", "password": "pw-2", "proxy": "pbx.example.com"}')
assert_eq "$(sim_status)" 201 "create bob"
assert_eq "$(printf '%s' "$body" | json_get 'len(d["username"])')" 4 "zero-width space kept"

export SIPSYNC_PASSWORD_ALICE="alice-pw-$RANDOM"
write_yaml sip.yaml <<'YAML'
version: 1
registrations:
  items:
    - username: "\u00a0alice"
      proxy: pbx.example.com
      password: {env: SIPSYNC_PASSWORD_ALICE}
YAML
for cmd in validate plan; do
	ss $cmd sip.yaml
	assert_rc 1 "$cmd"
	assert_contains "$(err)" "sip.yaml:4:17: error: registrations.items[0].username: leading or trailing whitespace (U+00A0): the API trims it, so the live value would never match this one" "$cmd names the place"
done
same "$(log_writes)" "POST /api/sip/registrations {\"password\":\"<redacted>\",\"proxy\":\"\\u2003pbx.example.com\\u001c\",\"username\":\"\\u00a0alice\\u3000\"}
POST /api/sip/registrations {\"password\":\"<redacted>\",\"proxy\":\"pbx.example.com\",\"username\":\"\\u200bbob\"}" "only the two test creates"
exit 0
