#!/usr/bin/env bash
# sipsync validate end to end: exit codes, exact message lines, summary,
# --help, --offline, --strict, directories, and secrets kept out of output.
set -euo pipefail
: "${SIPSYNC:?}" "${SRC_DIR:?}" "${SCRATCH:?}"
rm -rf "$SCRATCH" && mkdir -p "$SCRATCH" && cd "$SCRATCH"

source "$SRC_DIR/tests/lib/sim.sh" # fail, same, sipsync_expect

unset SIP_FALLBACK_SECRET SIP_FALLBACK_SECRET_NEXT PBX_SALES_PASSWORD PBX_SUPPORT_PASSWORD

# valid examples, offline
sipsync_expect 0 validate --offline "$SRC_DIR/examples/minimal.yaml"
same "$(cat out)" "valid: 1 file, 0 errors, 0 warnings" "minimal summary"
same "$(cat err)" "" "minimal stderr"
sipsync_expect 0 validate --offline "$SRC_DIR/examples/multi"
same "$(cat out)" "valid: 4 files, 0 errors, 0 warnings" "multi summary"

# secrets unresolved without --offline: every one named, no value
sipsync_expect 1 validate "$SRC_DIR/examples/multi"
same "$(grep -c 'is not set' err)" "3" "unresolved secrets"
grep -qF "examples/multi/00-account.yaml:18:9: error: sip.fallbackHandler.secrets[0]: environment variable SIP_FALLBACK_SECRET is not set" err ||
  fail "unresolved secret line: $(cat err)"
same "$(cat out)" "invalid: 4 files, 3 errors, 0 warnings" "unresolved summary"

# with the variables set everything resolves; values never printed
export SIP_FALLBACK_SECRET=fb-Secret-111 SIP_FALLBACK_SECRET_NEXT=fb-Secret-222
export PBX_SALES_PASSWORD=pw-Sales-333 PBX_SUPPORT_PASSWORD=pw-Support-444
sipsync_expect 0 validate "$SRC_DIR/examples/full.yaml" -v
sipsync_expect 0 validate "$SRC_DIR/examples/multi" --format json
for s in fb-Secret-111 fb-Secret-222 pw-Sales-333 pw-Support-444; do
  ! grep -q "$s" out err || fail "secret value $s printed"
done

# a file with many problems: every one reported, sorted by place
cat > bad.yaml <<'YAML'
version: 1
sip:
  allowedCidrRanges: [91.200.160.14/32, 203.0.113.7/24, 203.0.113.0/24, 1.2.3.4]
  allowAllAgent: false
  allowedAgents:
    - agentId: 0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14
      toUserPattern: '^(sales$'
  fallbackHandler:
    url: http://hooks.example.com/sip
    secrets: [literal-Value-555]
YAML
sipsync_expect 1 validate --offline bad.yaml
same "$(cat err)" "bad.yaml:3:41: warning: sip.allowedCidrRanges[1]: 203.0.113.7/24 has host bits set; the network is 203.0.113.0/24
bad.yaml:3:57: error: sip.allowedCidrRanges[2]: duplicate CIDR range 203.0.113.0/24; first defined at bad.yaml:3:41
bad.yaml:3:73: error: sip.allowedCidrRanges[3]: '1.2.3.4' is not an ipv4-cidr: missing /prefix (write a.b.c.d/32 for one address)
bad.yaml:4:3: error: sip: unknown key 'allowAllAgent'; did you mean 'allowAllAgents'?
bad.yaml:7:22: error: sip.allowedAgents[0].toUserPattern: regex does not compile: missing closing parenthesis at offset 8
bad.yaml:9:10: warning: sip.fallbackHandler.url: 'http://hooks.example.com/sip' uses plain http; the webhook and its signature travel unencrypted (use https)
bad.yaml:10:15: warning: sip.fallbackHandler.secrets[0]: literal secret; use {env: NAME} or {file: PATH}" "bad.yaml diagnostics"
same "$(cat out)" "invalid: 1 file, 4 errors, 3 warnings" "bad.yaml summary"
! grep -q literal-Value-555 out err || fail "literal secret printed"
sipsync_expect 1 validate --offline -q bad.yaml
same "$(cat out)" "" "-q hides the summary"

# warnings only: exit 0; --strict makes them errors
printf 'version: 1\nsip:\n  allowedCidrRanges: [10.0.0.1/8]\n' > warn.yaml
sipsync_expect 0 validate --offline warn.yaml
same "$(cat out)" "valid: 1 file, 0 errors, 1 warning" "warning summary"
sipsync_expect 1 validate --offline --strict warn.yaml
same "$(cat err)" "warn.yaml:3:23: error: sip.allowedCidrRanges[0]: 10.0.0.1/8 has host bits set; the network is 10.0.0.0/8" "strict"

# the route lint runs after a successful load: its findings are reported
# (warnings; errors with --strict)
cat > shadow.yaml <<'YAML'
version: 1
sip:
  allowedAgents:
    - agentId: 0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14
      toUserPattern: '.*'
    - agentId: 7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f
      toUserPattern: '^sales$'
YAML
sipsync_expect 0 validate --offline shadow.yaml
grep -q '^shadow.yaml:7:22: warning: sip.allowedAgents\[1\].toUserPattern: never matches' err ||
  fail "route lint warning missing: $(cat err)"
sipsync_expect 1 validate --offline --strict shadow.yaml
grep -q '^shadow.yaml:7:22: error: sip.allowedAgents\[1\].toUserPattern: never matches' err ||
  fail "route lint --strict: $(cat err)"

# YAML syntax error names the place and libyaml's problem
printf 'version: 1\nsip:\n  allowAllAgents: [true\n' > syntax.yaml
sipsync_expect 1 validate --offline syntax.yaml
same "$(cat err)" "syntax.yaml:4:1: error: invalid YAML: did not find expected ',' or ']' while parsing a flow sequence at line 3, column 19" "syntax error"

# hostile input: clear errors, no crash
sipsync_expect 1 validate --offline "$SRC_DIR/tests/fixtures/schema/alias_bomb.yaml"
grep -q "document too large: more than 200000 nodes after alias expansion" err || fail "alias bomb: $(cat err)"
sipsync_expect 1 validate --offline "$SRC_DIR/tests/fixtures/schema/invalid_utf8.yaml"
grep -q "invalid_utf8.yaml:3:16: error: invalid UTF-8 (byte 0xff at offset 35)" err || fail "utf8: $(cat err)"

# a directory: duplicate identity across files names both places
sipsync_expect 1 validate --offline "$SRC_DIR/tests/fixtures/schema/dup_regs"
grep -qF "dup_regs/b.yaml:7:7: error: registrations.items[1]: duplicate registration alice@pbx.example.com; first defined at $SRC_DIR/tests/fixtures/schema/dup_regs/a.yaml:4:7" err ||
  fail "dup regs: $(cat err)"

# empty sources are errors, not "nothing to manage"
mkdir -p empty
sipsync_expect 1 validate --offline empty
same "$(cat err)" "sipsync: error: empty: no desired state: no *.yaml or *.yml file" "empty dir"
: > nothing.yaml
sipsync_expect 1 validate --offline nothing.yaml
grep -q "no desired state: every file is empty" err || fail "empty file: $(cat err)"
sipsync_expect 1 validate --offline does-not-exist.yaml
same "$(cat err)" "sipsync: error: does-not-exist.yaml: No such file or directory" "missing path"

# default SOURCE is .
mkdir -p cwd && cp "$SRC_DIR/examples/minimal.yaml" cwd/ && (cd cwd && "$SIPSYNC" validate --offline >../out 2>../err) ||
  fail "default source: $(cat err)"
same "$(cat out)" "valid: 1 file, 0 errors, 0 warnings" "default source"

# a git source (--repo/--ref/--path) validates like a directory; places
# name the file at its commit
git init -q -b main repo
mkdir repo/conf && cp "$SRC_DIR"/examples/multi/*.yaml repo/conf/
printf 'version: 1\nregistrations:\n  items:\n    - {username: ultravox-sales, proxy: PBX.example.com, password: {env: P}}\n' > repo/conf/30-dup.yaml
git -C repo add . && git -C repo -c user.email=t@example.com -c user.name=t commit -qm init
short=$(git -C repo rev-parse --short=7 HEAD)
sipsync_expect 1 validate --offline --repo "file://$SCRATCH/repo" --ref main --path conf --state-dir "$SCRATCH/state"
same "$(cat err)" "conf/30-dup.yaml@$short:4:7: error: registrations.items[0]: duplicate registration ultravox-sales@pbx.example.com; first defined at conf/10-registrations-sales.yaml@$short:6:7" "git source"
same "$(cat out)" "invalid: 5 files, 1 error, 0 warnings" "git summary"

# usage errors: 64
sipsync_expect 64 validate --bogus
same "$(cat err)" "sipsync: error: validate: unknown option '--bogus' (see 'sipsync validate --help')" "unknown option"
sipsync_expect 64 validate --format yaml x.yaml
same "$(cat err)" "sipsync: error: --format: expected text, json or github, got 'yaml'" "bad format"
sipsync_expect 64 validate a.yaml b.yaml
same "$(cat err)" "sipsync: error: unexpected argument 'b.yaml'" "two sources"
sipsync_expect 64 validate --format
sipsync_expect 0 validate --help
grep -q '^usage: sipsync validate \[SOURCE\] \[--offline\] \[--strict\]' out || fail "help usage: $(cat out)"
grep -q 'Common options:' out || fail "help common options"
grep -q 'Exit codes: 0 valid' out || fail "help exit codes"
echo "validate_cli: ok"
