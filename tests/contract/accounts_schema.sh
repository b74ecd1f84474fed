#!/usr/bin/env bash
# The accounts file's JSON Schema (schema/accounts.schema.json) and
# `sipsync accounts` agree on tests/fixtures/accounts/{good,bad}
# (see tests/lib/schema_agree.sh).
source "$SRC_DIR/tests/lib/schema_agree.sh"
sipsync_reads() { "$SIPSYNC" accounts "$1" >"$SCRATCH/out" 2>&1; }
schema_agree "$SRC_DIR/schema/accounts.schema.json" "$SRC_DIR/tests/fixtures/accounts" accounts
