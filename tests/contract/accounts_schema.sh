#!/usr/bin/env bash
# The accounts file's JSON Schema (schema/accounts.schema.json) and
# `sipsync accounts` must agree: every file under
# tests/fixtures/accounts/good passes both (ajv-cli, draft 2020-12, reading
# YAML); every file under tests/fixtures/accounts/bad fails both, and
# sipsync names the reason given on the file's first line ("# expect: ...").
set -euo pipefail
: "${SIPSYNC:?}" "${SRC_DIR:?}" "${SCRATCH:?}"
mkdir -p "$SCRATCH"
ajv="$SRC_DIR/tests/node/node_modules/.bin/ajv"
schema="$SRC_DIR/schema/accounts.schema.json"
[ -x "$ajv" ] || { echo "ajv-cli missing: run (cd tests/node && npm ci)" >&2; exit 1; }
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

ajv_says() {
  "$ajv" validate --spec=draft2020 --strict=false -s "$schema" -d "$1" >"$SCRATCH/ajv.out" 2>&1 &&
    echo valid || echo invalid
}

good=("$SRC_DIR"/tests/fixtures/accounts/good/*.yaml)
bad=("$SRC_DIR"/tests/fixtures/accounts/bad/*.yaml)
[ "${#good[@]}" -ge 2 ] || fail "expected at least 2 good accounts files"
[ "${#bad[@]}" -ge 4 ] || fail "expected at least 4 bad accounts files"
for f in "${good[@]}"; do
  rel=${f#"$SRC_DIR"/}
  [ "$(ajv_says "$f")" = valid ] || fail "$rel: ajv: $(cat "$SCRATCH/ajv.out")"
  "$SIPSYNC" accounts "$f" >"$SCRATCH/out" 2>&1 ||
    fail "$rel: sipsync refuses it: $(cat "$SCRATCH/out")"
done
for f in "${bad[@]}"; do
  rel=${f#"$SRC_DIR"/}
  expect=$(head -n1 "$f" | sed -n 's/^# expect: //p')
  [ -n "$expect" ] || fail "$rel: no '# expect:' line"
  [ "$(ajv_says "$f")" = invalid ] || fail "$rel: ajv accepts it"
  if "$SIPSYNC" accounts "$f" >"$SCRATCH/out" 2>&1; then
    fail "$rel: sipsync accepts it"
  elif ! grep -qF -- "$expect" "$SCRATCH/out"; then
    fail "$rel: sipsync does not say '$expect': $(cat "$SCRATCH/out")"
  fi
done
[ "$failures" -eq 0 ] || exit 1
echo "ok: ${#good[@]} good and ${#bad[@]} bad accounts files agree"
