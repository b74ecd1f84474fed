#!/usr/bin/env bash
# sipsync validate: sources: a directory (duplicates across files name both places),
# empty sources and a missing path are errors, the default SOURCE is .
source "$SRC_DIR/tests/lib/cli.sh"

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
echo "validate_sources: ok"
