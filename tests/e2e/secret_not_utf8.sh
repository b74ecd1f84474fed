#!/usr/bin/env bash
# Issue 9 item 1: a secret that is not UTF-8 (a Latin-1 environment value,
# a UTF-16 file) is an error at the reference's place in validate, plan and
# apply, naming the reason and never the value; nothing is written. It was
# "valid", planned as a password change, sent as PATCH {} and fingerprinted.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
sim_start
cd "$SCRATCH"

export SIPSYNC_PASSWORD_ALICE="alice-Good-$RANDOM" SIPSYNC_SECRET_FB="fb-Good-$RANDOM"
write_yaml sip.yaml <<'YAML'
version: 1
sip:
  fallbackHandler:
    url: https://hooks.example.com/sip
    secrets: [{env: SIPSYNC_SECRET_FB}]
registrations:
  items:
    - username: alice
      proxy: pbx.example.com
      password: {env: SIPSYNC_PASSWORD_ALICE}
    - username: bob
      proxy: pbx.example.com
      password: {file: bob.pw}
YAML
printf 'bob-Good-secret\n' >bob.pw
ss apply sip.yaml --auto-approve
assert_rc 0 "first apply with UTF-8 secrets"
sim_ctl DELETE /_sim/log >/dev/null

export SIPSYNC_PASSWORD_ALICE=$'p\xe4sswort' SIPSYNC_SECRET_FB=$'fb\xe4'
printf '\xff\xfeb\x00o\x00b\x00\n' >bob.pw
want_env="sip.yaml:10:17: error: registrations.items[0].password: environment variable SIPSYNC_PASSWORD_ALICE is not valid UTF-8 text (secrets are sent as JSON strings; re-encode it as UTF-8)"
want_file="sip.yaml:13:17: error: registrations.items[1].password: secret file bob.pw contains a NUL byte"
for cmd in validate plan "apply --auto-approve"; do
	# shellcheck disable=SC2086
	ss $cmd sip.yaml
	assert_rc 1 "$cmd with a Latin-1 secret"
	assert_contains "$(err)" "$want_env" "$cmd: env error at its place"
	assert_contains "$(err)" "$want_file" "$cmd: file error at its place"
	assert_contains "$(err)" "sip.yaml:5:15: error: sip.fallbackHandler.secrets[0]: environment variable SIPSYNC_SECRET_FB is not valid UTF-8 text" "$cmd: fallback secret"
	assert_not_contains "$(err)" "out of memory" "$cmd: no out of memory"
	assert_not_contains "$(out)$(err)" "sensitive value changed" "$cmd plans no change"
done

# a UTF-16 file without NUL bytes in it is just not UTF-8
printf '\xff\xfe\xe4\n' >bob.pw
ss plan sip.yaml
assert_rc 1 "plan with a non-UTF-8 file"
assert_contains "$(err)" "sip.yaml:13:17: error: registrations.items[1].password: secret file bob.pw is not valid UTF-8 text" "file error"

same "$(log_writes)" "" "no write reached the API"
grep -a -F -l -- $'p\xe4ss' "$SCRATCH/all-output" "$STATE_DIR"/*.json &&
	fail "the secret value appears in the output or the state"
exit 0
