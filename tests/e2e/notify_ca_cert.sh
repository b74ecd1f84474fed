# A notification receiver behind a private CA: without --notify-ca-cert
# the post is refused by certificate verification (logged, the plan still
# succeeds, nothing delivered); with --notify-ca-cert (the receiver's CA
# bundle) it is delivered. The flag alone, or an unreadable file, is a
# usage error named by flag.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
source "$SRC_DIR/tests/lib/agent.sh"
source "$SRC_DIR/tests/lib/notify.sh"
sim_start
agent_trap
receiver_start 204 tls
cd "$SCRATCH"
cat >sip.yaml <<'YAML'
version: 1
sip:
  allowedCidrRanges: [203.0.113.0/24]
YAML
CA="$SRC_DIR/tests/fixtures/api_tls/cert.pem"

sipsync_expect 0 plan sip.yaml --state-dir st --notify "$RECV_URL/hook"
assert_eq "$(receiver_count)" 0 "delivered without the receiver's CA"
assert_contains "$(cat err)" "certificate" "why the post failed"

sipsync_expect 0 plan sip.yaml --state-dir st --notify "$RECV_URL/hook" --notify-ca-cert "$CA"
assert_eq "$(receiver_count)" 1 "delivered with --notify-ca-cert"
assert_eq "$(receiver_events)" drift_detected "event"

sipsync_expect 64 plan sip.yaml --state-dir st --notify-ca-cert "$CA"
assert_contains "$(cat err)" "--notify-ca-cert and --notify-repeat need --notify or --notify-file" "flag alone"
sipsync_expect 64 plan sip.yaml --state-dir st --notify "$RECV_URL/hook" --notify-ca-cert "$SCRATCH/nope.pem"
assert_contains "$(cat err)" "--notify-ca-cert $SCRATCH/nope.pem: No such file or directory" "missing file"
echo "ok"
