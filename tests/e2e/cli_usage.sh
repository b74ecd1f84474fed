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

# did you mean: the nearest command or option name, only ever a name from
# the table (never what was typed after '=')
usage "unknown command 'plna'; did you mean 'plan'? (see 'sipsync --help')" plna
usage "unknown command 'exprot'; did you mean 'export'?" exprot
usage "unknown command 'frobnicate' (see 'sipsync --help')" frobnicate
usage "plan: unknown option '--detailed-exitcod'; did you mean '--detailed-exitcode'?" plan --detailed-exitcod
usage "plan: unknown option '--detailed-exitcod'; did you mean '--detailed-exitcode'?" plan "--detailed-exitcod=$KEY"
usage "plan: unknown option '--api-key-f'; did you mean '--api-key-file'?" plan "--api-key-f=$KEY"
usage "plan: unknown option '--detailed'; did you mean '--detailed-exitcode'? (options are spelled out in full)" plan --detailed
usage "apply: unknown option '--auto-aprove'; did you mean '--auto-approve'?" apply --auto-aprove
usage "validate: unknown option '--ofline'; did you mean '--offline'?" validate --ofline
usage "validate: unknown option '--no-such' (see 'sipsync validate --help')" validate "--no-such=$KEY"
usage "plan: option '--out' needs a value" plan --out
usage "plan: unknown option '--secrets'; did you mean '--secrets-dir'?" plan --secrets
# a value that looks like a long option name is not a suggestion source
"$SIPSYNC" plan "--detailed-exitcod=--$KEY" >out 2>err
assert_not_contains "$(cat err)" "$KEY" "value of a misspelt option echoed"

# spelled out in full, the same flags work
"$SIPSYNC" validate --offline --format=json "$SRC_DIR/examples/minimal.yaml" >out 2>err
assert_eq "$?" 0 "validate --format=json"
assert_contains "$(cat out)" '"valid": true' "json report"
echo "cli_usage: ok"
