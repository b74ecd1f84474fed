# The API key never goes over http:// to a host that is not loopback
# unless --allow-insecure-http: plan and the agent refuse, naming the host
# and the flag, before any request; loopback (127.0.0.1, localhost) works.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/plan.sh"
sim_start
cfg="$SCRATCH/sip.yaml"
printf 'version: 1\nsip:\n  allowedCidrRanges: [10.0.0.0/8]\n' >"$cfg"

ULTRAVOX_API_URL=http://api.example.com ss plan "$cfg"
assert_rc 1 "plan over http:// to another host"
assert_contains "$(err)" "refusing to send the API key in clear text to api.example.com over http://" \
	"the error names the host"
assert_contains "$(err)" "--allow-insecure-http" "the error names the flag"
assert_not_contains "$(err)" "$SIM_KEY" "the key is not printed"

ss run --repo "file://$SCRATCH/none" --once --listen none \
	--api-url http://10.1.2.3:8080
assert_rc 1 "run over http:// to another host"
assert_contains "$(err)" "in clear text to 10.1.2.3 over http://" "run names the host"

# loopback by name is fine
port=${SIM_URL##*:}
ULTRAVOX_API_URL="http://localhost:$port" ss plan "$cfg"
assert_rc 0 "plan over http:// to localhost"
