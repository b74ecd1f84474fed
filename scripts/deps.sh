#!/usr/bin/env bash
# Installs what sipsync needs to build and test on Debian 12 (run as root).
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(build-essential cmake pkg-config clang clang-format libclang-rt-14-dev
      libcurl4-openssl-dev libyaml-dev libjansson-dev libpcre2-dev
      libgit2-dev libmicrohttpd-dev libcmocka-dev libssl-dev
      curl git ca-certificates valgrind openssh-server openssh-client)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and Python may come from elsewhere (nodesource, pyenv): a working
# command is enough, and Debian's npm would conflict with nodesource's node.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Node tools for the schema and contract tests (pinned in package-lock.json).
if [ "${1:-}" = "--with-node" ] && [ ! -x tests/node/node_modules/.bin/ajv ]; then
  (cd tests/node && npm ci --no-audit --no-fund --loglevel=error)
fi
