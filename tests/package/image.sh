#!/usr/bin/env bash
# The container image: `podman build --isolation=chroot` of Containerfile
# on a debian:12-slim base, then checks of the image's configuration
# (non-root user, ENTRYPOINT ["sipsync"], EXPOSE 9479, the state volume, no
# secret in its environment) and, since running a container is refused in
# this sandbox (crun cannot set rlimits), of its filesystem: exported with
# podman create + podman export, `sipsync version` and a
# `validate --offline` run there under chroot --userspec as the image's
# user.
#
#   bash tests/package/image.sh BUILD_DIR
#
# The base is debian:12-slim when podman has it; registries cannot be
# reached here, so otherwise it is made once from the cached debootstrap
# root (docs, man pages and locales left out and excluded for dpkg, as the
# slim image does) and
# imported as localhost/debian:12-slim. Exit 0 ok, 1 failed, 77 cannot run
# here. Not in the default ctest suite (a first build takes minutes).
set -uo pipefail
PKG_TEST=image
src=$(cd "$(dirname "$0")/../.." && pwd)
source "$src/tests/package/lib.sh"
[ $# -ge 1 ] || { echo "usage: bash tests/package/image.sh BUILD_DIR" >&2; exit 64; }
mkdir -p "$1" && work=$(cd "$1" && pwd)/package-image
image=localhost/sipsync:test

pkg_need_root
for t in podman chroot git; do pkg_need "$t"; done
rm -rf "$work" && mkdir -p "$work/ctx"

base=${SIPSYNC_TEST_BASE:-}
if [ -z "$base" ]; then
	for b in docker.io/library/debian:12-slim debian:12-slim localhost/debian:12-slim; do
		podman image exists "$b" 2>/dev/null && { base=$b; break; }
	done
fi
if [ -z "$base" ]; then
	pkg_need debootstrap
	root=$(pkg_base_root) || exit 1
	step "podman import the debootstrap root as localhost/debian:12-slim (once)"
	# as the slim image: dpkg leaves out docs, man pages and locales
	slim=$work/slim
	cp -a "$root" "$slim" || pkg_fail "copy $root"
	rm -rf "$slim/.sipsync-complete" "$slim"/usr/share/{doc,man,locale,info}/* \
		"$slim"/var/cache/apt/archives/*.deb "$slim"/var/lib/apt/lists/*
	cat >"$slim/etc/dpkg/dpkg.cfg.d/slim" <<-'EOC'
	path-exclude /usr/share/doc/*
	path-include /usr/share/doc/*/copyright
	path-exclude /usr/share/man/*
	path-exclude /usr/share/info/*
	path-exclude /usr/share/locale/*
	path-exclude /usr/share/groff/*
	path-exclude /usr/share/linda/*
	path-exclude /usr/share/lintian/*
	EOC
	tar -C "$slim" -cf - . | quiet podman import - localhost/debian:12-slim
	rm -rf "$slim"
	base=localhost/debian:12-slim
fi
step "base $base"

(cd "$src" && git ls-files -co --exclude-standard | grep -v '^tests/node/node_modules' |
	tar -cf - -T -) | tar -xf - -C "$work/ctx" || pkg_fail "copy the source tree"
step "podman build --isolation=chroot --build-arg BASE=$base"
# SIPSYNC_IMAGE_CMAKE_ARGS: extra CMake arguments for the build stage
quiet podman build --isolation=chroot --layers --build-arg "BASE=$base" \
	--build-arg "CMAKE_ARGS=${SIPSYNC_IMAGE_CMAKE_ARGS:-}" \
	-t "$image" -f "$work/ctx/Containerfile" "$work/ctx"

step "image configuration"
cfg() { podman image inspect --format "$1" "$image"; }
user=$(cfg '{{.Config.User}}')
case $user in "" | root | 0 | 0:*) pkg_fail "the image runs as root ('$user')" ;; esac
[ "$(cfg '{{json .Config.Entrypoint}}')" = '["sipsync"]' ] || pkg_fail "ENTRYPOINT is $(cfg '{{json .Config.Entrypoint}}')"
cfg '{{json .Config.ExposedPorts}}' | grep -q '"9479/tcp"' || pkg_fail "no EXPOSE 9479"
cfg '{{json .Config.Volumes}}' | grep -q '"/var/lib/sipsync"' || pkg_fail "the state dir is not a volume"
if cfg '{{json .Config.Env}}' | grep -qiE 'KEY=|TOKEN=|SECRET=|PASSWORD='; then
	pkg_fail "a secret-looking variable is baked in: $(cfg '{{json .Config.Env}}')"
fi
size=$(cfg '{{.Size}}')
step "size $((size / 1024 / 1024)) MiB ($size bytes), user $user"

step "podman create + podman export"
cid=$(podman create "$image") || pkg_fail "podman create"
fs=$work/fs
mkdir -p "$fs"
podman export "$cid" | tar -xf - -C "$fs" || { podman rm -f "$cid" >/dev/null; pkg_fail "podman export"; }
podman rm -f "$cid" >/dev/null
[ -z "$(ls -A "$fs/var/lib/sipsync")" ] || pkg_fail "the state dir of the image is not empty"
if grep -rqsl 'BEGIN .*PRIVATE KEY' "$fs/var/lib/sipsync" "$fs/work" "$fs/etc/sipsync" 2>/dev/null; then
	pkg_fail "a private key is baked in"
fi

step "chroot --userspec=$user sipsync version"
run_as() { chroot --userspec="$user" "$fs" env -i PATH=/usr/bin:/bin XDG_STATE_HOME=/var/lib "$@"; }
out=$(run_as sipsync version) || pkg_fail "sipsync version in the image"
printf '%s\n' "$out" | sed 's/^/  /'
grep -q '^libmicrohttpd ' <<<"$out" || pkg_fail "sipsync version printed no library versions"
step "chroot --userspec=$user sipsync validate --offline"
mkdir -p "$fs/work/sip"
cp "$src/examples/full.yaml" "$fs/work/sip/"
chmod -R a+rX "$fs/work/sip"
(cd "$fs/work" && run_as sh -c 'cd /work && sipsync validate --offline sip/') |
	sed 's/^/  /' || pkg_fail "validate --offline in the image"
rm -rf "$fs"
pkg_done
