#!/usr/bin/env bash
# -v request logs of the one-shot commands: text lines by default, JSON
# lines with --log-format json (time, level, msg), never a secret.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
mkdir -p "$SCRATCH"
cd "$SCRATCH" || exit 1
sim_start --seed "$SRC_DIR/examples/sim-seed.json"
export XDG_STATE_HOME="$SCRATCH/state"

"$SIPSYNC" plan "$SRC_DIR/examples/minimal.yaml" -v >out 2>err
assert_eq "$?" 0 "plan -v"
assert_contains "$(cat err)" "sipsync: GET /api/sip → 200" "text request log"

"$SIPSYNC" plan "$SRC_DIR/examples/minimal.yaml" -v --log-format json >out 2>err
assert_eq "$?" 0 "plan -v --log-format json"
python3 - err <<'PY' || fail "stderr is not JSON log lines: $(cat err)"
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
assert lines, "no log lines"
msgs = []
for l in lines:
    o = json.loads(l)
    assert set(o) >= {"time", "level", "msg"}, o
    assert o["level"] == "info", o
    msgs.append(o["msg"])
assert any(m.startswith("GET /api/sip → 200") for m in msgs), msgs
assert any(m.startswith("GET /api/sip/registrations") for m in msgs), msgs
PY
assert_not_contains "$(cat out err)" "$ULTRAVOX_API_KEY" "API key in logs"
echo "plan_logs: ok"
