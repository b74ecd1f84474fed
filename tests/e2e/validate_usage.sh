#!/usr/bin/env bash
# sipsync validate: usage errors exit 64 with one line; --help prints the usage.
source "$SRC_DIR/tests/lib/cli.sh"

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
echo "validate_usage: ok"
