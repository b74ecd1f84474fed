#!/usr/bin/env bash
# Shared by the package tests (deb.sh, image.sh): step lines, skips, and a
# cached clean Debian 12 root made once by debootstrap.
#
# The root is cached outside the repository (SIPSYNC_TEST_CACHE, default
# /var/cache/sipsync-test) so reruns take seconds; tests copy it, never
# change it. A marker file says the root is complete: a debootstrap cut
# short is made again, not used half-done.

PKG_CACHE=${SIPSYNC_TEST_CACHE:-/var/cache/sipsync-test}
PKG_MIRROR=${SIPSYNC_TEST_MIRROR:-http://deb.debian.org/debian}
PKG_T0=$(date +%s)

# One line per step: "NAME: step: what".
step() { printf '%s: %s\n' "$PKG_TEST" "$*"; }
pkg_skip() { step "skip: $*"; exit 77; }
pkg_fail() { step "FAIL: $*"; exit 1; }
pkg_done() { step "ok ($(($(date +%s) - PKG_T0)) s)"; }

# Runs a command quietly; on failure prints its output and fails the test.
quiet()
{
	local log
	log=$(mktemp)
	if ! "$@" >"$log" 2>&1; then
		tail -n 40 "$log" >&2
		rm -f "$log"
		pkg_fail "$*"
	fi
	rm -f "$log"
}

pkg_need_root() { [ "$(id -u)" -eq 0 ] || pkg_skip "needs root"; }
pkg_need() { command -v "$1" >/dev/null 2>&1 || pkg_skip "no $1 (scripts/deps.sh installs it)"; }

# Prints the path of a complete minbase bookworm root, making it when
# missing (a few minutes, once). Serialised with flock: two tests running
# at once wait for one debootstrap.
pkg_base_root()
{
	local root=$PKG_CACHE/bookworm-minbase
	mkdir -p "$PKG_CACHE"
	(
		flock 9
		if [ ! -e "$root/.sipsync-complete" ]; then
			step "debootstrap --variant=minbase bookworm (once, cached in $root)" >&2
			rm -rf "$root"
			if ! debootstrap --variant=minbase bookworm "$root" "$PKG_MIRROR" \
				>"$PKG_CACHE/debootstrap.log" 2>&1; then
				tail -n 20 "$PKG_CACHE/debootstrap.log" >&2
				exit 1
			fi
			touch "$root/.sipsync-complete"
		fi
	) 9>"$PKG_CACHE/.lock" || pkg_fail "debootstrap (log: $PKG_CACHE/debootstrap.log)"
	printf '%s\n' "$root"
}
