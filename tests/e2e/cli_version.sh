#!/usr/bin/env bash
# sipsync version prints its own version, then the run-time version of each
# library it links, one "NAME VERSION" line each (for bug reports). The
# versions are checked against pkg-config's view of the same libraries
# (the binary runs with the machine's libraries it was built against).
set -u
source "$SRC_DIR/tests/lib/sim.sh"
cd "$SCRATCH" || exit 1

sipsync_expect 0 version
assert_eq "$(head -n1 out)" "sipsync $(sed -n 's/^project(sipsync VERSION \([0-9.]*\).*/\1/p' "$SRC_DIR/CMakeLists.txt")" "first line"
assert_eq "$(wc -l <out | tr -d ' ')" 7 "one line for sipsync and one per library"
# name in the output, pkg-config module
for pair in libcurl:libcurl libgit2:libgit2 libyaml:yaml-0.1 jansson:jansson \
	PCRE2:libpcre2-8 libmicrohttpd:libmicrohttpd; do
	name=${pair%%:*} module=${pair#*:}
	line=$(grep "^$name " out) || fail "no '$name VERSION' line in: $(cat out)"
	want=$(pkg-config --modversion "$module" 2>/dev/null) || continue
	assert_contains "$line" "$name $want" "$name version"
done
assert_eq "$(cat err)" "" "stderr of sipsync version"
sipsync_expect 0 --version
assert_eq "$(head -n1 out)" "$(sed -n 1p <("$SIPSYNC" version))" "--version"
echo "cli_version: ok"
