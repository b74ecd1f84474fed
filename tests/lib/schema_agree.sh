# A JSON Schema and sipsync must agree on a folder of fixtures: every file
# under DIR/good passes both (ajv-cli, draft 2020-12, reading YAML); every
# file under DIR/bad fails both, and sipsync names the reason given on the
# file's first line ("# expect: ..."). Source it, define
#   sipsync_reads FILE     run sipsync on FILE (output in $SCRATCH/out)
# then call: schema_agree SCHEMA DIR WHAT (WHAT names the files: "policy").
set -euo pipefail
: "${SIPSYNC:?}" "${SRC_DIR:?}" "${SCRATCH:?}"
mkdir -p "$SCRATCH"
ajv="$SRC_DIR/tests/node/node_modules/.bin/ajv"
[ -x "$ajv" ] || { echo "ajv-cli missing: run (cd tests/node && npm ci)" >&2; exit 1; }
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

ajv_says() {
  "$ajv" validate --spec=draft2020 --strict=false -s "$1" -d "$2" >"$SCRATCH/ajv.out" 2>&1 &&
    echo valid || echo invalid
}

schema_agree() {
  local schema=$1 dir=$2 what=$3 f rel expect
  local good=("$dir"/good/*.yaml) bad=("$dir"/bad/*.yaml)
  [ "${#good[@]}" -ge 2 ] || fail "expected at least 2 good $what files"
  [ "${#bad[@]}" -ge 4 ] || fail "expected at least 4 bad $what files"
  for f in "${good[@]}"; do
    rel=${f#"$SRC_DIR"/}
    [ "$(ajv_says "$schema" "$f")" = valid ] || fail "$rel: ajv: $(cat "$SCRATCH/ajv.out")"
    sipsync_reads "$f" || fail "$rel: sipsync refuses it: $(cat "$SCRATCH/out")"
  done
  for f in "${bad[@]}"; do
    rel=${f#"$SRC_DIR"/}
    expect=$(head -n1 "$f" | sed -n 's/^# expect: //p')
    [ -n "$expect" ] || fail "$rel: no '# expect:' line"
    [ "$(ajv_says "$schema" "$f")" = invalid ] || fail "$rel: ajv accepts it"
    if sipsync_reads "$f"; then
      fail "$rel: sipsync accepts it"
    elif ! grep -qF -- "$expect" "$SCRATCH/out"; then
      fail "$rel: sipsync does not say '$expect': $(cat "$SCRATCH/out")"
    fi
  done
  [ "$failures" -eq 0 ] || exit 1
  echo "ok: ${#good[@]} good and ${#bad[@]} bad $what files agree"
}
