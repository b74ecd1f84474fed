#!/usr/bin/env bash
# --log-format json: every stderr line is a JSON log line (request log, the
# final error, diagnostics, a usage error after the flag), failed requests
# are not "info": a retried attempt is a warning, a final failure an error.
# Never a secret.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
mkdir -p "$SCRATCH"
cd "$SCRATCH" || exit 1
sim_start --seed "$SRC_DIR/examples/sim-seed.json"
export XDG_STATE_HOME="$SCRATCH/state"
cfg="$SRC_DIR/examples/minimal.yaml"

# check_lines FILE EXPECT...: every line of FILE is a JSON log line; each
# EXPECT "LEVEL:TEXT" asks for a line at LEVEL containing TEXT;
# no line that reports an HTTP failure is at level info.
check_lines()
{
	python3 - "$@" <<'PY' || fail "stderr of $1: $(cat "$1")"
import json, re, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
assert lines, "no lines"
objs = []
for l in lines:
    o = json.loads(l)  # raises on a text line
    assert isinstance(o, dict) and set(o) >= {"time", "level", "msg"}, l
    assert o["level"] in ("error", "warning", "info"), l
    objs.append(o)
for want in sys.argv[2:]:
    level, text = want.split(":", 1)
    hits = [o for o in objs if text in o["msg"] and o["level"] == level]
    assert hits, "no %s line holds %r" % (level, text)
for o in objs:
    if re.search(r"\u2192 (5\d\d|4\d\d|request failed)", o["msg"]):
        assert o["level"] != "info", o
PY
}

# 503 on every attempt: four retried attempts (warning), the last one
# (error), then the command's own error line
sim_ctl POST /_sim/faults '{"status503": 50}' >/dev/null
"$SIPSYNC" plan "$cfg" -v --log-format json >out 2>err
assert_eq "$?" 1 "plan against a failing API"
check_lines err "warning:GET /api/sip → 503 in" "warning:retry 2/5" "error:gave up after 5 attempts"
python3 - err <<'PY' || fail "levels of the 503 attempts: $(cat err)"
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
attempts = [o["level"] for o in objs if o["msg"].startswith("GET /api/sip → 503")]
assert attempts == ["warning"] * 4 + ["error"], attempts
PY
sim_ctl POST /_sim/faults '{}' >/dev/null

# a wrong key: 401 is not retried, an error line; the final message too
ULTRAVOX_API_KEY=wrong-key-value-9c1d "$SIPSYNC" apply "$cfg" --auto-approve \
	-v --log-format json >out 2>err
assert_eq "$?" 1 "apply with a wrong key"
check_lines err "error:GET /api/sip → 401" "error:authentication failed"
assert_not_contains "$(cat out err)" "wrong-key-value-9c1d" "the wrong key echoed"

# validation errors (diagnostics on stderr) are JSON lines too
printf 'version: 1\nsip:\n  allowedCidrRanges: [not-a-cidr]\n' >bad.yaml
"$SIPSYNC" plan bad.yaml --log-format json >out 2>err
assert_eq "$?" 1 "plan of an invalid file"
check_lines err "error:bad.yaml:3"
"$SIPSYNC" validate bad.yaml --offline --log-format json --color always >out 2>err
assert_eq "$?" 1 "validate of an invalid file"
check_lines err "error:bad.yaml:3"

# a usage error after the flag is JSON; before it, getopt has not read it
"$SIPSYNC" plan --log-format json --no-such=secret-ish-value >out 2>err
assert_eq "$?" 64 "usage error"
check_lines err "error:unknown option '--no-such'"
assert_not_contains "$(cat err)" "secret-ish-value" "the option's value echoed"
assert_not_contains "$(cat "$SCRATCH"/err)" "$SIM_KEY" "API key in logs"
echo "log_json_failures: ok"
