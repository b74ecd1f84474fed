#!/usr/bin/env bash
# The layers the build enforces (README "Layout"): each library links only
# its own dependency, and no folder includes a header of a layer above it.
#   base <- core <- schema / api / git <- engine <- agent <- cmd
# Binary check: the DT_NEEDED entries (readelf -d: direct dependencies
# only, not ldd's transitive closure) of the unit-test binaries, which link
# with --no-as-needed so every library on their link line is recorded.
set -euo pipefail
: "${UNIT_DIR:?}" "${SRC_DIR:?}" "${SIPSYNC_SIM:?}"
command -v readelf >/dev/null || { echo "layers: no readelf" >&2; exit 77; }
fail=0

needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }

# forbid BINARY LIB... : none of the libraries may be a direct dependency
forbid() {
  local bin=$1; shift
  [ -x "$bin" ] || { echo "layers: $bin: not built" >&2; fail=1; return; }
  local libs; libs=$(needed "$bin")
  for lib in "$@"; do
    if grep -q "^$lib" <<<"$libs"; then
      echo "layers: $(basename "$bin") links $lib (not allowed in its layer)" >&2
      fail=1
    fi
  done
}

io=(libcurl libgit2 libmicrohttpd libyaml)
for t in test_buf test_file test_format test_netaddr; do
  forbid "$UNIT_DIR/$t" "${io[@]}" libjansson libpcre2
done
for t in test_plan test_planfile test_route test_route_lint; do
  forbid "$UNIT_DIR/$t" "${io[@]}"
done
for t in test_load test_validate test_export test_plan_cases; do
  forbid "$UNIT_DIR/$t" libcurl libgit2 libmicrohttpd
done
# (test_api links libmicrohttpd itself, for its fake server)
forbid "$UNIT_DIR/test_api" libgit2 libyaml
forbid "$UNIT_DIR/test_gitsrc" libcurl libmicrohttpd libyaml
forbid "$UNIT_DIR/test_known_hosts" "${io[@]}" libjansson libpcre2
forbid "$UNIT_DIR/test_state" libgit2 libmicrohttpd libyaml
forbid "$SIPSYNC_SIM" libcurl libgit2 libyaml libpcre2

# Source check: "#include" lines that point up the layers (or sideways).
# includes DIR PATTERN WHY: no file directly in DIR may match PATTERN
includes() {
  local dir=$1 pattern=$2 why=$3 hits
  hits=$(grep -nE "^#include [\"<]($pattern)" "$SRC_DIR/$dir"/*.[ch] || true)
  if [ -n "$hits" ]; then
    echo "layers: $dir/ includes $why:" >&2
    sed "s#^$SRC_DIR/##" <<<"$hits" >&2
    fail=1
  fi
}
engine='reconcile/[a-z_]+\.h'
includes reconcile/base "reconcile/(core|api|git|agent)/|$engine|schema/|jansson|pcre2|yaml|curl/|git2|microhttpd" "a layer above base"
includes reconcile/core "reconcile/(api|git|agent)/|$engine|schema/|yaml|curl/|git2|microhttpd" "an I/O layer"
includes schema "reconcile/(api|git|agent)/|$engine|curl/|git2|microhttpd" "api, git, engine or agent"
includes reconcile/api "reconcile/(git|agent)/|$engine|schema/|yaml|git2|microhttpd" "git, schema, engine or agent"
includes reconcile/git "reconcile/(api|agent)/|$engine|schema/|yaml|curl/|microhttpd" "api, schema, engine or agent"
includes reconcile "reconcile/(agent|git)/|schema/|yaml|git2|microhttpd|curl/" "agent, git, schema or an I/O library"
# cmd reaches libcurl only through the api library (api_global_init)
includes cmd/sipsync "curl/" "libcurl (use reconcile/api/api.h)"
includes cmd/sipsync-sim "reconcile/(core|api|git|agent)/|$engine|schema/" "more than base"

# private headers stay with their files: private HEADER GLOB (the files
# that may include it, relative to SRC_DIR)
private() {
  local header=$1 allowed=$2 hits
  hits=$(grep -rlF "#include \"$header\"" "$SRC_DIR"/cmd "$SRC_DIR"/reconcile \
    "$SRC_DIR"/schema "$SRC_DIR"/tests --include='*.[ch]' |
    sed "s#^$SRC_DIR/##" | grep -v "^$allowed" || true)
  if [ -n "$hits" ]; then
    echo "layers: $header included outside $allowed:" >&2
    echo "$hits" >&2
    fail=1
  fi
}
private reconcile/git/gitsrc_int.h 'reconcile/git/'
# the policy and accounts readers walk their files with the loader's walker
private schema/load_int.h 'schema/\(load\|policy\|accounts\)'
private schema/policy_int.h 'schema/policy'
private reconcile/api/api_internal.h 'reconcile/api/'

[ $fail = 0 ] && echo "layers: ok"
exit $fail
