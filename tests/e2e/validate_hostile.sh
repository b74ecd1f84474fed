#!/usr/bin/env bash
# sipsync validate: a YAML syntax error names the place and libyaml's problem;
# hostile input (alias bomb, invalid UTF-8) gets clear errors, no crash.
source "$SRC_DIR/tests/lib/cli.sh"

# YAML syntax error names the place and libyaml's problem
printf 'version: 1\nsip:\n  allowAllAgents: [true\n' > syntax.yaml
sipsync_expect 1 validate --offline syntax.yaml
same "$(cat err)" "syntax.yaml:4:1: error: invalid YAML: did not find expected ',' or ']' while parsing a flow sequence at line 3, column 19" "syntax error"

# hostile input: clear errors, no crash
sipsync_expect 1 validate --offline "$SRC_DIR/tests/fixtures/schema/alias_bomb.yaml"
grep -q "document too large: its aliases add more than 200000 nodes after alias expansion" err || fail "alias bomb: $(cat err)"
sipsync_expect 1 validate --offline "$SRC_DIR/tests/fixtures/schema/invalid_utf8.yaml"
grep -q "invalid_utf8.yaml:3:16: error: invalid UTF-8 (byte 0xff at offset 35)" err || fail "utf8: $(cat err)"
echo "validate_hostile: ok"
