#!/usr/bin/env bash
# Builds sipsync the ways users and distributions do, each with
# warnings as errors (-DSIPSYNC_WERROR=ON), so a flag set that warns fails
# here and not in a user's build:
#   release   CMake Release (-O3)
#   debian    Debian's dpkg-buildflags (CFLAGS/CPPFLAGS/LDFLAGS with
#             -D_FORTIFY_SOURCE=2, -fstack-protector-strong, relro)
#   clang     clang, RelWithDebInfo
# The tests are not built (the normal and sanitizer builds run them).
#
#   scripts/build-matrix.sh [BUILD_ROOT] [VARIANT...]   (default build/matrix, all)
set -euo pipefail
cd "$(dirname "$0")/.."
root=${1:-build/matrix}
[ $# -gt 0 ] && shift
variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(release debian clang)
jobs=$(nproc)

build_one()
{
	local name=$1 dir=$root/$1 t0=$SECONDS log
	shift
	log=$dir.log
	mkdir -p "$root"
	if ! { "$@" -S . -B "$dir" -DSIPSYNC_TESTS=OFF -DSIPSYNC_WERROR=ON &&
		cmake --build "$dir" -j"$jobs"; } >"$log" 2>&1; then
		echo "build-matrix: $name: FAILED ($log):" >&2
		grep -E 'error|warning' "$log" | head -n 20 >&2
		return 1
	fi
	if grep -q 'warning:' "$log"; then
		echo "build-matrix: $name: warnings ($log):" >&2
		grep 'warning:' "$log" | head -n 20 >&2
		return 1
	fi
	echo "build-matrix: $name: ok, no warning ($((SECONDS - t0)) s)"
}

rc=0
for v in "${variants[@]}"; do
	case $v in
	release) build_one release cmake -DCMAKE_BUILD_TYPE=Release || rc=1 ;;
	debian)
		build_one debian env \
			CFLAGS="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)" \
			LDFLAGS="$(dpkg-buildflags --get LDFLAGS)" \
			DEB_BUILD_MAINT_OPTIONS=hardening=+all \
			cmake -DCMAKE_BUILD_TYPE=None || rc=1 ;;
	clang) build_one clang env CC=clang cmake -DCMAKE_BUILD_TYPE=RelWithDebInfo || rc=1 ;;
	*) echo "build-matrix: unknown variant '$v' (release, debian, clang)" >&2; exit 64 ;;
	esac
done
exit "$rc"
