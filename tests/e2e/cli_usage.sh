#!/usr/bin/env bash
# Usage errors: exit 64 with one clear line, long options spelled out in
# full (no abbreviation turns a value into something else), and a key given
# on the command line refused without ever being echoed.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
mkdir -p "$SCRATCH"
cd "$SCRATCH" || exit 1
KEY=cli-usage-secret-value-7f3a

usage() { # usage WANT_MESSAGE ARGS...
	local want=$1
	shift
	"$SIPSYNC" "$@" >out 2>err
	local rc=$?
	assert_eq "$rc" 64 "exit code of sipsync $*"
	assert_contains "$(cat err)" "$want" "message of sipsync $*"
	assert_not_contains "$(cat out err)" "$KEY" "sipsync $* echoed the key"
}

usage "plan: --api-key: the API key is never taken from the command line" plan --api-key "$KEY"
usage "plan: --api-key: the API key is never taken from the command line" plan "--api-key=$KEY"
usage "apply: --api-key: the API key is never taken" apply --api-key "$KEY"
usage "run: --api-key: the API key is never taken" run --api-key "$KEY" --repo x
usage "plan: unknown option '--api-key-f'" plan --api-key-f "$KEY"
usage "plan: unknown option '--detailed'" plan --detailed
usage "validate: unknown option '--form'" validate --form json
usage "validate: unknown option '--no-such'" validate "--no-such=$KEY"
usage "plan: option '--out' needs a value" plan --out
usage "--format: expected text, json or markdown, got 'yaml'" plan --format yaml
usage "--color: expected auto, always or never, got 'x'" validate --color x
usage "unknown command 'plna'" plna

# spelled out in full, the same flags work
"$SIPSYNC" validate --offline --format=json "$SRC_DIR/examples/minimal.yaml" >out 2>err
assert_eq "$?" 0 "validate --format=json"
assert_contains "$(cat out)" '"valid": true' "json report"
echo "cli_usage: ok"
