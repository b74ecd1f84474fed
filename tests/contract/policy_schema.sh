#!/usr/bin/env bash
# The policy file's JSON Schema (schema/policy.schema.json) and
# `sipsync validate --policy` must agree: every file under
# tests/fixtures/policy/good passes both (ajv-cli, draft 2020-12, reading
# YAML); every file under tests/fixtures/policy/bad fails both, and
# sipsync names the reason given on the file's first line ("# expect: ...").
source "$SRC_DIR/tests/lib/schema_agree.sh"

# a desired state that manages nothing a rule looks at
printf 'version: 1\naccount:\n  domain: acme.sip.ultravox.ai\n' >"$SCRATCH/sip.yaml"
sipsync_reads() {
  "$SIPSYNC" validate --offline --policy "$1" "$SCRATCH/sip.yaml" >"$SCRATCH/out" 2>&1
}
schema_agree "$SRC_DIR/schema/policy.schema.json" "$SRC_DIR/tests/fixtures/policy" policy
