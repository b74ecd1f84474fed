#!/usr/bin/env bash
# sipsync validate: the examples are valid offline (one file, a directory); without
# --offline every unresolved secret is named, with the variables set they
# resolve, and no value is ever printed.
source "$SRC_DIR/tests/lib/cli.sh"

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
echo "validate_examples: ok"
