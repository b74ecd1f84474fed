# sipsync-sim: a port file or state file that cannot be written is an
# error that names the file (the atomic writer's message), and the
# simulator exits non-zero instead of serving without it.
set -u
source "$SRC_DIR/tests/lib/sim.sh"

missing="$SCRATCH/no-such-dir"
rm -rf "$missing"

# the port file: written once the simulator listens
capture timeout 20 env SIPSYNC_SIM_API_KEY="$SIM_KEY" "$SIPSYNC_SIM" \
	--listen 127.0.0.1:0 --port-file "$missing/sim.port"
[ "$rc" -ne 0 ] || fail "unwritable --port-file: exit 0"
assert_contains "$err" "sipsync-sim: error: --port-file: could not create a temporary file for '$missing/sim.port'" \
	"port file message names the path"

# the state file: saved at start (after loading the seed)
capture timeout 20 env SIPSYNC_SIM_API_KEY="$SIM_KEY" "$SIPSYNC_SIM" \
	--listen 127.0.0.1:0 --seed "$SRC_DIR/examples/sim-seed.json" \
	--state "$missing/state.json"
[ "$rc" -ne 0 ] || fail "unwritable --state: exit 0"
assert_contains "$err" "sipsync-sim: error: cannot save state: could not create a temporary file for '$missing/state.json'" \
	"state file message names the path"
[ ! -e "$missing" ] || fail "a write error created $missing"
echo "ok"
