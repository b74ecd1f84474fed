#!/usr/bin/env bash
# Installs what sipsync needs to build and test on Debian 12 (run as root),
# only what is missing, printing one line per step (apt's own output goes
# to a log, shown only when a step fails).
#
#   scripts/deps.sh               build and test dependencies
#   scripts/deps.sh --with-node   and the Node test tools (npm ci)
#   scripts/deps.sh --build       only what building sipsync needs (the
#                                 GitHub Action's build-from-source path)
set -euo pipefail
cd "$(dirname "$0")/.."

build_pkgs=(build-essential cmake pkg-config scdoc
	libcurl4-openssl-dev libyaml-dev libjansson-dev libpcre2-dev
	libgit2-dev libmicrohttpd-dev libssl-dev ca-certificates)
# tests: unit/e2e, man pages and completion, promtool, the package tests
test_pkgs=(clang clang-format libclang-rt-14-dev libcmocka-dev
	curl git valgrind openssh-server openssh-client
	man-db zsh fish prometheus
	debhelper dpkg-dev lintian fakeroot debootstrap podman buildah)
mode=${1:-}
pkgs=("${build_pkgs[@]}")
[ "$mode" = --build ] || pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "$mode" != --build ]; then
	# Node.js and Python may come from elsewhere (nodesource, pyenv): a
	# working command is enough, and Debian's npm would conflict with
	# nodesource's node.
	command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
	command -v python3 >/dev/null 2>&1 || missing+=(python3)
fi

log=$(mktemp "${TMPDIR:-/tmp}/sipsync-deps.XXXXXX")
trap 'rm -f "$log"' EXIT
# run WHAT CMD...: one line, the command's output only when it fails
run()
{
	local what=$1 t0=$SECONDS
	shift
	if "$@" >"$log" 2>&1; then
		echo "deps: $what: ok ($((SECONDS - t0)) s)"
	else
		echo "deps: $what: FAILED; its output:" >&2
		tail -n 40 "$log" >&2
		exit 1
	fi
}

if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#pkgs[@]} Debian packages present"
else
	echo "deps: ${#missing[@]} of ${#pkgs[@]} Debian packages missing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	run "apt-get update" apt-get update -qq
	# policy-rc.d 101: no service (prometheus, ssh) starts on install
	no_start=false
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod +x /usr/sbin/policy-rc.d
		no_start=true
	fi
	rc=0
	(run "apt-get install ${#missing[@]} packages" apt-get install -y -qq --no-install-recommends "${missing[@]}") || rc=$?
	! $no_start || rm -f /usr/sbin/policy-rc.d
	[ "$rc" -eq 0 ] || exit "$rc"
fi

# Node tools for the schema, contract and workflow tests (pinned in
# tests/node/package-lock.json).
if [ "$mode" = --with-node ]; then
	bin=tests/node/node_modules/.bin
	if [ -x "$bin/ajv" ] && [ -x "$bin/prism" ] && [ -x "$bin/action-validator" ]; then
		echo "deps: node tools present"
	else
		(cd tests/node && run "npm ci (tests/node)" npm ci --no-audit --no-fund --loglevel=error)
	fi
fi
