#!/usr/bin/env bash
# The three man pages (scdoc sources beside what they document, built by
# CMake into BUILD/man) render with `man --warnings` and no warning at
# all, and each has its NAME line.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
cd "$SCRATCH" || exit 1
build=$(dirname "$SIPSYNC")
command -v man >/dev/null || { echo "install_man: skip: no man"; exit 77; }
[ -d "$build/man" ] || { echo "install_man: skip: no man pages built (scdoc missing at configure time)"; exit 77; }

for page in sipsync.1 sipsync-sim.1 sipsync.yaml.5; do
	f=$build/man/$page
	[ -s "$f" ] || fail "$f was not built"
	# -w w: every groff warning (bad escapes, unknown macros, lines it
	# cannot fit, ...)
	LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings=w -l "$f" >"$page.txt" 2>"$page.err"
	rc=$?
	assert_eq "$rc" 0 "man -l $page exit code"
	same "$(cat "$page.err")" "" "man --warnings -l $page printed warnings"
	name=${page%.*}
	assert_contains "$(sed -n '/^NAME/,/^[A-Z]/p' "$page.txt")" "$name - " "NAME section of $page"
done
echo "install_man: ok"
