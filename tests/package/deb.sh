#!/usr/bin/env bash
# The Debian packages, as a user gets them: dpkg-buildpackage -us -uc -b
# builds sipsync and sipsync-sim from a copy of the tree, lintian reports
# no error, and `apt-get install ./sipsync_*.deb` into a clean debootstrap
# minbase bookworm root (a copy of the cached one) installs it with its
# dependencies; there `sipsync version` runs and `man -w sipsync` finds
# the page, and the unit is installed but not enabled.
#
#   bash tests/package/deb.sh BUILD_DIR
#
# BUILD_DIR holds the work (BUILD_DIR/package-deb) and keeps the .debs.
# Exit 0 ok, 1 failed, 77 cannot run here (not root, no debootstrap, no
# mirror). Not in the default ctest suite: it takes about a minute.
set -uo pipefail
PKG_TEST=deb
src=$(cd "$(dirname "$0")/../.." && pwd)
source "$src/tests/package/lib.sh"
[ $# -ge 1 ] || { echo "usage: bash tests/package/deb.sh BUILD_DIR" >&2; exit 64; }
mkdir -p "$1" && work=$(cd "$1" && pwd)/package-deb

pkg_need_root
for t in dpkg-buildpackage lintian debootstrap chroot git; do pkg_need "$t"; done

rm -rf "$work" && mkdir -p "$work/src"
# the tree as committed or added, without build trees and node_modules
(cd "$src" && git ls-files -co --exclude-standard | grep -v '^tests/node/node_modules' |
	tar -cf - -T -) | tar -xf - -C "$work/src" || pkg_fail "copy the source tree"
step "dpkg-buildpackage -us -uc -b"
(cd "$work/src" && quiet dpkg-buildpackage -us -uc -b) || exit 1
debs=("$work"/sipsync_*.deb "$work"/sipsync-sim_*.deb)
[ -f "${debs[0]}" ] && [ -f "${debs[1]}" ] || pkg_fail "no sipsync and sipsync-sim .deb"

step "lintian -I --pedantic (fails on E:)"
lintian -I --pedantic "$work"/sipsync_*.changes >"$work/lintian.txt" 2>&1
sed -i '/running with root privileges is not recommended/d' "$work/lintian.txt"
sed 's/^/  /' "$work/lintian.txt"
if grep -q '^E: ' "$work/lintian.txt"; then pkg_fail "lintian reports errors"; fi

base=$(pkg_base_root) || exit 1
root=$work/root
step "copy the clean root"
cp -a "$base" "$root" || pkg_fail "copy $base"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
mkdir -p "$root/tmp/debs" "$PKG_CACHE/apt-archives/partial"
cp "${debs[@]}" "$root/tmp/debs/"
# downloaded dependencies are kept between runs
mount --bind "$PKG_CACHE/apt-archives" "$root/var/cache/apt/archives" ||
	pkg_skip "cannot bind-mount (no mount privilege here)"
trap 'umount "$root/var/cache/apt/archives" 2>/dev/null' EXIT
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }

step "apt-get install ./sipsync_*.deb ./sipsync-sim_*.deb man-db (clean bookworm root)"
install=(apt-get install -y -q --no-install-recommends
	./tmp/debs/"$(basename "${debs[0]}")" ./tmp/debs/"$(basename "${debs[1]}")" man-db)
if ! (cd "$root" && in_root "${install[@]}" >"$work/apt.log" 2>&1); then
	# package lists missing or stale: update once and retry
	quiet in_root apt-get update -q
	quiet in_root "${install[@]}"
fi

step "sipsync version"
out=$(in_root sipsync version) || pkg_fail "sipsync version in the root"
printf '%s\n' "$out" | sed 's/^/  /'
grep -q '^libgit2 ' <<<"$out" || pkg_fail "sipsync version printed no library versions"
step "man -w sipsync"
page=$(in_root man -w sipsync) || pkg_fail "man -w sipsync"
[ "$page" = /usr/share/man/man1/sipsync.1.gz ] || pkg_fail "man -w sipsync: $page"
in_root man -w 5 sipsync.yaml >/dev/null || pkg_fail "man -w 5 sipsync.yaml"
in_root man -w sipsync-sim >/dev/null || pkg_fail "man -w sipsync-sim"
step "sipsync validate --offline the packaged example"
in_root sipsync validate --offline /usr/share/doc/sipsync/examples/full.yaml >/dev/null ||
	pkg_fail "validate the packaged example"
step "sipsync-agent.service installed, not enabled"
[ -f "$root/lib/systemd/system/sipsync-agent.service" ] || pkg_fail "no /lib/systemd/system/sipsync-agent.service"
grep -q '^ExecStart=/usr/bin/sipsync run' "$root/lib/systemd/system/sipsync-agent.service" ||
	pkg_fail "the unit does not start /usr/bin/sipsync"
if find "$root/etc/systemd" -name 'sipsync*' 2>/dev/null | grep -q .; then
	pkg_fail "sipsync-agent.service is enabled"
fi
umount "$root/var/cache/apt/archives"
trap - EXIT
rm -rf "$root"
pkg_done
