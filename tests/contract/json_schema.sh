#!/usr/bin/env bash
# The JSON Schema (schema/sipsync.schema.json) and `sipsync validate` must
# agree: every desired-state file under examples/ and tests/fixtures/schema/good
# passes both (ajv-cli with ajv-formats, draft 2020-12, and
# `sipsync validate --offline`); every file under tests/fixtures/schema/bad
# fails both, and sipsync names the reason given on the file's first line
# ("# expect: ..."). ajv-cli reads the YAML files directly (js-yaml 3,
# which resolves merge keys `<<` as sipsync does: written keys win, of a
# list the earlier mapping wins). A bad file that js-yaml refuses to load
# (a merge of something that is no mapping) has "# ajv: does not load" on
# its second line: ajv must then fail on it alone (a file it cannot load
# ends ajv-cli's whole run) and sipsync must still name the reason.
set -euo pipefail
: "${SIPSYNC:?}" "${SRC_DIR:?}" "${SCRATCH:?}"
mkdir -p "$SCRATCH"
ajv="$SRC_DIR/tests/node/node_modules/.bin/ajv"
schema="$SRC_DIR/schema/sipsync.schema.json"
if [ ! -x "$ajv" ]; then
  echo "ajv-cli missing: run (cd tests/node && npm ci) or scripts/deps.sh --with-node" >&2
  exit 1
fi
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# One ajv run for many files (node starts once); then ajv_says FILE prints
# "valid" or "invalid" for each.
ajv_batch() {
  local args=()
  for f in "$@"; do args+=(-d "$f"); done
  "$ajv" validate --spec=draft2020 -c ajv-formats --strict=false \
    --errors=line -s "$schema" "${args[@]}" >"$SCRATCH/ajv.out" 2>&1 || true
}
ajv_says() {
  if grep -qxF "$1 valid" "$SCRATCH/ajv.out"; then echo valid
  elif grep -qxF "$1 invalid" "$SCRATCH/ajv.out"; then echo invalid
  else echo "no verdict"; fi
}
ajv_errors() { grep -A1 -xF "$1 invalid" "$SCRATCH/ajv.out" | tail -1; }

# Desired-state files are the YAML files with a top-level version: key
# (examples/ also holds CI workflows and other YAML that are not ours) and
# no accounts: key (accounts files: contract/accounts_schema.sh).
mapfile -t good < <(
  { find "$SRC_DIR/examples" -type f \( -name '*.yaml' -o -name '*.yml' \) \
      -exec grep -l '^version:' {} + | xargs grep -L '^accounts:'
    ls "$SRC_DIR"/tests/fixtures/schema/good/*.yaml; } | sort)
[ "${#good[@]}" -ge 5 ] || fail "expected at least 5 good files, found ${#good[@]}"

ajv_batch "${good[@]}"
for f in "${good[@]}"; do
  rel=${f#"$SRC_DIR"/}
  [ "$(ajv_says "$f")" = valid ] || fail "$rel: ajv: $(ajv_says "$f"): $(ajv_errors "$f")"
  "$SIPSYNC" validate --offline "$f" >"$SCRATCH/out" 2>&1 ||
    fail "$rel: sipsync validate rejects it: $(cat "$SCRATCH/out")"
done

# every example directory as a whole (its files merged)
for d in "$SRC_DIR"/examples/*/; do
  ls "$d"*.yaml >/dev/null 2>&1 || continue
  grep -q '^version:' "$d"*.yaml || continue
  ! grep -q '^accounts:' "$d"*.yaml || continue
  "$SIPSYNC" validate --offline "$d" >"$SCRATCH/out" 2>&1 ||
    fail "${d#"$SRC_DIR"/}: sipsync validate rejects the directory: $(cat "$SCRATCH/out")"
done

bad=("$SRC_DIR"/tests/fixtures/schema/bad/*.yaml)
[ "${#bad[@]}" -ge 20 ] || fail "expected at least 20 bad fixtures, found ${#bad[@]}"
loads=() unloadable=()
for f in "${bad[@]}"; do
  if sed -n 2p "$f" | grep -q '^# ajv: does not load'; then unloadable+=("$f")
  else loads+=("$f"); fi
done
ajv_batch "${loads[@]}"
for f in "${unloadable[@]}"; do
  "$ajv" validate --spec=draft2020 -c ajv-formats --strict=false \
    -s "$schema" -d "$f" >"$SCRATCH/ajv1.out" 2>&1 &&
    fail "${f#"$SRC_DIR"/}: ajv loads and accepts it"
  grep -q '^error:' "$SCRATCH/ajv1.out" ||
    fail "${f#"$SRC_DIR"/}: ajv does not refuse to load it: $(cat "$SCRATCH/ajv1.out")"
done
for f in "${bad[@]}"; do
  rel=${f#"$SRC_DIR"/}
  want=$(sed -n '1s/^# expect: //p' "$f")
  [ -n "$want" ] || fail "$rel: first line must be '# expect: MESSAGE'"
  if [[ " ${loads[*]} " == *" $f "* ]]; then
    [ "$(ajv_says "$f")" = invalid ] || fail "$rel: ajv: $(ajv_says "$f")"
  fi
  set +e
  "$SIPSYNC" validate --offline "$f" >"$SCRATCH/out" 2>&1
  rc=$?
  set -e
  [ "$rc" = 1 ] || fail "$rel: sipsync validate exit $rc, want 1"
  grep -qF -- "$want" "$SCRATCH/out" ||
    fail "$rel: sipsync does not say '$want': $(cat "$SCRATCH/out")"
done

echo "checked ${#good[@]} good and ${#bad[@]} bad files with ajv and sipsync"
[ "$failures" = 0 ]
